"""Every Insights figure, computed by the database with aggregates, for a period and the one before.

The practice behind these numbers does not try to lower the number of complaints (that only teaches
people to hide them). It asks: did we hear every client, reach them personally and fast, and keep
them? So "more complaints" is never shown as bad here; time to reach and share reached are.

Each query covers the chosen period and the previous one at once (see ``periods``), so the page
costs a fixed, small number of queries however many complaints and ratings there are. Nothing here
loops over rows in Python; the only Python work is on the handful of aggregate rows (and, on SQLite
only, the list of durations for percentiles; see ``reach_percentiles``).
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app

from complaints.models import Category, Compensation, Complaint, Playbook, SurveyLink
from complaints.rollups import RatingSlot, ratings_sum
from core.extensions import db
from core.models import User
from dashboard.insights.periods import (
    CURRENT,
    PREVIOUS,
    Compared,
    Period,
    Totals,
    both_periods,
    dialect,
    for_team,
    in_period,
    local_day,
    percentile,
    period_bucket,
    share,
    totals_by_bucket,
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
    slots = sa.select(
        period_bucket(RatingSlot.slot_at, period),
        ratings_sum().label("ratings"),
        ratings_sum(low_max).label("low"),
        sa.literal(0, sa.Integer).label("mailed"),
        sa.literal(0, sa.Integer).label("answered"),
    ).where(both_periods(RatingSlot.slot_at, period))
    rows = sa.union_all(slots, _surveys_mailed(period)).subquery()
    received = totals_by_bucket(
        rows,
        ratings=sa.func.sum(rows.c.ratings),
        low=sa.func.sum(rows.c.low),
        sent=sa.func.sum(rows.c.mailed),
        answered=sa.func.sum(rows.c.answered),
    )

    opened = for_team(
        sa.select(period_bucket(Complaint.opened_at, period), Complaint.channel).where(
            both_periods(Complaint.opened_at, period)
        ),
        team_id,
    ).subquery()
    channel_counts: dict[str, dict[int, int]] = {}
    for bucket, channel, count in db.session.execute(
        sa.select(opened.c.bucket, opened.c.channel, sa.func.count()).group_by(
            opened.c.bucket, opened.c.channel
        )
    ):
        channel_counts.setdefault(channel, {CURRENT: 0, PREVIOUS: 0})[bucket] = count
    by_channel = sorted(
        (ChannelCount(channel, c[CURRENT], c[PREVIOUS]) for channel, c in channel_counts.items()),
        key=lambda item: (-item.current, -item.previous, item.channel),
    )
    complaints = Compared(
        sum(item.current for item in by_channel), sum(item.previous for item in by_channel)
    )
    return Heard(
        surveys_sent=Compared.of(received, "sent"),
        survey_response=Compared.share_of(received, "answered", "sent", better="higher"),
        ratings=Compared.of(received, "ratings"),
        low_ratings=Compared.of(received, "low"),
        low_share=Compared.share_of(received, "low", "ratings"),
        complaints=complaints,
        by_channel=by_channel,
        daily=daily(period, team_id),
    )


def _surveys_mailed(period: Period):
    """Surveys e-mailed (by when first sent), shaped as rows of the ratings' rollup so both are
    counted in one query: each is ``mailed`` and, once the client answered, ``answered`` (the
    response rate, sent → answered, the practice lives on)."""
    return sa.select(
        period_bucket(SurveyLink.sent_at, period),
        sa.literal(0, sa.Integer).label("ratings"),
        sa.literal(0, sa.Integer).label("low"),
        sa.literal(1, sa.Integer).label("mailed"),
        sa.case((SurveyLink.used_at.is_not(None), 1), else_=0).label("answered"),
    ).where(both_periods(SurveyLink.sent_at, period))


def daily(period: Period, team_id: int | None) -> list[DayCount]:
    """Complaints opened and low ratings received per local day of the period (zeros included)."""
    low_max = current_app.config["LOW_RATING_MAX"]
    complaints = for_team(
        sa.select(local_day(Complaint.opened_at, period).label("day")).where(
            in_period(Complaint.opened_at, period)
        ),
        team_id,
    ).subquery()
    ratings = (
        sa.select(
            local_day(RatingSlot.slot_at, period).label("day"), ratings_sum(low_max).label("low")
        )
        .where(in_period(RatingSlot.slot_at, period))
        .subquery()
    )
    opened = dict(
        db.session.execute(
            sa.select(complaints.c.day, sa.func.count()).group_by(complaints.c.day)
        ).all()
    )
    low = dict(
        db.session.execute(
            sa.select(ratings.c.day, sa.func.sum(ratings.c.low)).group_by(ratings.c.day)
        ).all()
    )
    return [DayCount(day, opened.get(day, 0), low.get(day, 0)) for day in period.day_list()]


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


def _reach_base(period: Period, team_id: int | None):
    """Complaints opened in both periods with when each was first reached in person (or NULL).

    ``first_reached_at`` is stored on the complaint (``complaints.milestones``), so this reads
    the covering index ``ix_complaints_insights_opened`` alone: no probe into ``contacts``.
    """
    return for_team(
        sa.select(
            period_bucket(Complaint.opened_at, period),
            Complaint.opened_at,
            Complaint.due_at,
            Complaint.first_reached_at,
            Complaint.reach_seconds,
        ).where(both_periods(Complaint.opened_at, period)),
        team_id,
    ).subquery()


def reach_percentiles(
    period: Period, team_id: int | None, in_sql: bool | None = None
) -> dict[int, tuple[float | None, float | None]]:
    """Median and 90th percentile of seconds from opening to first reaching contact, per bucket.

    PostgreSQL computes them itself with ``percentile_cont``. SQLite has no percentile aggregate
    (and its window functions cost more than the rest of the page), so there we fetch the stored
    whole seconds (``reach_seconds``, from the covering index) as one string per bucket and
    interpolate in Python with the same formula (``percentile``). ``in_sql=False`` forces the
    Python path on PostgreSQL too, which is how the tests prove both give identical answers.
    """
    base = _reach_base(period, team_id)
    seconds = base.c.reach_seconds
    if in_sql is None:
        in_sql = dialect() == "postgresql"
    result = {CURRENT: (None, None), PREVIOUS: (None, None)}
    if in_sql:
        rows = db.session.execute(
            sa.select(
                base.c.bucket,
                sa.func.percentile_cont(0.5).within_group(seconds),
                sa.func.percentile_cont(0.9).within_group(seconds),
            )
            .where(seconds.is_not(None))
            .group_by(base.c.bucket)
        )
        for bucket, median, p90 in rows:
            result[bucket] = (float(median), float(p90))
        return result
    # One row per bucket with its durations joined into one string: building 100k result rows
    # costs far more than the database's work, splitting one string next to nothing.
    if dialect() == "postgresql":
        joined = sa.func.string_agg(sa.cast(seconds, sa.Text), ",")
    else:
        joined = sa.func.group_concat(seconds, ",")
    rows = db.session.execute(
        sa.select(base.c.bucket, joined).where(seconds.is_not(None)).group_by(base.c.bucket)
    )
    for bucket, text in rows:
        found = sorted(map(int, text.split(",")))
        result[bucket] = (percentile(found, 0.5), percentile(found, 0.9))
    return result


def reached(
    period: Period, team_id: int | None, now: datetime, resolved: Totals | None = None
) -> Reached:
    """How fast and how often our clients were reached in person.

    "Within the deadline" counts a complaint only once its deadline has passed or it was reached:
    a complaint opened an hour ago and not yet due is not a miss.
    """
    base = _reach_base(period, team_id)
    judged = sa.or_(base.c.first_reached_at.is_not(None), base.c.due_at <= now)
    counts = totals_by_bucket(
        base,
        opened=sa.func.count(),
        reached=sa.func.count(base.c.first_reached_at),
        within=sa.func.sum(sa.case((base.c.first_reached_at <= base.c.due_at, 1), else_=0)),
        judged=sa.func.sum(sa.case((judged, 1), else_=0)),
    )
    percentiles = reach_percentiles(period, team_id)
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
    """Per bucket: complaints resolved, resolved with a reaching contact, and kept.

    Kept means the client rated us again at ``milestones.KEPT_SCORE_MIN`` or more after the
    resolution, or the owner recorded that they rated or ordered again. Both milestones are stored
    on the complaint (``complaints.milestones``): the covering index
    ``ix_complaints_insights_resolved`` answers alone.
    """
    by_contact = Complaint.first_reached_at.is_not(None)
    kept = sa.or_(
        Complaint.client_outcome.in_(KEPT_OUTCOMES), Complaint.rated_again_at.is_not(None)
    )
    base = for_team(
        sa.select(
            period_bucket(Complaint.resolved_at, period),
            sa.case((by_contact, 1), else_=0).label("by_contact"),
            sa.case((kept, 1), else_=0).label("kept"),
        ).where(both_periods(Complaint.resolved_at, period)),
        team_id,
    ).subquery()
    return totals_by_bucket(
        base,
        resolved=sa.func.count(),
        by_contact=sa.func.sum(base.c.by_contact),
        kept=sa.func.sum(base.c.kept),
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


def _spend(period: Period, team_id: int | None, key, label_column, join) -> list[Spend]:
    """Approved compensation per ``key`` in both periods, summed in whole cents.

    Summing cents as integers keeps money exact on SQLite, which has no decimal type.
    """
    cents = sa.cast(sa.func.round(Compensation.amount * 100), sa.Integer)
    base = for_team(
        sa.select(
            period_bucket(Compensation.requested_at, period), key.label("key"), cents.label("cents")
        )
        .join(Complaint, Complaint.id == Compensation.complaint_id)
        .where(Compensation.status == "approved", both_periods(Compensation.requested_at, period)),
        team_id,
    ).subquery()
    rows = db.session.execute(
        sa.select(base.c.bucket, base.c.key, label_column, sa.func.sum(base.c.cents))
        .outerjoin(join, join.id == base.c.key)
        .group_by(base.c.bucket, base.c.key, label_column)
    )
    found: dict = {}
    for bucket, key_value, label, total in rows:
        entry = found.setdefault(key_value, {"label": label, CURRENT: 0, PREVIOUS: 0})
        entry[bucket] = total or 0
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
    by_category = _spend(period, team_id, Complaint.category_id, Category.name, Category)
    by_owner = _spend(period, team_id, Complaint.owner_id, User.name, User)
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
    """Complaints per category (Pareto), playbook coverage and the categories still without one."""
    base = for_team(
        sa.select(period_bucket(Complaint.opened_at, period), Complaint.category_id).where(
            both_periods(Complaint.opened_at, period)
        ),
        team_id,
    ).subquery()
    counts: dict[int | None, dict[int, int]] = {}
    for bucket, category_id, count in db.session.execute(
        sa.select(base.c.bucket, base.c.category_id, sa.func.count()).group_by(
            base.c.bucket, base.c.category_id
        )
    ):
        counts.setdefault(category_id, {CURRENT: 0, PREVIOUS: 0})[bucket] = count
    categories = db.session.execute(
        sa.select(Category.id, Category.name, Playbook.id).outerjoin(
            Playbook, sa.and_(Playbook.category_id == Category.id, Playbook.active.is_(True))
        )
    ).all()
    names = {category_id: name for category_id, name, _ in categories}
    covered_ids = {category_id for category_id, _, playbook_id in categories if playbook_id}

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
