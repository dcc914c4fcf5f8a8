from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me logged in"))


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(),
            Length(min=10, max=200, message=_l("Use at least 10 and at most 200 characters.")),
        ],
    )
    confirm = PasswordField(
        _l("Repeat it"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )


def _timezone_choices():
    return [("", _l("My team's timezone"))] + [(tz, tz) for tz in sorted(available_timezones())]


class AccountForm(FlaskForm):
    """What a person sets for themselves: how their name, dates and language appear."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    timezone = SelectField(_l("Timezone"), choices=_timezone_choices, validate_choice=False)
    locale = SelectField(_l("Language"), choices=[], validate_choice=True)

    def validate_timezone(self, field):
        if field.data and field.data not in available_timezones():
            raise ValidationError(_l("Choose a timezone from the list."))
