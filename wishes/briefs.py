"""Wishes as other packages read them (stand-up agenda, Slack, Today, the client page).

Plain frozen dataclasses, never ORM objects, so a caller cannot lazy-load (one query per row) or
change a wish by accident; they carry no client e-mail or phone, so anything built from them is safe
to post to Slack. Each function is one query (or a fixed few) however many wishes there are.

The counting every read shares (distinct clients, the threshold) lives here too, so the services,
the pages and the other packages all count a wish the same way.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask import current_app

from core.database import utcnow
from core.extensions import db
from core.models import Client, Team, User
from wishes.calendar import is_review_eve_or_day, local_today, team_today
from wishes.models import Callback, Wish, WishDecision, WishRequest

__all__ = ["is_review_eve_or_day"]  # read by the stand-up agenda, defined with the review calendar

PROBLEMS_SHOWN = 3


@dataclass(frozen=True)
class WishBrief:
    id: int
    title: str
    distinct_clients: int
    problems: list[str]  # the first few problems behind it, oldest first
    first_asked_at: datetime
    age_days: int
    # Extras with defaults, so callers built on the six fields above keep working.
    status: str = "open"
    decision: str | None = None  # the outcome code, once decided


@dataclass(frozen=True)
class CallbackBrief:
    id: int
    client_name: str
    wish_title: str
    decision: str  # the outcome code: wont_do, will_do, will_do_if_paid, ...
    due_on: date
    overdue: bool
    agent_id: int
    agent_name: str


@dataclass(frozen=True)
class DecisionBrief:
    wish_id: int
    title: str
    outcome: str
    reason: str
    terms: str | None
    distinct_clients: int
    clients_to_call: int
    decided_by_name: str = ""
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ReviewBrief:
    """A weekly review as the ``wish_review_closed`` signal carries it: whose, which day, the
    team's Slack channel (None: the team has none), and its status (``closed`` by then)."""

    id: int
    team_id: int
    team_name: str
    channel: str | None
    review_on: date
    status: str
    team_slug: str | None = None  # for links to this very review (its team and day)

    @classmethod
    def of(cls, review, team) -> "ReviewBrief":
        return cls(
            review.id,
            team.id,
            team.name,
            team.slack_channel,
            review.review_on,
            review.status,
            team.slug,
        )


def threshold() -> int:
    return current_app.config["WISH_THRESHOLD"]


def is_request(clients: int) -> bool:
    """Whether a wish with ``clients`` distinct clients has become a real request."""
    return clients >= threshold()


def distinct_clients(wish_id: int) -> int:
    """How many clients asked for a wish: one row per client, so a plain count is distinct."""
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(WishRequest)
            .where(WishRequest.wish_id == wish_id)
        )
        or 0
    )


def counts_subquery():
    """Distinct clients and first ask per wish. ``count(*)`` is distinct: requests are unique per client."""
    return (
        sa.select(
            WishRequest.wish_id.label("wish_id"),
            sa.func.count().label("clients"),
            sa.func.min(WishRequest.asked_at).label("first_asked_at"),
        )
        .group_by(WishRequest.wish_id)
        .subquery("wish_counts")
    )


def problems_of(wish_ids: list[int], per_wish: int = PROBLEMS_SHOWN) -> dict[int, list[str]]:
    """The first few problems behind each wish, in one query (a window, not a query per wish)."""
    if not wish_ids:
        return {}
    rank = (
        sa.func.row_number()
        .over(partition_by=WishRequest.wish_id, order_by=(WishRequest.asked_at, WishRequest.id))
        .label("rank")
    )
    ranked = (
        sa.select(WishRequest.wish_id, WishRequest.problem, rank)
        .where(WishRequest.wish_id.in_(wish_ids), WishRequest.problem.is_not(None))
        .subquery("ranked")
    )
    found: dict[int, list[str]] = {}
    for wish_id, problem in db.session.execute(
        sa.select(ranked.c.wish_id, ranked.c.problem)
        .where(ranked.c.rank <= per_wish)
        .order_by(ranked.c.wish_id, ranked.c.rank)
    ):
        found.setdefault(wish_id, []).append(problem)
    return found


def age_days(first_asked_at: datetime | None, on: date) -> int:
    if first_asked_at is None:
        return 0
    return max(0, (on - first_asked_at.astimezone(UTC).date()).days)


def wish_briefs(where, on: date, order_by=None) -> list[WishBrief]:
    counts = counts_subquery()
    statement = (
        sa.select(
            Wish.id,
            Wish.title,
            sa.func.coalesce(counts.c.clients, 0).label("clients"),
            sa.func.coalesce(counts.c.first_asked_at, Wish.created_at).label("first"),
            Wish.status,
            WishDecision.outcome,
        )
        .outerjoin(counts, counts.c.wish_id == Wish.id)
        .outerjoin(WishDecision, WishDecision.wish_id == Wish.id)
        .where(*where(counts))
        .order_by(*(order_by(counts) if order_by else (Wish.created_at.desc(), Wish.id.desc())))
    )
    rows = db.session.execute(statement).all()
    problems = problems_of([row.id for row in rows])
    return [
        WishBrief(
            id=row.id,
            title=row.title,
            distinct_clients=row.clients,
            problems=problems.get(row.id, []),
            first_asked_at=row.first,
            age_days=age_days(row.first, on),
            status=row.status,
            decision=row.outcome,
        )
        for row in rows
    ]


def decisions_select(*where):
    """Decisions with their wish, decider, distinct clients and callbacks (made, done), in order.

    The one statement behind the review's "decided" rows and the decisions a closed review
    announces, so both always count clients and calls the same way. Its second to ninth columns
    are a ``DecisionBrief``'s fields in order (``review_decisions`` adds the problems).
    """
    counts = counts_subquery()
    calls = (
        sa.select(
            Callback.decision_id,
            sa.func.count().label("calls"),
            sa.func.count(Callback.done_at).label("done"),
        )
        .group_by(Callback.decision_id)
        .subquery("calls")
    )
    return (
        sa.select(
            WishDecision.id.label("decision_id"),
            Wish.id.label("wish_id"),
            Wish.title,
            WishDecision.outcome,
            WishDecision.reason,
            WishDecision.terms,
            sa.func.coalesce(counts.c.clients, 0).label("distinct_clients"),
            sa.func.coalesce(calls.c.calls, 0).label("callbacks"),
            User.name.label("decided_by_name"),
            sa.func.coalesce(calls.c.done, 0).label("callbacks_done"),
        )
        .join(Wish, Wish.id == WishDecision.wish_id)
        .join(User, User.id == WishDecision.decided_by_id)
        .outerjoin(counts, counts.c.wish_id == Wish.id)
        .outerjoin(calls, calls.c.decision_id == WishDecision.id)
        .where(*where)
        .order_by(WishDecision.decided_at, WishDecision.id)
    )


def review_decisions(review_id: int) -> list[DecisionBrief]:
    """The decisions made at one review, with how many clients each one means a call to."""
    rows = db.session.execute(decisions_select(WishDecision.review_id == review_id)).all()
    problems = problems_of([row.wish_id for row in rows])
    return [DecisionBrief(*row[1:9], problems=problems.get(row.wish_id, [])) for row in rows]


def team_filter(column, team_id: int | None):
    """A team sees its own wishes and callbacks and those of no team yet: nothing falls between teams."""
    if team_id is None:
        return sa.true()
    return sa.or_(column == team_id, column.is_(None))


def wishes_for_review(team_id: int | None, on: date) -> list[WishBrief]:
    """Undecided wishes at or over the threshold, and those the team added; most asked first."""
    return wish_briefs(
        lambda counts: (
            Wish.status == "open",
            team_filter(Wish.team_id, team_id),
            sa.or_(counts.c.clients >= threshold(), Wish.added_to_review_at.is_not(None)),
        ),
        on,
        order_by=lambda counts: (
            sa.func.coalesce(counts.c.clients, 0).desc(),
            counts.c.first_asked_at,
            Wish.id,
        ),
    )


def client_wishes(client_id: int) -> list[WishBrief]:
    """The wishes a client asked for (a merged duplicate shows as the wish it joined), newest first."""
    asked = (
        sa.select(sa.func.coalesce(Wish.merged_into_id, Wish.id))
        .join(WishRequest, WishRequest.wish_id == Wish.id)
        .where(WishRequest.client_id == client_id)
    )
    return wish_briefs(lambda counts: (Wish.id.in_(asked),), utcnow().date())


def joined_to_callbacks(statement):
    """A callback with its client, wish, decision and agent: the joins every callback list needs."""
    return (
        statement.join(Client, Client.id == Callback.client_id)
        .join(Wish, Wish.id == Callback.wish_id)
        .join(WishDecision, WishDecision.id == Callback.decision_id)
        .join(User, User.id == Callback.agent_id)
    )


def callback_select():
    return joined_to_callbacks(
        sa.select(
            Callback.id,
            Client.name,
            Wish.title,
            WishDecision.outcome,
            Callback.due_on,
            Callback.agent_id,
            User.name,
        )
        .where(Callback.done_at.is_(None))
        .order_by(Callback.due_on, Callback.id)
    )


def callback_briefs(statement, today: date) -> list[CallbackBrief]:
    return [
        CallbackBrief(
            id=cid,
            client_name=client_name,
            wish_title=title,
            decision=outcome,
            due_on=due_on,
            overdue=due_on < today,
            agent_id=agent_id,
            agent_name=agent_name,
        )
        for cid, client_name, title, outcome, due_on, agent_id, agent_name in db.session.execute(
            statement
        )
    ]


def callbacks_due(team_id: int | None, now: datetime) -> list[CallbackBrief]:
    """Open callbacks due today (team-local) or overdue: for the stand-up agenda and Today."""
    team = db.session.get(Team, team_id) if team_id is not None else None
    today = team_today(team, now)
    statement = callback_select().where(
        Callback.due_on <= today, team_filter(Callback.team_id, team_id)
    )
    return callback_briefs(statement, today)


def user_today(user: User | None, now: datetime | None = None) -> date:
    timezone = None
    if user is not None:
        timezone = user.timezone or (user.team.timezone if user.team is not None else None)
    return local_today(timezone, now)


def calls_to_make(user_id: int) -> list[CallbackBrief]:
    """A person's open callbacks, the most urgent first."""
    today = user_today(db.session.get(User, user_id))
    return callback_briefs(callback_select().where(Callback.agent_id == user_id), today)
