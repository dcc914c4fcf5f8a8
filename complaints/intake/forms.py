"""Forms of the intake pages: staff entry, the CSV upload, and the two public pages for our clients."""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import EmailField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Optional, ValidationError

from core.forms import PageForm
from core.validators import Length

# The channels a person can hear a complaint through (the others arrive by themselves).
STAFF_CHANNELS = [
    ("phone", _l("Phone call")),
    ("email", _l("E-mail")),
    ("social", _l("Social media")),
    ("chat", _l("Chat")),
    ("in_person", _l("In person")),
]

PHONE = re.compile(r"^\+?[\d\s().-]{6,40}$")
# A client's own words run in their script's direction as they type (Arabic, Hebrew: right to
# left), whatever the page's language; the page's left-to-right put their full stops first.
WRITTEN_ANY_WAY = {"dir": "auto"}


class StaffComplaintForm(PageForm):
    """An agent records a complaint heard on a call, read in an e-mail or seen on social media."""

    external_id = StringField(
        _l("Client id in our systems (if you know it)"), validators=[Optional(), Length(max=120)]
    )
    name = StringField(_l("Client name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Client e-mail"), validators=[Optional(), Email(), Length(max=254)])
    phone = StringField(_l("Client phone"), validators=[Optional(), Length(max=40)])
    channel = SelectField(_l("Heard through"), choices=STAFF_CHANNELS)
    summary = StringField(
        _l("What happened, in one line"), validators=[DataRequired(), Length(max=300)]
    )
    details = TextAreaField(_l("Details"), validators=[Optional(), Length(max=10000)])

    def validate_phone(self, field):
        if field.data and not PHONE.match(field.data.strip()):
            raise ValidationError(_l("Write a phone number with digits, e.g. +55 11 91234 5678."))


class ImportUploadForm(PageForm):
    file = FileField(
        _l("CSV file of past ratings"),
        validators=[
            FileRequired(_l("Choose a CSV file.")),
            FileAllowed(["csv", "txt"], _l("Choose a .csv file.")),
        ],
    )


class SurveyForm(PageForm):
    class Meta:
        csrf = False  # the survey link's token is the proof (``complaints.intake.public``)

    score = RadioField(
        _l("How did we do?"),
        choices=[(str(score), str(score)) for score in range(1, 6)],
        validators=[InputRequired(message=_l("Choose a score from 1 to 5."))],
    )
    comment = TextAreaField(
        _l("Anything you want to tell us? (optional)"),
        validators=[Optional(), Length(max=5000)],
        render_kw=WRITTEN_ANY_WAY,
    )


class WriteToUsForm(PageForm):
    name = StringField(
        _l("Your name"), validators=[DataRequired(), Length(max=200)], render_kw=WRITTEN_ANY_WAY
    )
    contact = StringField(
        _l("Your e-mail or phone"),
        validators=[DataRequired(), Length(max=254)],
        description=_l("So that the head of support can answer you personally."),
    )
    message = TextAreaField(
        _l("Your message"),
        validators=[DataRequired(), Length(max=10000)],
        render_kw=WRITTEN_ANY_WAY,
    )
    # Bots fill every field; people never see this one. Anything in it means "do not open a complaint".
    website = StringField(_l("Leave this empty"), validators=[Optional(), Length(max=200)])

    def validate_contact(self, field):
        value = (field.data or "").strip()
        if "@" in value:
            Email(message=_l("This e-mail address does not look right."))(self, field)
        elif not PHONE.match(value):
            raise ValidationError(_l("Write an e-mail address or a phone number."))
