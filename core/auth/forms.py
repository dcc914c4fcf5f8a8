from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, ValidationError

from core.auth.passwords import password_problem
from core.forms import PageForm
from core.timezones import TimezoneField
from core.validators import Length


class LoginForm(PageForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me logged in"))


class ForgotPasswordForm(PageForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])


def _acceptable_password(form, field):
    problem = password_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


class SetPasswordForm(PageForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), _acceptable_password])
    confirm = PasswordField(
        _l("Repeat it"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )


class ChangePasswordForm(SetPasswordForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=200)]
    )


class AccountForm(PageForm):
    """What a person sets for themselves: how their name, dates and language appear."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    timezone = TimezoneField(_l("Timezone"), blank=_l("My team's timezone"))
    locale = SelectField(_l("Language"), choices=[], validate_choice=True)
    slack_user_id = StringField(
        _l("Slack user id"),
        validators=[Length(max=32)],
        description=_l("In Slack: your profile, ⋮ More, Copy member ID (starts with U or W)."),
    )
