"""The period Insights shows and the one before it, and the SQL that splits rows between them.

A period is whole local days in the viewer's timezone. Each Insights statement covers the chosen
period *and* the previous one, each over its own index range (``CURRENT`` = 1, ``PREVIOUS`` = 0);
``totals_by_period`` runs such a statement and hands back the named totals of each period, and
``counting`` counts many small ranges (a channel in a period, a category in a period) in one
statement, built once with the periods' ranges bound (``RANGES_BOUND``, ``bound_ranges``).
``Compared`` puts a figure next to the previous period's, and says which way is better (or that
neither is).

Local days are ranges between local midnights worked out here (``local_midnight``), so no row's
date is converted in SQL.
"""

import json
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from complaints.models import Complaint
from core.database import UTCDateTime, read_rows
from core.extensions import db

DEFAULT_DAYS = 28
COUNTED_COLUMNS = 1000  # scalar subqueries per statement in ``counting``
CURRENT, PREVIOUS = 1, 0
# What ``totals_by_period`` returns: per period, the named totals.
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

    def day_ranges(self) -> list[tuple[date, datetime, datetime]]:
        """Each local day with the UTC instants it starts and ends at (the end exclusive)."""
        days = self.day_list()
        edges = [local_midnight(day, self.timezone) for day in days] + [self.end_at]
        return [(day, edges[n], edges[n + 1]) for n, day in enumerate(days)]


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
        """The total ``name`` of ``totals_by_period`` in both periods."""
        return cls(totals[CURRENT][name], totals[PREVIOUS][name], better)

    @classmethod
    def share_of(
        cls, totals: Totals, part: str, whole: str, better: str | None = None
    ) -> "Compared":
        """``part / whole`` of ``totals_by_period`` in both periods."""
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


def ranges(period: Period) -> dict[int, tuple[datetime, datetime]]:
    """Each period's ``[start, end)`` in UTC: the previous one ends where ``period`` starts."""
    return {
        PREVIOUS: (period.previous().start_at, period.start_at),
        CURRENT: (period.start_at, period.end_at),
    }


def between(column, start: datetime, end: datetime):
    return sa.and_(column >= start, column < end)


def for_team(statement, team_id: int | None):
    """Complaints of one team; ``None`` means all teams (including complaints no team holds yet).

    Written ``team_id + 0 = ?`` so that no index serves it: the period's range drives every
    Insights read, and the team is tested in the same (covering) index. As a plain equality, the
    planner walked a team's complaints on ``(team_id, status, due_at)`` instead, every one of them
    for each day of the period: 9.4 s for the 28 days of a team of 500k complaints (SQLite).
    """
    if team_id is None:
        return statement
    return statement.where(Complaint.team_id + 0 == team_id)


def totals_by_period(column, period: Period, shape=None, **aggregates) -> Totals:
    """The named ``aggregates`` over the rows whose ``column`` falls in each period:
    ``{CURRENT: {name: value}, PREVIOUS: {...}}``, in one statement.

    Each period is its own SELECT over its own index range, the two joined by UNION ALL: no
    ``CASE`` per row to tell the periods apart and no ``GROUP BY`` (SQLite sorts for one), which is
    most of what such a query cost. ``shape(select)`` adds joins and conditions (the team). A
    period with no rows, and a SUM over nothing, count as zeros.
    """
    shape = shape or (lambda statement: statement)
    selects = [
        shape(
            sa.select(
                sa.literal(bucket, sa.Integer).label("bucket"),
                *[aggregate.label(name) for name, aggregate in aggregates.items()],
            ).where(between(column, start, end))
        )
        for bucket, (start, end) in ranges(period).items()
    ]
    found = {bucket: dict.fromkeys(aggregates, 0) for bucket in (CURRENT, PREVIOUS)}
    for row in db.session.execute(sa.union_all(*selects)).mappings():
        found[row["bucket"]] = {name: row[name] or 0 for name in aggregates}
    return found


# The ranges ``per_range`` walks, read from one JSON parameter (a list of [start, end] pairs), so
# the statement is the same whatever the number of days and compiles once.
RANGES_SQL = {
    "postgresql": (
        "SELECT CAST(n AS INTEGER) AS n, CAST(value->>0 AS TIMESTAMPTZ) AS start, "
        'CAST(value->>1 AS TIMESTAMPTZ) AS "end" '
        "FROM json_array_elements(CAST(:ranges AS JSON)) WITH ORDINALITY AS r(value, n)"
    ),
    "sqlite": (
        "SELECT key AS n, json_extract(value, '$[0]') AS start, "
        "json_extract(value, '$[1]') AS \"end\" FROM json_each(:ranges)"
    ),
}


def per_range(column, bounds: list[tuple[datetime, datetime]], aggregate, shape=None) -> list:
    """``aggregate`` over the rows whose ``column`` falls in each ``[start, end)`` of ``bounds``
    (the local days of a period), in their order, as one statement (``None`` as 0).

    The statement's one correlated subquery walks one index range per pair, where a ``GROUP BY``
    of a date worked out per row would sort every row of the period. The pairs are one JSON
    parameter, written as the column's type stores instants (text on SQLite).
    """
    shape = shape or (lambda statement: statement)
    name = dialect()
    if name == "postgresql":
        stored = [[start.isoformat(), end.isoformat()] for start, end in bounds]
    else:
        driver = db.session.get_bind().dialect
        to_stored = UTCDateTime().dialect_impl(driver).bind_processor(driver)
        stored = [[to_stored(start), to_stored(end)] for start, end in bounds]
    ranges_ = (
        sa.text(RANGES_SQL[name])
        .bindparams(ranges=json.dumps(stored))
        .columns(sa.column("n", sa.Integer), sa.column("start"), sa.column("end"))
        .subquery("ranges")
    )
    found = shape(
        sa.select(aggregate).where(column >= ranges_.c.start, column < ranges_.c.end)
    ).scalar_subquery()
    rows = db.session.execute(sa.select(ranges_.c.n, found).order_by(ranges_.c.n)).all()
    return [value or 0 for _n, value in rows]


def counting(statements: dict) -> list[tuple[list, sa.Select]]:
    """The statements that count ``{key: select}``: one per ``COUNTED_COLUMNS`` keys, each key's
    select a scalar subquery of it, with the keys each one answers.

    Counting one range per key (a channel in a period, a category in a period) walks only the
    index entries it counts, where a ``GROUP BY`` over the whole range would sort them first.
    PostgreSQL allows 1,664 columns in a result: past ``COUNTED_COLUMNS`` keys (hundreds of
    categories), the rest take another statement. Built once with its values bound
    (``count_with``), such a statement is kept by its caller.
    """
    keys = list(statements)
    chunks = []
    for start in range(0, len(keys), COUNTED_COLUMNS):
        chunk = keys[start : start + COUNTED_COLUMNS]
        labelled = [statements[key].scalar_subquery().label(f"v{n}") for n, key in enumerate(chunk)]
        chunks.append((chunk, sa.select(*labelled)))
    return chunks


def count_with(chunks: list[tuple[list, sa.Select]], values: dict | None = None) -> dict:
    """``{key: value}`` from the statements ``counting`` built, run with ``values`` bound."""
    found = {}
    for chunk, statement in chunks:
        (row,) = read_rows(db.session, statement, values)
        found.update({key: value or 0 for key, value in zip(chunk, row, strict=True)})
    return found


def bound_ranges(period: Period) -> dict:
    """The values of ``RANGES_BOUND``'s parameters for ``period``."""
    return {
        name: instant
        for bucket, (start, end) in ranges(period).items()
        for name, instant in ((f"start_{bucket}", start), (f"end_{bucket}", end))
    }


# Each period's ``[start, end)`` as parameters (``bound_ranges`` gives their values): a statement
# built with them is built once, whatever the period.
RANGES_BOUND = {
    bucket: (sa.bindparam(f"start_{bucket}"), sa.bindparam(f"end_{bucket}"))
    for bucket in (PREVIOUS, CURRENT)
}
