"""Wish forms. Labels are lazily translated: they are read in the viewer's language at render time."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Optional

from core.forms import PageForm
from core.inputs import MAX_ID, parse_int
from core.validators import Length, NumberRange
from wishes.models import CALL_OUTCOMES, PAID_OUTCOMES, REVIEW_OUTCOMES

OUTCOME_LABELS = {
    "wont_do": _l("Won't do"),
    "will_do": _l("Will do"),
    "will_do_if_paid": _l("Will do if paid"),
    "will_do_in_paid_period": _l("Will do within a paid period"),
    "already_possible": _l("Already possible"),
}
REVIEW_CHOICES = [(code, OUTCOME_LABELS[code]) for code in REVIEW_OUTCOMES]
STATUS_LABELS = {
    "open": _l("Waiting for the review"),
    "decided": _l("Decided"),
    "already_possible": _l("Already possible"),
    "merged": _l("Merged"),
}


class CrossCheckedForm(PageForm):
    """A form with one rule across its fields, said next to one field once each field is valid alone.

    Subclasses name the problem in ``cross_check``; the field validators run first, as usual.
    """

    def cross_check(self):
        """``(field, message)`` when the fields together break the rule, else None."""
        return None

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        problem = self.cross_check()
        if problem is None:
            return valid
        field, message = problem
        field.errors.append(message)
        return False


class WishForm(CrossCheckedForm):
    """An agent records a wish heard from a client: who, what, and the problem behind it."""

    # As on a complaint typed in by staff: a caller rarely knows the id our systems gave them.
    external_id = StringField(
        _l("Client id in our systems (if you know it)"), validators=[Optional(), Length(max=120)]
    )
    name = StringField(
        _l("Client name"), validators=[DataRequired(_l("Their name, please.")), Length(max=200)]
    )
    email = EmailField(
        _l("E-mail (optional)"),
        validators=[
            Optional(),
            Email(_l("This does not look like an e-mail address.")),
            Length(max=254),
        ],
    )
    phone = StringField(_l("Phone (optional)"), validators=[Optional(), Length(max=40)])
    title = StringField(
        _l("What do they wish for?"),
        validators=[Length(max=200)],
        render_kw={"autocomplete": "off"},
    )
    problem = TextAreaField(
        _l("The problem behind it: what is the client trying to achieve?"),
        validators=[
            DataRequired(_l("Ask what they are trying to achieve: often we already solve it.")),
            Length(max=5000),
        ],
    )
    details = TextAreaField(_l("Details (optional)"), validators=[Optional(), Length(max=10000)])
    # Chosen among the similar wishes suggested while typing: "" means a new wish.
    wish_id = HiddenField()
    client_page = HiddenField()

    def chosen_wish_id(self) -> int | None:
        value = (self.wish_id.data or "").strip()
        return parse_int(value)

    def cross_check(self):
        if self.chosen_wish_id() is None and not self.title.data:
            return self.title, _l(
                "Say what the client wishes for, or choose one of the similar wishes."
            )
        return None


class DecisionForm(CrossCheckedForm):
    outcome = RadioField(
        _l("Decision"),
        choices=REVIEW_CHOICES,
        validators=[InputRequired(_l("Choose one of the four decisions."))],
    )
    reason = TextAreaField(
        _l("Why (the client will hear this)"),
        validators=[DataRequired(_l("Write down why: the client will hear it.")), Length(max=5000)],
    )
    terms = StringField(
        _l("Price or paid period (for the paid options)"),
        validators=[Optional(), Length(max=500)],
    )

    def cross_check(self):
        if self.outcome.data in PAID_OUTCOMES and not (self.terms.data or "").strip():
            return self.terms, _l(
                "For a paid option, write the price or the paid period the client is offered."
            )
        return None


class AlreadyPossibleForm(PageForm):
    how = TextAreaField(
        _l("How they can already do it"),
        validators=[
            DataRequired(_l("Explain how the client can already do it.")),
            Length(max=5000),
        ],
    )


class MergeForm(PageForm):
    target_id = IntegerField(
        _l("Merge into wish number"),
        validators=[
            InputRequired(_l("Which wish is the one to keep? Its number.")),
            NumberRange(min=1, max=MAX_ID, message=_l("There is no wish with this number.")),
        ],
    )


CALL_OUTCOME_LABELS = {
    "reached": _l("Reached: told them the decision"),
    "no_answer": _l("No answer"),
    "left_message": _l("Left a message"),
    "call_back_later": _l("They asked us to call back later"),
}


class CallForm(PageForm):
    outcome = RadioField(
        _l("What came of the call?"),
        choices=[(code, CALL_OUTCOME_LABELS[code]) for code in CALL_OUTCOMES],
        default="reached",
    )
    next_try_on = DateField(_l("Try again on (optional)"), validators=[Optional()])
    notes = TextAreaField(_l("How did the call go? (optional)"), validators=[Length(max=5000)])
    # The attempts the row showed: a click sent twice is told apart from a second real call.
    attempts = HiddenField()

    def seen_attempts(self) -> int | None:
        return parse_int(self.attempts.data, 0)


class EmptyForm(PageForm):
    """Only the CSRF token: for buttons that change something (add to the review, close it)."""
