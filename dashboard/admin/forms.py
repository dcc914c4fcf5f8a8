from datetime import time

from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    TimeField,
)
from wtforms.validators import DataRequired, Email, Optional, ValidationError

from core.api.tokens import SCOPE_LABELS, SCOPES
from core.auth.forms import SetPasswordForm
from core.forms import NamedChoiceField, PageForm
from core.i18n import known_language, language_choices
from core.inputs import form_values
from core.models import ROLES
from core.money import AmountField
from core.timezones import TimezoneField, timezone_names
from core.validators import Length, NumberRange
from standup.forms import WEEKDAY_LABELS, MultiCheckboxField

ROLE_LABELS = {"agent": _l("Agent"), "manager": _l("Manager"), "admin": _l("Admin")}


def _role_choices():
    return [(role, ROLE_LABELS[role]) for role in ROLES]


class InviteForm(PageForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Role"), choices=_role_choices)
    team_id = NamedChoiceField(_l("Team"), coerce=int, choices=[])


def _language_choices():
    return [("", _l("Browser's language")), *language_choices()]


def _default_language():
    """A new team speaks the language its creator is reading the page in."""
    return known_language(str(get_locale())) or current_app.config["BABEL_DEFAULT_LOCALE"]


class UserAccessForm(PageForm):
    """One row of the people page: access (role, team, active) and profile."""

    role = SelectField(_l("Role"), choices=_role_choices)
    team_id = NamedChoiceField(_l("Team"), coerce=int, choices=[])
    active = BooleanField(_l("Active"))
    compensation_limit = AmountField(
        _l("Compensation limit"), validators=[Optional(), NumberRange(min=0)]
    )
    slack_user_id = StringField(_l("Slack user id"), validators=[Optional(), Length(max=32)])
    # Typed with the page's one list of timezones (``<datalist id="timezones">``) as suggestions:
    # a menu of ~600 in every row made the page 35 kB a person. Empty: the team's timezone.
    timezone = StringField(_l("Timezone"), validators=[Optional(), Length(max=64)])
    locale = SelectField(_l("Language"), choices=_language_choices)

    def validate_timezone(self, field):
        if field.data and field.data not in timezone_names():
            raise ValidationError(_l("Choose a timezone from the list."))


class TeamForm(PageForm):
    """A team's name, short name, channel and stand-up schedule (holidays and rotation live on
    the stand-up settings page)."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    slug = StringField(
        _l("Short name (in addresses)"),
        validators=[DataRequired(), Length(max=64)],
        description=_l("Lower-case letters, digits and dashes, e.g. support-eu."),
    )
    slack_channel = StringField(_l("Slack channel"), validators=[Optional(), Length(max=80)])
    standup_time = TimeField(_l("Stand-up time (team's local time)"), validators=[DataRequired()])
    timezone = TimezoneField(_l("Timezone"), default="UTC")
    locale = SelectField(
        _l("Language of its Slack messages and agenda"),
        choices=language_choices,
        default=_default_language,
    )
    workdays = MultiCheckboxField(
        _l("Workdays"), choices=WEEKDAY_LABELS, default=["1", "2", "3", "4", "5"]
    )
    timebox_minutes = IntegerField(
        _l("Timebox (minutes)"), validators=[DataRequired(), NumberRange(min=5, max=60)], default=15
    )
    grace_minutes = IntegerField(
        _l("Ends by itself this many minutes after the timebox"),
        validators=[Optional(), NumberRange(min=0, max=60)],
        default=5,
    )

    def fields_for_service(self) -> dict:
        values = form_values(
            self, "name", "slug", "slack_channel", "standup_time", "timezone", "locale"
        )
        values.update(form_values(self, "workdays", "timebox_minutes"))
        grace = self.grace_minutes.data
        return values | {"grace_minutes": grace if grace is not None else 5}


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
    timezone = TimezoneField(_l("Team timezone"), default="UTC")
    locale = SelectField(
        _l("Language of its Slack messages and agenda"),
        choices=language_choices,
        default=_default_language,
    )
    standup_time = TimeField(
        _l("Stand-up time (team's local time)"), validators=[DataRequired()], default=time(9, 30)
    )


def _scope_choices():
    return [(scope, f"{scope} — {SCOPE_LABELS[scope]}") for scope in SCOPES]


class TokenForm(PageForm):
    """A new API token for another system: what it may do and, if it should, when it stops."""

    name = StringField(
        _l("Name (which system uses it)"), validators=[DataRequired(), Length(max=80)]
    )
    # Nothing ticked to start with: a token gets what its admin chose for it, not everything
    # (every box was ticked, and a token made for one job could write ratings and mail clients).
    scopes = MultiCheckboxField(_l("What it may do"), choices=_scope_choices, default=list)
    expires_days = IntegerField(
        _l("Stops working after (days; empty: never)"),
        validators=[Optional(), NumberRange(min=1, max=3650)],
    )
