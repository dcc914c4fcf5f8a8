"""The period Insights shows and the one before it, and the SQL that splits rows between them.

A period is whole local days in the viewer's timezone. Each Insights query covers the chosen period
*and* the previous one in a single index range scan and tells them apart with a ``bucket`` column
(``CURRENT`` = 1, ``PREVIOUS`` = 0); ``totals_by_bucket`` runs such a query and hands back the named
totals of each period. ``Compared`` puts a figure next to the previous period's, and says which
way is better (or that neither is).

Local dates are computed by the database on both backends (``local_day``): PostgreSQL with its zone
database, SQLite with the period's UTC offsets worked out here.
"""

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from complaints.models import Complaint
from core.extensions import db

DEFAULT_DAYS = 28
CURRENT, PREVIOUS = 1, 0
# What ``totals_by_bucket`` returns: per period, the named totals.
Totals = dict[int, dict[str, int]]


# --- the period ------------------------------------------------------------------------------


def local_midnight(day: date, timezone: str) -> datetime:
    """The UTC instant a local calendar day starts.

    Where clocks jump at midnight (São Paulo until 2019) the local 00:00 does not exist; zoneinfo's
    ``fold=0`` then uses the offset in force before the jump, which lands on the first real instant
    of that day, so no complaint falls between two days.
    """
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


@dataclass(frozen=True)
class Period:
    """Whole local days ``start_on``..``end_on`` (both included) in the viewer's timezone."""

    start_on: date
    end_on: date
    timezone: str = "UTC"

    @classmethod
    def last_days(cls, today: date, timezone: str, days: int = DEFAULT_DAYS) -> "Period":
        return cls(today - timedelta(days=days - 1), today, timezone)

    @property
    def days(self) -> int:
        return (self.end_on - self.start_on).days + 1

    @property
    def start_at(self) -> datetime:
        return local_midnight(self.start_on, self.timezone)

    @property
    def end_at(self) -> datetime:
        """Exclusive: the first instant of the day after ``end_on``."""
        return local_midnight(self.end_on + timedelta(days=1), self.timezone)

    def previous(self) -> "Period":
        """The period of the same number of days just before this one."""
        return Period(
            self.start_on - timedelta(days=self.days),
            self.start_on - timedelta(days=1),
            self.timezone,
        )

    def day_list(self) -> list[date]:
        return [self.start_on + timedelta(days=n) for n in range(self.days)]


# --- comparisons -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Compared:
    """A figure for the period next to the previous period's.

    ``better`` says which way is good ("higher", "lower") or None for figures that must stay
    neutral, like the number of complaints heard: finding more of them is not a failure.
    """

    current: float | int | Decimal | None
    previous: float | int | Decimal | None
    better: str | None = None

    @classmethod
    def of(cls, totals: Totals, name: str, better: str | None = None) -> "Compared":
        """The total ``name`` of ``totals_by_bucket`` in both periods."""
        return cls(totals[CURRENT][name], totals[PREVIOUS][name], better)

    @classmethod
    def share_of(
        cls, totals: Totals, part: str, whole: str, better: str | None = None
    ) -> "Compared":
        """``part / whole`` of ``totals_by_bucket`` in both periods."""
        return cls(
            share(totals[CURRENT][part], totals[CURRENT][whole]),
            share(totals[PREVIOUS][part], totals[PREVIOUS][whole]),
            better,
        )

    @property
    def change(self):
        if self.current is None or self.previous is None:
            return None
        return self.current - self.previous

    @property
    def direction(self) -> str | None:
        change = self.change
        if change is None:
            return None
        return "up" if change > 0 else "down" if change < 0 else "same"

    @property
    def tone(self) -> str:
        direction = self.direction
        if self.better is None or direction in (None, "same"):
            return "neutral"
        good = (direction == "up") == (self.better == "higher")
        return "good" if good else "bad"


def share(part: int | None, whole: int | None) -> float | None:
    """``part / whole``, or None when there is nothing to divide (shown as a dash, never as 0 %)."""
    if not whole:
        return None
    return (part or 0) / whole


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    """Continuous percentile, the same arithmetic as PostgreSQL's ``percentile_cont``.

    PostgreSQL computes ``lo + (pos - floor(pos)) * (hi - lo)`` with ``pos = fraction * (n - 1)``
    in double precision; doing exactly that here makes both backends give identical answers.
    """
    if not sorted_values:
        return None
    position = fraction * (len(sorted_values) - 1)
    lower = math.floor(position)
    upper = math.ceil(position)
    low, high = float(sorted_values[lower]), float(sorted_values[upper])
    if lower == upper:
        return low
    return low + (position - lower) * (high - low)


# --- the two periods in SQL -----------------------------------------------------------------------------


def dialect() -> str:
    return db.session.get_bind().dialect.name


def period_bucket(column, period: Period):
    """1 for rows of ``period``, 0 for rows of the previous one (the query bounds both)."""
    return sa.case((column >= period.start_at, CURRENT), else_=PREVIOUS).label("bucket")


def both_periods(column, period: Period):
    return sa.and_(column >= period.previous().start_at, column < period.end_at)


def in_period(column, period: Period):
    return sa.and_(column >= period.start_at, column < period.end_at)


def for_team(statement, team_id: int | None):
    """Complaints of one team; ``None`` means all teams (including complaints no team holds yet)."""
    if team_id is None:
        return statement
    return statement.where(Complaint.team_id == team_id)


def offset_segments(start_at: datetime, end_at: datetime, timezone: str) -> list[tuple]:
    """The UTC offsets in force over ``[start_at, end_at)``: ``[(until_utc, seconds), ...]``.

    The last segment's ``until`` is None. Daylight-saving transitions are found exactly (to the
    second) by bisection, so a row just before or after a transition gets its true local date.
    """
    zone = ZoneInfo(timezone)

    def offset(instant: datetime) -> int:
        return int(instant.astimezone(zone).utcoffset().total_seconds())

    segments = []
    cursor, current = start_at, offset(start_at)
    while cursor < end_at:
        step = min(cursor + timedelta(days=1), end_at)
        if offset(step) != current:
            low, high = cursor, step
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                middle = middle.replace(microsecond=0)
                if middle <= low:
                    break
                if offset(middle) == current:
                    low = middle
                else:
                    high = middle
            segments.append((high, current))
            current = offset(high)
        cursor = step
    segments.append((None, current))
    return segments


def local_day(column, period: Period):
    """The local calendar date of a UTC timestamp column, as SQL, on both backends.

    PostgreSQL converts with the zone database itself (``timezone(zone, ts)``). SQLite has no zone
    database, so the offsets in force during the period are worked out here and applied with a
    ``CASE`` over the (rare) transition instants: still one SQL expression, no per-row Python.
    """
    if dialect() == "postgresql":
        return sa.func.date(sa.func.timezone(period.timezone, column), type_=sa.Date)
    segments = offset_segments(period.start_at, period.end_at, period.timezone)
    last_offset = f"{segments[-1][1]:+d} seconds"
    if len(segments) == 1:
        modifier = sa.literal(last_offset)
    else:
        modifier = sa.case(
            *[(column < until, f"{seconds:+d} seconds") for until, seconds in segments[:-1]],
            else_=last_offset,
        )
    return sa.func.date(column, modifier, type_=sa.Date)


def totals_by_bucket(base, **aggregates) -> Totals:
    """The named ``aggregates`` over the subquery ``base`` (which has the ``bucket`` column), per
    period: ``{CURRENT: {name: value}, PREVIOUS: {...}}``, in one query.

    A period with no rows, and a SUM over nothing, count as zeros.
    """
    found = {period: dict.fromkeys(aggregates, 0) for period in (CURRENT, PREVIOUS)}
    labelled = [aggregate.label(name) for name, aggregate in aggregates.items()]
    statement = sa.select(base.c.bucket, *labelled).group_by(base.c.bucket)
    for row in db.session.execute(statement).mappings():
        found[row["bucket"]] = {name: row[name] or 0 for name in aggregates}
    return found
