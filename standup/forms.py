"""Forms of the stand-up pages. They check shape; the rules (who, when, what fits) live in services."""

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    DecimalField,
    IntegerField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from core.forms import NamedChoiceField, PageForm
from core.inputs import finite_decimal, id_coerce, parse_day, plausible_datetime
from core.timezones import TimezoneField
from core.validators import Length, NumberRange

WEEKDAY_LABELS = [
    ("1", _l("Monday")),
    ("2", _l("Tuesday")),
    ("3", _l("Wednesday")),
    ("4", _l("Thursday")),
    ("5", _l("Friday")),
    ("6", _l("Saturday")),
    ("7", _l("Sunday")),
]
MOODS = [("", _l("Rather not say")), ("1", "1"), ("2", "2"), ("3", "3"), ("4", "4"), ("5", "5")]


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class CheckInForm(PageForm):
    yesterday = TextAreaField(_l("Yesterday"), validators=[Optional(), Length(max=2000)])
    today = TextAreaField(_l("Today"), validators=[DataRequired(), Length(max=2000)])
    blockers = TextAreaField(_l("Blockers"), validators=[Optional(), Length(max=2000)])
    mood = RadioField(_l("Mood (1–5)"), choices=MOODS, default="", coerce=str)

    @property
    def mood_value(self) -> int | None:
        try:
            return _optional_int(self.mood.data)
        except ValueError:
            return None


class BoardForm(PageForm):
    """A form that shares the board with others: its fields' names and ids start with ``PREFIX``.

    The action item's and the decision's fields were both ``text``: two ``<input id="text">`` on
    one page, so the decision's label named the action item's field and the focus put back by id
    after adding a decision landed in the action item's form. Every construction (rendering and
    reading the post alike) takes the prefix from here, so the two can never disagree.
    """

    PREFIX = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", self.PREFIX)
        super().__init__(*args, **kwargs)


class ActionItemForm(BoardForm):
    PREFIX = "action-item"

    text = StringField(_l("Action item"), validators=[DataRequired(), Length(max=500)])
    owner_id = NamedChoiceField(_l("Owner"), coerce=id_coerce, choices=[], validate_choice=False)
    due_on = DateField(_l("Due"), validators=[Optional(), plausible_datetime])


class TopicForm(BoardForm):
    PREFIX = "topic"

    topic = StringField(_l("Parking-lot topic"), validators=[DataRequired(), Length(max=500)])


class DecisionForm(BoardForm):
    PREFIX = "decision"

    text = StringField(_l("Decision"), validators=[DataRequired(), Length(max=500)])


class TimeboxForm(PageForm):
    minutes = DecimalField(
        _l("Minutes"),
        places=2,
        validators=[DataRequired(), finite_decimal(5, 2), NumberRange(min=0, max=120)],
    )

    @property
    def seconds(self) -> int:
        return round(float(self.minutes.data) * 60 / 5) * 5


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class TeamSettingsForm(PageForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    slack_channel = StringField(_l("Slack channel"), validators=[Optional(), Length(max=80)])
    standup_time = TimeField(_l("Stand-up time (team's local time)"), validators=[DataRequired()])
    timezone = TimezoneField(_l("Timezone"))
    workdays = MultiCheckboxField(_l("Workdays"), choices=WEEKDAY_LABELS)
    timebox_minutes = IntegerField(
        _l("Timebox (minutes)"), validators=[DataRequired(), NumberRange(min=5, max=60)]
    )
    grace_minutes = IntegerField(
        _l("Ends by itself this many minutes after the timebox"),
        validators=[Optional(), NumberRange(min=0, max=60)],
    )
    holidays = TextAreaField(
        _l("Holidays (one per line: YYYY-MM-DD and an optional name)"),
        validators=[Optional(), Length(max=20000)],
    )
    rotation = TextAreaField(
        _l("Facilitator rotation (one e-mail per line, in order)"),
        validators=[Optional(), Length(max=20000)],
    )

    @classmethod
    def saved(cls, team, holidays, rotation_emails: list[str]) -> "TeamSettingsForm":
        """The form showing what is saved: the team, its holidays and its rotation's e-mails."""
        return cls(
            formdata=None,
            data={
                "name": team.name,
                "slack_channel": team.slack_channel,
                "standup_time": team.standup_time,
                "timezone": team.timezone,
                "workdays": list(team.workdays),
                "timebox_minutes": team.timebox_minutes,
                "grace_minutes": team.grace_minutes,
                "holidays": "\n".join(
                    f"{h.on.isoformat()} {h.name or ''}".strip() for h in holidays
                ),
                "rotation": "\n".join(rotation_emails),
            },
        )

    def validate_workdays(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one workday."))

    def parsed_holidays(self) -> list[tuple[date, str | None]]:
        """The holiday lines as (date, name); a bad line is a field error, never a 500."""
        found: dict[date, str | None] = {}
        for number, line in enumerate((self.holidays.data or "").splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            day, _sep, name = line.partition(" ")
            on = parse_day(day)
            if on is None:
                self.holidays.errors.append(
                    _l("Line %(n)d: write the date as YYYY-MM-DD.", n=number)
                )
                continue
            found[on] = name.strip()[:120] or None
        return sorted(found.items())

    def rotation_emails(self) -> list[str]:
        seen: list[str] = []
        for line in (self.rotation.data or "").splitlines():
            email = line.strip().lower()
            if email and email not in seen:
                seen.append(email)
        return seen


class AwayForm(PageForm):
    start = DateField(_l("From"), validators=[DataRequired(), plausible_datetime])
    end = DateField(_l("Until (inclusive)"), validators=[Optional(), plausible_datetime])

    def validate_end(self, field):
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError(_l("The last day cannot be before the first."))
        if field.data and self.start.data and field.data - self.start.data > timedelta(days=62):
            raise ValidationError(_l("Mark at most two months at a time."))


class HistoryForm(PageForm):
    """Filters of the history page and the CSV export (a GET form: nothing changes, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    person = NamedChoiceField(
        _l("Person"), coerce=id_coerce, choices=[], validate_choice=False, default=0
    )
    start = DateField(_l("From"), validators=[Optional(), plausible_datetime])
    end = DateField(_l("Until"), validators=[Optional(), plausible_datetime])

    def validate_end(self, field):
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError(_l("The end cannot be before the start."))
