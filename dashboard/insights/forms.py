"""The period and team picker: a GET form, so every view of the numbers has a URL to share."""

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from wtforms import DateField
from wtforms.validators import StopValidation, ValidationError

from core.forms import NamedChoiceField, PageForm

MAX_DAYS = 731  # two years: enough to compare a year with the one before, bounded for the database
EARLIEST = date(2000, 1, 1)
LATEST = date(2999, 12, 31)  # far enough; keeps "the day after" computable


def _required(message):
    """Like DataRequired, but an unreadable date keeps its own "not a valid date" message."""

    def check(form, field):
        if field.process_errors:
            raise StopValidation()
        if field.data is None:
            raise StopValidation(message)

    return check


class PeriodForm(PageForm):
    """Reads ``start``, ``end`` and ``team`` from the query string; no CSRF (it changes nothing)."""

    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[_required(_l("Choose the first day."))])
    end = DateField(_l("To"), validators=[_required(_l("Choose the last day."))])
    team = NamedChoiceField(_l("Team"), coerce=int, default=0)

    def validate_start(self, field):
        _within_bounds(field)

    def validate_end(self, field):
        _within_bounds(field)
        start = self.start.data
        if not (field.data and start):
            return
        if field.data < start:
            raise ValidationError(_l("The last day comes before the first."))
        if field.data - start >= timedelta(days=MAX_DAYS):
            raise ValidationError(_l("Choose at most %(days)s days.", days=MAX_DAYS))

    @property
    def team_id(self) -> int | None:
        return self.team.data or None


def _within_bounds(field) -> None:
    if field.data and not EARLIEST <= field.data <= LATEST:
        raise ValidationError(
            _l(
                "Choose a day from %(first)s to %(last)s.",
                first=EARLIEST.isoformat(),
                last=LATEST.isoformat(),
            )
        )
