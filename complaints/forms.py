"""Forms of the complaint pages, and the words shown for each stored code (status, channel, outcome).

Codes are stored in English (``call_back_later``); people read the translated labels below.
"""

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from flask_babel import get_timezone
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Optional

from core import audit
from core.forms import NamedChoiceField, PageForm
from core.i18n import Words, format_moment
from core.inputs import finite_decimal, plausible_datetime
from core.money import AmountField, format_money
from core.validators import Length, NumberRange

CHANNEL_LABELS = {
    "phone": _l("Phone call"),
    "email": _l("E-mail"),
    "social": _l("Social media"),
    "chat": _l("Chat"),
    "in_person": _l("In person"),
}
STATUS_LABELS = {
    "new": _l("New"),
    "contacting": _l("Contacting"),
    "resolving": _l("Resolving"),
    "resolved": _l("Resolved"),
    "closed": _l("Closed"),
    "reopened": _l("Reopened"),
}
# Every channel a complaint can arrive through (the staff form offers only the ones people use).
ALL_CHANNEL_LABELS = {
    "survey": _l("Rating survey"),
    "api": _l("Another system"),
    "web_form": _l("Written to us"),
    "import": _l("Imported"),
    **CHANNEL_LABELS,
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
COMPENSATION_STATUS_LABELS = {
    "approved": _l("given"),
    "pending": _l("waiting for the head of support"),
    "rejected": _l("not approved"),
}
ACTION_LABELS = audit.labels_of("complaint")
DETAIL_LABELS = {
    "from": _l("from"),
    "to": _l("to"),
    "channel": _l("how"),
    "outcome": _l("outcome"),
    "kind": _l("kind"),
    "amount": _l("amount"),
    "step": _l("step"),
    "playbook": _l("playbook"),
    "budget": _l("budget"),
    "follow_up_hours": _l("follow up within (hours)"),
    "summary": _l("summary"),
    "details": _l("details"),
    "category_id": _l("category"),
    "owner_id": _l("owner"),
    "constructive": _l("kind of complaint"),
    "due_at": _l("follow up by"),
    "score": _l("score"),
}
# An edit stores whether the complaint is a concrete fact as Python wrote it (``services._audit_value``)
CONSTRUCTIVE_LABELS = {"True": _l("a concrete fact"), "False": _l("pure anger")}
MONEY_DETAILS = frozenset({"budget", "before_budget", "amount"})  # amounts stored as text
LOCAL_DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


def labels() -> dict:
    """Everything templates need to show codes as words, in one context variable; each label
    translated at most once per page (``core.i18n.Words``), however many rows show it."""
    tables = {
        "status": STATUS_LABELS,
        "channel": ALL_CHANNEL_LABELS,
        "contact_channel": dict(CONTACT_CHANNEL_LABELS),
        "contact_outcome": dict(CONTACT_OUTCOME_LABELS),
        "compensation_kind": dict(COMPENSATION_LABELS),
        "compensation_status": COMPENSATION_STATUS_LABELS,
        "client_outcome": dict(CLIENT_OUTCOME_LABELS),
        "action": ACTION_LABELS,
        "detail": DETAIL_LABELS,
        "constructive": CONSTRUCTIVE_LABELS,
    }
    return {name: Words(table) for name, table in tables.items()}


def detail_value(labels: dict, action: str, key: str, value, names: dict | None = None) -> str:
    """One value of an audit event, as words: codes become their labels, amounts money in the
    viewer's language, ids the names ``names`` holds for them (``pages.names_in``; "#7" for
    one no longer there), times the viewer's; the rest stays as it is."""
    if names and key in names:
        return names[key].get(str(value), f"#{value}")
    if key in MONEY_DETAILS:
        try:
            return format_money(Decimal(str(value)))
        except (InvalidOperation, ValueError):
            return value
    table = {
        "from": labels["status"],
        "to": labels["status"],
        "channel": labels["channel" if action == "opened" else "contact_channel"],
        "outcome": labels["client_outcome" if action == "client_outcome" else "contact_outcome"],
        "kind": labels["compensation_kind"],
        "constructive": labels["constructive"],
        "before_constructive": labels["constructive"],
    }.get(key, {})
    if key.endswith("_at") and isinstance(value, str):
        try:  # stored as ISO in UTC; shown like every other time, in the viewer's timezone
            return format_moment(datetime.fromisoformat(value))
        except ValueError:
            return value
    return table.get(value, value)


def detail_pairs(labels: dict, action: str, details: dict, names: dict | None = None) -> list:
    """An event's details as ``(label, words)`` (``core.audit.detail_lines``): an edit read
    "follow up by, before: 8/12/26, 10:50; …; follow up by: 9/12/26, 15:00"."""
    return audit.detail_lines(
        details,
        lambda key: labels["detail"].get(key, key),
        lambda key, value: detail_value(labels, action, key, value, names),
    )


def local_to_utc(value: datetime | None) -> datetime | None:
    """A ``datetime-local`` input is in the viewer's timezone; we store UTC."""
    if value is None:
        return None
    return get_timezone().localize(value).astimezone(UTC)


def utc_to_local(value: datetime) -> datetime:
    """A stored time as a ``datetime-local`` input shows it, in the viewer's timezone."""
    return value.astimezone(get_timezone()).replace(tzinfo=None, second=0, microsecond=0)


class VersionedForm(PageForm):
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
    category_id = NamedChoiceField(_l("Category (root cause)"), coerce=int, choices=[])
    constructive = SelectField(
        _l("Kind of complaint"),
        choices=[
            ("", _l("Not judged yet")),
            ("yes", _l("A concrete fact")),
            ("no", _l("Pure anger")),
        ],
    )
    budget = AmountField(
        _l("Budget"),
        validators=[
            Optional(),
            finite_decimal(),
            NumberRange(min=0, max=9_999_999_999, message=_l("Enter a budget of 0 or more.")),
        ],
    )
    # Left empty, the deadline stays as it is (an edit of the words should not move the deadline).
    due_at = DateTimeLocalField(
        _l("Follow up by"),
        format=LOCAL_DATETIME_FORMATS,
        validators=[Optional(), plausible_datetime],
    )


class ContactForm(PageForm):
    channel = RadioField(
        _l("How"),
        choices=CONTACT_CHANNEL_LABELS,
        default="call",
        validators=[InputRequired(message=_l("Choose how you contacted them."))],
    )
    outcome = RadioField(
        _l("Outcome"),
        choices=CONTACT_OUTCOME_LABELS,
        validators=[InputRequired(message=_l("Choose what came of it."))],
    )
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])
    # Empty means "just now"; filled in when the call is logged afterwards. In the viewer's timezone.
    at = DateTimeLocalField(
        _l("When (leave empty for now)"),
        format=LOCAL_DATETIME_FORMATS,
        validators=[Optional(), plausible_datetime],
    )


class StatusForm(VersionedForm):
    status = HiddenField(validators=[DataRequired()])


class PlaybookChoiceForm(VersionedForm):
    playbook_id = NamedChoiceField(_l("Playbook"), coerce=int, choices=[])


class AssignForm(VersionedForm):
    owner_id = NamedChoiceField(_l("Owner"), coerce=int, choices=[])


class CompensationForm(PageForm):
    kind = SelectField(_l("Kind"), choices=COMPENSATION_LABELS)
    amount = AmountField(
        _l("Amount"),
        validators=[
            InputRequired(message=_l("Enter an amount.")),
            finite_decimal(),
            NumberRange(min=0.01, max=9_999_999_999, message=_l("Enter an amount above zero.")),
        ],
    )
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])


class ClientOutcomeForm(PageForm):
    outcome = SelectField(_l("After the complaint the client"), choices=CLIENT_OUTCOME_LABELS)


class CategoryForm(PageForm):
    name = StringField(_l("Category"), validators=[DataRequired(), Length(max=120)])


class PlaybookForm(PageForm):
    category = StringField(_l("Category"), validators=[DataRequired(), Length(max=120)])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    steps = TextAreaField(_l("Steps, one per line"), validators=[DataRequired(), Length(max=5000)])
    suggested_compensation = AmountField(
        _l("Suggested compensation"),
        validators=[Optional(), finite_decimal(), NumberRange(min=0, max=9_999_999_999)],
    )
    follow_up_hours = IntegerField(
        _l("Follow up within (hours)"),
        default=24,
        validators=[InputRequired(), NumberRange(min=1, max=720)],
    )
    active = BooleanField(_l("Active"), default=True)
