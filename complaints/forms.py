from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

CHANNEL_LABELS = {
    "phone": _l("Phone call"),
    "email": _l("E-mail"),
    "social": _l("Social media"),
    "chat": _l("Chat"),
    "in_person": _l("In person"),
}
CONTACT_CHANNEL_LABELS = [
    ("call", _l("Call")),
    ("email", _l("E-mail")),
    ("meeting", _l("Meeting")),
    ("chat", _l("Chat")),
]
CONTACT_OUTCOME_LABELS = [
    ("reached", _l("Reached them")),
    ("no_answer", _l("No answer")),
    ("call_back_later", _l("Call back later")),
    ("resolved", _l("Resolved with them")),
]
COMPENSATION_LABELS = [
    ("discount", _l("Discount")),
    ("free_service", _l("Free service")),
    ("refund", _l("Refund")),
]
CLIENT_OUTCOME_LABELS = [
    ("rated_again", _l("Rated us again")),
    ("ordered_again", _l("Ordered again")),
    ("left", _l("Left us")),
]


class StaffComplaintForm(FlaskForm):
    """An agent records a complaint heard on a call, read in an e-mail or seen on social media."""

    external_id = StringField(_l("Client id"), validators=[DataRequired(), Length(max=120)])
    name = StringField(_l("Client name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Client e-mail"), validators=[Optional(), Email(), Length(max=254)])
    phone = StringField(_l("Client phone"), validators=[Optional(), Length(max=40)])
    channel = SelectField(_l("Heard through"), choices=list(CHANNEL_LABELS.items()))
    summary = StringField(
        _l("What happened, in one line"), validators=[DataRequired(), Length(max=300)]
    )
    details = TextAreaField(_l("Details"), validators=[Optional(), Length(max=10000)])


class VersionedForm(FlaskForm):
    """Every change carries the version it started from, so a stale edit is caught, not applied."""

    version = HiddenField(validators=[InputRequired()])

    @property
    def version_number(self) -> int | None:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None


class EditComplaintForm(VersionedForm):
    summary = StringField(_l("Summary"), validators=[DataRequired(), Length(max=300)])
    details = TextAreaField(_l("Details"), validators=[Optional(), Length(max=10000)])
    category_id = SelectField(_l("Category (root cause)"), coerce=int, choices=[])
    constructive = SelectField(
        _l("Kind of complaint"),
        choices=[
            ("", _l("Not judged yet")),
            ("yes", _l("A concrete fact")),
            ("no", _l("Pure anger")),
        ],
    )
    budget = DecimalField(_l("Budget"), places=2, validators=[Optional(), NumberRange(min=0)])


class ContactForm(FlaskForm):
    channel = RadioField(_l("How"), choices=CONTACT_CHANNEL_LABELS, default="call")
    outcome = RadioField(
        _l("Outcome"), choices=CONTACT_OUTCOME_LABELS, validators=[InputRequired()]
    )
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])


class StatusForm(VersionedForm):
    status = HiddenField(validators=[DataRequired()])


class PlaybookChoiceForm(VersionedForm):
    playbook_id = SelectField(_l("Playbook"), coerce=int, choices=[])


class AssignForm(VersionedForm):
    owner_id = SelectField(_l("Owner"), coerce=int, choices=[])


class CompensationForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=COMPENSATION_LABELS)
    amount = DecimalField(
        _l("Amount"), places=2, validators=[InputRequired(), NumberRange(min=0.01)]
    )
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])


class ClientOutcomeForm(FlaskForm):
    outcome = SelectField(_l("After the complaint the client"), choices=CLIENT_OUTCOME_LABELS)


class PlaybookForm(FlaskForm):
    category = StringField(_l("Category"), validators=[DataRequired(), Length(max=120)])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    steps = TextAreaField(_l("Steps, one per line"), validators=[DataRequired(), Length(max=5000)])
    suggested_compensation = DecimalField(
        _l("Suggested compensation"), places=2, validators=[Optional(), NumberRange(min=0)]
    )
    follow_up_hours = IntegerField(
        _l("Follow up within (hours)"),
        default=24,
        validators=[InputRequired(), NumberRange(min=1, max=720)],
    )
    active = BooleanField(_l("Active"), default=True)


class SurveyForm(FlaskForm):
    score = RadioField(
        _l("How did we do?"),
        choices=[("5", "5"), ("4", "4"), ("3", "3"), ("2", "2"), ("1", "1")],
        validators=[InputRequired(message=_l("Choose a score from 1 to 5."))],
    )
    comment = TextAreaField(
        _l("Anything you want to tell us? (optional)"), validators=[Optional(), Length(max=5000)]
    )


class WriteToUsForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=200)])
    contact = StringField(_l("Your e-mail or phone"), validators=[DataRequired(), Length(max=254)])
    message = TextAreaField(_l("Your message"), validators=[DataRequired(), Length(max=10000)])
    # Bots fill every field; people never see this one. Anything in it means "do not open a complaint".
    website = StringField(_l("Leave this empty"), validators=[Optional(), Length(max=200)])
