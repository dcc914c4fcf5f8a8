"""Every Insights figure, computed by the database with aggregates, for a period and the one before.

The practice behind these numbers does not try to lower the number of complaints (that only teaches
people to hide them). It asks: did we hear every client, reach them personally and fast, and keep
them? So "more complaints" is never shown as bad here; time to reach and share reached are.

Each statement covers the chosen period and the previous one, each over its own index range (see
``periods``), so the page costs a fixed, small number of queries however many complaints and
ratings there are, and each reads only the index entries of its periods. Nothing here loops over
rows in Python; the only Python work is on the handful of aggregate rows (and, on SQLite only, the
list of durations for percentiles; see ``reach_percentiles``).
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql

from complaints.models import (
    CHANNELS,
    Category,
    Compensation,
    Complaint,
    Playbook,
    SurveyLink,
)
from complaints.rollups import RatingSlot, ratings_sum
from core.extensions import db
from core.models import User
from dashboard.insights.periods import (
    CURRENT,
    PREVIOUS,
    RANGES_BOUND,
    Compared,
    Period,
    Totals,
    between,
    bound_ranges,
    count_with,
    counting,
    dialect,
    for_team,
    per_range,
    percentile,
    ranges,
    share,
    totals_by_period,
)

KEPT_OUTCOMES = ("rated_again", "ordered_again")


# --- Heard -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelCount:
    channel: str
    current: int
    previous: int


@dataclass(frozen=True)
class DayCount:
    day: date
    complaints: int
    low_ratings: int


@dataclass(frozen=True)
class Heard:
    ratings: Compared
    low_ratings: Compared
    low_share: Compared
    complaints: Compared
    by_channel: list[ChannelCount]
    daily: list[DayCount]
    surveys_sent: Compared
    survey_response: Compared


def heard(period: Period, team_id: int | None) -> Heard:
    """Ratings received, the share of low ones, complaints opened by channel, and per day.

    Ratings belong to no team (only the complaints they open do), so the rating figures are for all
    teams whichever team is chosen; the page says so. They are read from the quarter-hour rollup
    (``complaints.rollups``): a year is 35,000 slots, not a million ratings.
    """
    low_max = current_app.config["LOW_RATING_MAX"]
    received = totals_by_period(
        RatingSlot.slot_at,
        period,
        ratings=sa.func.sum(ratings_sum()),
        low=sa.func.sum(ratings_sum(low_max)),
    )
    mailed = _surveys_mailed(period)
    by_channel, complaints = _by_channel(period, team_id)
    return Heard(
        surveys_sent=Compared.of(mailed, "sent"),
        survey_response=Compared.share_of(mailed, "answered", "sent", better="higher"),
        ratings=Compared.of(received, "ratings"),
        low_ratings=Compared.of(received, "low"),
        low_share=Compared.share_of(received, "low", "ratings"),
        complaints=complaints,
        by_channel=by_channel,
        daily=daily(period, team_id),
    )


def _surveys_mailed(period: Period) -> Totals:
    """Surveys e-mailed (by when first sent), and how many the client answered (the response
    rate, sent → answered, the practice lives on)."""
    return totals_by_period(
        SurveyLink.sent_at,
        period,
        sent=sa.func.count(),
        answered=sa.func.count(SurveyLink.used_at),
    )


def _opened(team_id: int | None, start: datetime, end: datetime, *where):
    """The count of the team's complaints opened in ``[start, end)`` meeting ``where``."""
    return for_team(
        sa.select(sa.func.count()).where(between(Complaint.opened_at, start, end), *where), team_id
    )


def _opened_per_period(period: Period, team_id: int | None, column, values) -> dict:
    """``{value: {CURRENT: n, PREVIOUS: n}}``: complaints opened per value of ``column``, each
    counted over its own range of the index that leads with ``column`` (no column: ``{None:
    ...}``, all of them)."""
    column_name = None if column is None else column.key
    counting = _opened_counting(column_name, tuple(values), team_id is not None)
    found = count_with(counting, {**bound_ranges(period), "team_id": team_id})
    per_value: dict = {}
    for (value, bucket), count in found.items():
        per_value.setdefault(value, {CURRENT: 0, PREVIOUS: 0})[bucket] = count
    return per_value


@lru_cache(maxsize=64)
def _opened_counting(column_name: str | None, values: tuple, by_team: bool) -> list:
    """The statements counting the complaints opened with each of ``values`` in ``column_name``
    (``None``: all of them) in each period, built once per column, values and whether for a
    team, the periods and the team bound. Built anew, the page's ~40 subqueries and their cache
    keys were a quarter of Insights' time (issue #16)."""
    team = sa.bindparam("team_id") if by_team else None
    column = None if column_name is None else getattr(Complaint, column_name)
    return counting(
        {
            (value, bucket): _opened(
                team, start, end, *(() if column is None else (column == value,))
            )
            for value in values
            for bucket, (start, end) in RANGES_BOUND.items()
        }
    )


def _by_channel(period: Period, team_id: int | None) -> tuple[list[ChannelCount], Compared]:
    """Complaints opened per channel, and in all. A channel outside ``CHANNELS`` (older data) is
    looked for, with one more query, only when the known ones do not add up to the total."""
    counts = _opened_per_period(period, team_id, Complaint.channel, CHANNELS)
    total = _opened_per_period(period, team_id, None, [None])[None]
    if any(sum(c[bucket] for c in counts.values()) != total[bucket] for bucket in total):
        others = sa.union_all(
            *[
                for_team(
                    sa.select(sa.literal(bucket, sa.Integer), Complaint.channel, sa.func.count())
                    .where(
                        between(Complaint.opened_at, start, end),
                        Complaint.channel.not_in(CHANNELS),
                    )
                    .group_by(Complaint.channel),
                    team_id,
                )
                for bucket, (start, end) in ranges(period).items()
            ]
        )
        for bucket, channel, count in db.session.execute(others):
            counts.setdefault(channel, {CURRENT: 0, PREVIOUS: 0})[bucket] = count
    by_channel = sorted(
        (
            ChannelCount(channel, c[CURRENT], c[PREVIOUS])
            for channel, c in counts.items()
            if c[CURRENT] or c[PREVIOUS]
        ),
        key=lambda item: (-item.current, -item.previous, item.channel),
    )
    return by_channel, Compared(total[CURRENT], total[PREVIOUS])


def daily(period: Period, team_id: int | None) -> list[DayCount]:
    """Complaints opened and low ratings received per local day of the period (zeros included):
    each day a range between two local midnights, counted without a date worked out per row."""
    low_max = current_app.config["LOW_RATING_MAX"]
    days = period.day_ranges()
    bounds = [(start, end) for _day, start, end in days]
    opened = per_range(Complaint.opened_at, bounds, sa.func.count(), _team_shape(team_id))
    low = per_range(RatingSlot.slot_at, bounds, sa.func.sum(ratings_sum(low_max)))
    return [
        DayCount(day, complaints, low_ratings)
        for (day, _start, _end), complaints, low_ratings in zip(days, opened, low, strict=True)
    ]


# --- Reached ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reached:
    complaints: Compared
    reached: Compared
    median_seconds: Compared
    p90_seconds: Compared
    within_deadline: Compared
    within_deadline_share: Compared
    resolved: Compared
    resolved_by_contact_share: Compared


def _team_shape(team_id: int | None):
    return lambda statement: for_team(statement, team_id)


def reach_percentiles(
    period: Period, team_id: int | None, in_sql: bool | None = None
) -> dict[int, tuple[float | None, float | None]]:
    """Median and 90th percentile of seconds from opening to first reaching contact, per period.

    ``reach_seconds`` is stored on the complaint (``complaints.milestones``) and read from the
    covering index ``ix_complaints_insights_opened``. PostgreSQL computes the percentiles itself
    with ``percentile_cont``. SQLite has no percentile aggregate (and its window functions cost
    more than the rest of the page), so there we fetch the whole seconds as one string per period
    and interpolate in Python with the same formula (``percentile``). ``in_sql=False`` forces the
    Python path on PostgreSQL too, which is how the tests prove both give identical answers.
    ``reached`` reads the same aggregates in its own statement (one walk of the range, not two).
    """
    aggregates = _percentile_aggregates(in_sql)
    found = totals_by_period(Complaint.opened_at, period, _team_shape(team_id), **aggregates)
    return _percentiles(found, in_sql)


def _percentile_aggregates(in_sql: bool | None) -> dict:
    seconds = Complaint.reach_seconds
    if in_sql is None:
        in_sql = dialect() == "postgresql"
    if in_sql:
        # Both fractions at once: one sort of the durations instead of two.
        fractions = sa.literal([0.5, 0.9], postgresql.ARRAY(sa.Float))
        return {
            "percentiles": sa.func.percentile_cont(fractions).within_group(seconds),
            "timed": sa.func.count(seconds),
        }
    # One string per period: building 100k result rows costs far more than the database's work,
    # splitting one string next to nothing.
    if dialect() == "postgresql":
        return {"seconds": sa.func.string_agg(sa.cast(seconds, sa.Text), ",")}
    return {"seconds": sa.func.group_concat(seconds, ",")}


def _percentiles(
    found: Totals, in_sql: bool | None
) -> dict[int, tuple[float | None, float | None]]:
    """The median and 90th percentile per period from ``_percentile_aggregates``' totals (no
    reached complaint reads as 0 or an empty string there: None, shown as a dash)."""
    result = {CURRENT: (None, None), PREVIOUS: (None, None)}
    for bucket, row in found.items():
        if row.get("seconds"):
            values = sorted(map(int, row["seconds"].split(",")))
            result[bucket] = (percentile(values, 0.5), percentile(values, 0.9))
        elif row.get("timed"):
            median, p90 = row["percentiles"]
            result[bucket] = (float(median), float(p90))
    return result


def reached(
    period: Period, team_id: int | None, now: datetime, resolved: Totals | None = None
) -> Reached:
    """How fast and how often our clients were reached in person.

    "Within the deadline" counts a complaint only once its deadline has passed or it was reached:
    a complaint opened an hour ago and not yet due is not a miss. ``first_reached_at`` is stored
    on the complaint (``complaints.milestones``), so this reads the covering index
    ``ix_complaints_insights_opened`` alone: no probe into ``contacts``.
    """
    first_reached, due = Complaint.first_reached_at, Complaint.due_at
    judged = sa.or_(first_reached.is_not(None), due <= now)
    counts = totals_by_period(
        Complaint.opened_at,
        period,
        _team_shape(team_id),
        opened=sa.func.count(),
        reached=sa.func.count(first_reached),
        within=sa.func.sum(sa.case((first_reached <= due, 1), else_=0)),
        judged=sa.func.sum(sa.case((judged, 1), else_=0)),
        **_percentile_aggregates(None),
    )
    percentiles = _percentiles(counts, None)
    resolved = resolved or _resolved(period, team_id)
    return Reached(
        complaints=Compared.of(counts, "opened"),
        reached=Compared.of(counts, "reached", "higher"),
        median_seconds=Compared(percentiles[CURRENT][0], percentiles[PREVIOUS][0], "lower"),
        p90_seconds=Compared(percentiles[CURRENT][1], percentiles[PREVIOUS][1], "lower"),
        within_deadline=Compared.of(counts, "within", "higher"),
        within_deadline_share=Compared.share_of(counts, "within", "judged", "higher"),
        resolved=Compared.of(resolved, "resolved"),
        resolved_by_contact_share=Compared.share_of(resolved, "by_contact", "resolved", "higher"),
    )


def _resolved(period: Period, team_id: int | None) -> Totals:
    """Per period: complaints resolved, resolved with a reaching contact, and kept.

    Kept means the client rated us again at ``milestones.KEPT_SCORE_MIN`` or more after the
    resolution, or the owner recorded that they rated or ordered again. Both milestones are stored
    on the complaint (``complaints.milestones``): the covering index
    ``ix_complaints_insights_resolved`` answers alone.
    """
    kept = sa.or_(
        Complaint.client_outcome.in_(KEPT_OUTCOMES), Complaint.rated_again_at.is_not(None)
    )
    return totals_by_period(
        Complaint.resolved_at,
        period,
        _team_shape(team_id),
        resolved=sa.func.count(),
        by_contact=sa.func.count(Complaint.first_reached_at),
        kept=sa.func.sum(sa.case((kept, 1), else_=0)),
    )


# --- Kept ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spend:
    label: str | None  # None: no category / no owner yet (the template names it)
    current: Decimal
    previous: Decimal


@dataclass(frozen=True)
class Kept:
    resolved: Compared
    kept: Compared
    kept_share: Compared
    compensation_total: Compared
    compensation_by_category: list[Spend]
    compensation_by_owner: list[Spend]


def _cents_to_money(cents) -> Decimal:
    return (Decimal(int(cents or 0)) / 100).quantize(Decimal("0.01"))


def _spends(period: Period, team_id: int | None) -> tuple[list[Spend], list[Spend]]:
    """Approved compensation per category and per owner in both periods, summed in whole cents,
    from one statement grouped by both (a few hundred rows at most).

    Summing cents as integers keeps money exact on SQLite, which has no decimal type.
    """
    cents = sa.func.sum(sa.cast(sa.func.round(Compensation.amount * 100), sa.Integer))
    previous_start, start = ranges(period)[PREVIOUS][0], period.start_at
    # Both periods in one statement: the join to complaints is the cost here (PostgreSQL hashes
    # them), and the bucket is worked out per compensation, not per complaint.
    bucket = sa.case((Compensation.requested_at >= start, CURRENT), else_=PREVIOUS)
    grouped = for_team(
        sa.select(
            bucket.label("bucket"),
            Complaint.category_id,
            Complaint.owner_id,
            cents.label("cents"),
        )
        .join(Complaint, Complaint.id == Compensation.complaint_id)
        .where(
            Compensation.status == "approved",
            between(Compensation.requested_at, previous_start, period.end_at),
        )
        .group_by(bucket, Complaint.category_id, Complaint.owner_id),
        team_id,
    ).subquery()
    # Names are joined to the few grouped rows, not to every compensation.
    rows = db.session.execute(
        sa.select(
            grouped.c.bucket,
            grouped.c.category_id,
            Category.name,
            grouped.c.owner_id,
            User.name,
            grouped.c.cents,
        )
        .outerjoin(Category, Category.id == grouped.c.category_id)
        .outerjoin(User, User.id == grouped.c.owner_id)
    ).all()
    by_category: dict = {}
    by_owner: dict = {}
    for bucket, category_id, category, owner_id, owner, total in rows:
        for found, key, label in (
            (by_category, category_id, category),
            (by_owner, owner_id, owner),
        ):
            entry = found.setdefault(key, {"label": label, CURRENT: 0, PREVIOUS: 0})
            entry[bucket] += total or 0
    return _ranked_spends(by_category), _ranked_spends(by_owner)


def _ranked_spends(found: dict) -> list[Spend]:
    spends = [
        Spend(entry["label"], _cents_to_money(entry[CURRENT]), _cents_to_money(entry[PREVIOUS]))
        for entry in found.values()
    ]
    return sorted(spends, key=lambda s: (-s.current, -s.previous, s.label or ""))


def kept(period: Period, team_id: int | None, resolved: Totals | None = None) -> Kept:
    """Clients who stayed after a resolved complaint, and the compensation approved meanwhile.

    Compensation counts when it was requested (approved ones under a manager's limit have no
    separate decision time), which the ``(status, requested_at)`` index serves directly.
    """
    resolved = resolved or _resolved(period, team_id)
    by_category, by_owner = _spends(period, team_id)
    return Kept(
        resolved=Compared.of(resolved, "resolved"),
        kept=Compared.of(resolved, "kept", "higher"),
        kept_share=Compared.share_of(resolved, "kept", "resolved", "higher"),
        compensation_total=Compared(
            sum((s.current for s in by_category), Decimal("0.00")),
            sum((s.previous for s in by_category), Decimal("0.00")),
        ),
        compensation_by_category=by_category,
        compensation_by_owner=by_owner,
    )


# --- Causes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cause:
    category: str | None  # None: not categorised yet
    count: int
    previous: int
    share: float
    cumulative_share: float
    has_playbook: bool


@dataclass(frozen=True)
class Causes:
    total: int
    pareto: list[Cause]
    playbooks: int
    covered: int
    covered_share: float | None
    without_playbook: list[tuple[str, int]] = field(default_factory=list)


def causes(period: Period, team_id: int | None) -> Causes:
    """Complaints per category (Pareto), playbook coverage and the categories still without one.

    Each category (and "none yet") is counted over its own range of the index that leads with
    ``category_id``."""
    categories = db.session.execute(
        sa.select(Category.id, Category.name, Playbook.id).outerjoin(
            Playbook, sa.and_(Playbook.category_id == Category.id, Playbook.active.is_(True))
        )
    ).all()
    names = {category_id: name for category_id, name, _ in categories}
    covered_ids = {category_id for category_id, _, playbook_id in categories if playbook_id}
    counts = _opened_per_period(period, team_id, Complaint.category_id, [None, *names])

    total = sum(c[CURRENT] for c in counts.values())
    ranked = sorted(
        ((category_id, c) for category_id, c in counts.items() if c[CURRENT]),
        key=lambda item: (-item[1][CURRENT], names.get(item[0]) or "~"),
    )
    pareto, running = [], 0
    for category_id, c in ranked:
        running += c[CURRENT]
        pareto.append(
            Cause(
                category=names.get(category_id),
                count=c[CURRENT],
                previous=c[PREVIOUS],
                share=c[CURRENT] / total,
                cumulative_share=running / total,
                has_playbook=category_id in covered_ids,
            )
        )
    covered = sum(c[CURRENT] for category_id, c in counts.items() if category_id in covered_ids)
    without = sorted(
        (
            (name, counts.get(category_id, {CURRENT: 0})[CURRENT])
            for category_id, name in names.items()
            if category_id not in covered_ids
        ),
        key=lambda item: (-item[1], item[0]),
    )
    return Causes(
        total=total,
        pareto=pareto,
        playbooks=len(covered_ids),
        covered=covered,
        covered_share=share(covered, total),
        without_playbook=without,
    )


# --- everything at once ----------------------------------------------------------------------


@dataclass(frozen=True)
class Insights:
    period: Period
    previous: Period
    team_id: int | None
    heard: Heard
    reached: Reached
    kept: Kept
    causes: Causes


def compute(period: Period, team_id: int | None, now: datetime) -> Insights:
    """Every figure of the Insights page: a fixed number of queries whatever the data size."""
    resolved = _resolved(period, team_id)  # shared by Reached and Kept: one query, not two
    return Insights(
        period=period,
        previous=period.previous(),
        team_id=team_id,
        heard=heard(period, team_id),
        reached=reached(period, team_id, now, resolved),
        kept=kept(period, team_id, resolved),
        causes=causes(period, team_id),
    )
