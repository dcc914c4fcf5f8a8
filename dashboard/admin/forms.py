from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length

from core.models import ROLES

ROLE_LABELS = {"agent": _l("Agent"), "manager": _l("Manager"), "admin": _l("Admin")}


def _role_choices():
    return [(role, ROLE_LABELS[role]) for role in ROLES]


class InviteForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Role"), choices=_role_choices)
    team_id = SelectField(_l("Team"), coerce=int, choices=[])


class UserAccessForm(FlaskForm):
    role = SelectField(_l("Role"), choices=_role_choices)
    team_id = SelectField(_l("Team"), coerce=int, choices=[])
    active = BooleanField(_l("Active"))
