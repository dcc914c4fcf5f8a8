from datetime import time
from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField, TimeField
from wtforms.validators import DataRequired, Email, Length

from core.auth.forms import SetPasswordForm
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


def _timezone_choices():
    return [(tz, tz) for tz in sorted(available_timezones())]


class SetupForm(SetPasswordForm):
    """The first run: the head of support (name, e-mail, password) and their team."""

    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Your e-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    team_name = StringField(_l("Team name"), validators=[DataRequired(), Length(max=120)])
    team_slug = StringField(
        _l("Short name (in addresses)"),
        validators=[DataRequired(), Length(max=64)],
        description=_l("Lower-case letters, digits and dashes, e.g. support-eu."),
    )
    timezone = SelectField(_l("Team timezone"), choices=_timezone_choices, default="UTC")
    standup_time = TimeField(
        _l("Stand-up time (team's local time)"), validators=[DataRequired()], default=time(9, 30)
    )
