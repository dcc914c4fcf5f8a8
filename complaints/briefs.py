"""Read-only views of complaints for other packages: the stand-up agenda, Slack, the Today page.

They return plain dataclasses (never ORM objects), carry no client e-mail or phone, and each is one
query (or a fixed few) however many complaints there are.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from markupsafe import Markup
from sqlalchemy.orm import aliased

from complaints.models import (
    IS_OPEN,
    OPEN_STATUSES,
    REACHED_OUTCOMES,
    Category,
    Compensation,
    Complaint,
    Contact,
    Rating,
    summary_html,
    summary_text,
)
from core.database import read_rows
from core.extensions import db
from core.models import Client, User


@dataclass(frozen=True)
class ComplaintBrief:
    id: int
    client_name: str
    summary: str
    status: str
    channel: str
    category: str | None
    owner_id: int | None
    owner_name: str | None
    team_id: int | None
    opened_at: datetime
    due_at: datetime
    last_contact_at: datetime | None
    age_days: int
    client_id: int | None = None  # for the pages that link to the client's page
    # ``summary`` holds the words a person wrote; a title Huddle generated is kept as a kind and
    # numbers. ``title`` writes the whole in the language of whoever reads it now (a page's viewer,
    # a team's Slack language), so a brief can be kept (an agenda snapshot) and shown later.
    summary_kind: str | None = None
    summary_params: dict | None = None

    @property
    def title(self) -> str:
        return summary_text(self.summary_kind, self.summary_params, self.summary)

    @property
    def title_html(self) -> Markup:
        """The title as a page shows it, the person's words isolated (``summary_html``)."""
        return summary_html(self.summary_kind, self.summary_params, self.summary)

    def is_overdue(self, now: datetime) -> bool:
        return self.status in OPEN_STATUSES and self.due_at < now


@dataclass(frozen=True)
class Overnight:
    complaints_opened: int
    low_ratings: int
    top: list[ComplaintBrief]


@dataclass(frozen=True)
class Digest:
    new_since_yesterday: list[ComplaintBrief]
    unowned: list[ComplaintBrief]
    overdue: list[ComplaintBrief]
    resolved_yesterday: list[ComplaintBrief]
    # How many each section holds when its list is capped (``digest``); None: the lists are whole.
    totals: tuple[int, int, int, int] | None = None


@dataclass(frozen=True)
class CompensationBrief:
    id: int
    complaint_id: int
    client_name: str
    kind: str
    amount: Decimal
    requested_by_name: str
    requested_at: datetime


@dataclass(frozen=True)
class RatingBrief:
    id: int
    score: int
    comment: str | None
    client_name: str
    complaint_id: int | None
    received_at: datetime


def _last_contact():
    return (
        sa.select(sa.func.max(Contact.at))
        .where(Contact.complaint_id == Complaint.id)
        .correlate(Complaint)
        .scalar_subquery()
    )


def brief_select():
    """The columns of a ``ComplaintBrief``, for ``fetch_briefs`` (the open list adds its filters)."""
    return (
        sa.select(
            Complaint.id,
            Client.name,
            Complaint.summary_words,
            Complaint.status,
            Complaint.channel,
            Category.name,
            Complaint.owner_id,
            User.name,
            Complaint.team_id,
            Complaint.opened_at,
            Complaint.due_at,
            _last_contact(),
            Complaint.client_id,
            Complaint.summary_kind,
            Complaint.summary_params,
        )
        .join(Client, Client.id == Complaint.client_id)
        .outerjoin(User, User.id == Complaint.owner_id)
        .outerjoin(Category, Category.id == Complaint.category_id)
    )


def fetch_briefs(statement, now: datetime, values: dict | None = None) -> list[ComplaintBrief]:
    """Run a ``brief_select`` statement (with the ``values`` it binds); ages are counted in whole
    days up to ``now``. Its columns are read as rows (``read_rows``), not through the ORM."""
    return [
        ComplaintBrief(
            *row[:12],
            age_days=max(0, (now - row[9]).days),
            client_id=row[12],
            summary_kind=row[13],
            summary_params=row[14],
        )
        for row in read_rows(db.session, statement, values)
    ]


def complaint_brief(complaint_id: int, now: datetime) -> ComplaintBrief | None:
    found = fetch_briefs(brief_select().where(Complaint.id == complaint_id), now)
    return found[0] if found else None


def _for_team(statement, team_id: int | None):
    """A team sees its own complaints and those no team holds yet: nothing falls between teams."""
    if team_id is None:
        return statement
    return statement.where(sa.or_(Complaint.team_id == team_id, Complaint.team_id.is_(None)))


def overnight(team_id: int | None, since: datetime, until: datetime, top: int = 5) -> Overnight:
    """Complaints opened and low ratings received in ``[since, until)``, with the most recent few."""
    opened = _for_team(
        sa.select(sa.func.count())
        .select_from(Complaint)
        .where(Complaint.opened_at >= since, Complaint.opened_at < until),
        team_id,
    )
    low = (
        sa.select(sa.func.count())
        .select_from(Rating)
        .outerjoin(Complaint, Complaint.id == Rating.complaint_id)
        .where(
            Rating.received_at >= since,
            Rating.received_at < until,
            Rating.score <= current_app.config["LOW_RATING_MAX"],
        )
    )
    recent = _for_team(
        brief_select()
        .where(Complaint.opened_at >= since, Complaint.opened_at < until)
        .order_by(Complaint.opened_at.desc(), Complaint.id.desc())
        .limit(top),
        team_id,
    )
    return Overnight(
        complaints_opened=db.session.scalar(opened) or 0,
        low_ratings=db.session.scalar(_for_team(low, team_id)) or 0,
        top=fetch_briefs(recent, until),
    )


def follow_ups_due(
    team_id: int | None, now: datetime, within_hours: int = 4, limit: int | None = None
) -> list[ComplaintBrief]:
    """Open complaints past their deadline or due within ``within_hours``, most overdue first.

    With a ``limit`` (the stand-up's agenda) the read stays bounded however many complaints are
    open: each (status, team) pair gives its first ``limit`` in deadline order from the
    ``(team_id, status, due_at, id)`` index, and only those few are merged and sorted — the same
    rows as sorting everything, since the overall first ``limit`` are among each pair's first.
    """
    due = (
        IS_OPEN,
        Complaint.due_at <= now + timedelta(hours=within_hours),
    )
    statement = brief_select().order_by(Complaint.due_at, Complaint.id)
    if not limit:
        return fetch_briefs(_for_team(statement.where(*due), team_id), now)
    # all teams: one range per status; a team: its own and those no team holds yet (``_for_team``)
    teams = (
        [()]
        if team_id is None
        else [(Complaint.team_id == team_id,), (Complaint.team_id.is_(None),)]
    )
    parts = [
        sa.select(
            sa.select(Complaint.id)
            .where(Complaint.status == status, due[1], *team)
            .order_by(Complaint.due_at, Complaint.id)
            .limit(limit)
            .subquery()
            .c.id
        )
        for status in OPEN_STATUSES
        for team in teams
    ]
    first = sa.union_all(*parts).subquery()
    return fetch_briefs(statement.where(Complaint.id.in_(sa.select(first.c.id))).limit(limit), now)


def follow_ups_of(
    owner_ids, team_id: int | None, now: datetime, within_hours: int, limit: int
) -> list[ComplaintBrief]:
    """``follow_ups_due`` of these owners only (Today's "owner away" block), most overdue first:
    each owner's range of the (owner, open, due) index, however many others are due."""
    statement = (
        brief_select()
        .where(
            Complaint.owner_id.in_(list(owner_ids)),
            IS_OPEN,
            Complaint.due_at <= now + timedelta(hours=within_hours),
        )
        .order_by(Complaint.due_at, Complaint.id)
        .limit(limit)
    )
    return fetch_briefs(_for_team(statement, team_id), now)


def _mostly_true(condition):
    """``condition``, marked for SQLite's planner as true for most rows (``likely``).

    The overdue section is the oldest open complaints past their deadline: walking the
    ``(is_open, opened_at, id)`` index in order and stopping after ``limit`` is bounded (the oldest
    open ones are nearly all overdue). Told nothing, SQLite takes the ``due_at`` range instead and
    sorts every overdue complaint (30k at 100k complaints: ~1 s); PostgreSQL weighs it from its
    statistics and needs no hint.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        return sa.func.likely(condition)
    return condition


def digest(now: datetime, limit: int = 200) -> Digest:
    """The morning digest: the last 24 hours' new and resolved, and everything unowned or overdue.

    Each section loads at most ``limit`` briefs (what a Slack thread shows) and counts the rest with
    one indexed ``count``: the job's cost does not grow with the number of open complaints.
    """
    day_ago = now - timedelta(days=1)
    sections = [
        Complaint.opened_at >= day_ago,
        sa.and_(IS_OPEN, Complaint.owner_id.is_(None)),
        sa.and_(IS_OPEN, Complaint.due_at < now),
        sa.and_(Complaint.resolved_at >= day_ago, Complaint.resolved_at < now),
    ]
    # each list walks an index in (opened_at, id) order and stops at ``limit``; the counts take
    # the range of the index that answers their condition
    walks = [*sections[:2], sa.and_(IS_OPEN, _mostly_true(Complaint.due_at < now)), sections[3]]
    base = brief_select().order_by(Complaint.opened_at, Complaint.id).limit(limit)
    counted = sa.select(sa.func.count()).select_from(Complaint)
    lists = [fetch_briefs(base.where(where), now) for where in walks]
    totals = tuple(
        len(items) if len(items) < limit else db.session.scalar(counted.where(where))
        for items, where in zip(lists, sections, strict=True)
    )
    return Digest(*lists, totals=totals)


def overdue_without_contact(now: datetime) -> list[ComplaintBrief]:
    """Open complaints past their deadline with no personal contact logged at all."""
    no_contact = ~sa.exists().where(Contact.complaint_id == Complaint.id)
    statement = (
        brief_select()
        .where(IS_OPEN, Complaint.due_at < now, no_contact)
        .order_by(Complaint.due_at, Complaint.id)
    )
    return fetch_briefs(statement, now)


def _rating_select():
    """The columns of a ``RatingBrief``."""
    return sa.select(
        Rating.id,
        Rating.score,
        Rating.comment,
        Client.name,
        Rating.complaint_id,
        Rating.received_at,
    ).join(Client, Client.id == Rating.client_id)


def rating_brief(rating_id: int) -> RatingBrief | None:
    row = db.session.execute(_rating_select().where(Rating.id == rating_id)).first()
    return RatingBrief(*row) if row else None


def owned_by(user_id: int, now: datetime, limit: int = 50) -> list[ComplaintBrief]:
    """A person's open complaints, the nearest deadline first."""
    statement = (
        brief_select()
        .where(Complaint.owner_id == user_id, IS_OPEN)
        .order_by(Complaint.due_at, Complaint.id)
        .limit(limit)
    )
    return fetch_briefs(statement, now)


def unowned(team_id: int | None, now: datetime, limit: int = 20) -> list[ComplaintBrief]:
    """Open complaints nobody has taken yet, oldest first: the ones waiting longest for a name."""
    statement = _for_team(
        brief_select()
        .where(Complaint.owner_id.is_(None), IS_OPEN)
        .order_by(Complaint.opened_at, Complaint.id)
        .limit(limit),
        team_id,
    )
    return fetch_briefs(statement, now)


def low_ratings_since(since: datetime, limit: int = 20) -> list[RatingBrief]:
    """The newest low ratings (at or below LOW_RATING_MAX) received since ``since``."""
    statement = (
        _rating_select()
        .where(Rating.received_at >= since, Rating.score <= current_app.config["LOW_RATING_MAX"])
        .order_by(Rating.received_at.desc(), Rating.id.desc())
        .limit(limit)
    )
    return [RatingBrief(*row) for row in db.session.execute(statement)]


def pending_compensations(limit: int = 20) -> list[CompensationBrief]:
    """Compensation above an owner's limit, waiting for the head of support, oldest first."""
    statement = (
        sa.select(
            Compensation.id,
            Compensation.complaint_id,
            Client.name,
            Compensation.kind,
            Compensation.amount,
            User.name,
            Compensation.requested_at,
        )
        .join_from(Compensation, Complaint)  # on their one foreign key
        .join(Complaint.client)
        .join(User, User.id == Compensation.requested_by_id)  # not the decider's key
        .where(Compensation.status == "pending")
        .order_by(Compensation.requested_at, Compensation.id)
        .limit(limit)
    )
    return [CompensationBrief(*row) for row in db.session.execute(statement)]


def unclaimed_low_ratings(since: datetime, until: datetime, limit: int = 200) -> list[RatingBrief]:
    """Low ratings received in [since, until) whose complaint is still open and has no owner.

    The escalation job reads these: an alert nobody claimed. The window keeps the query bounded
    (the job looks back one day), and so does the limit.
    """
    statement = (
        _rating_select()
        .join(Complaint, Complaint.id == Rating.complaint_id)
        .where(
            Rating.received_at >= since,
            Rating.received_at < until,
            Rating.score <= current_app.config["LOW_RATING_MAX"],
            Complaint.owner_id.is_(None),
            Complaint.status.in_(OPEN_STATUSES),
        )
        .order_by(Rating.received_at, Rating.id)
        .limit(limit)
    )
    return [RatingBrief(*row) for row in db.session.execute(statement)]


def _unanswered_statement():
    """``unanswered_attempts``' query, built once: building it (an alias, a correlated EXISTS) cost
    40 times what SQLite takes to run it for a page (issue #16). The ids are one expanding bind."""
    reached = aliased(Contact)
    reached_since = (
        sa.select(reached.id)
        .where(
            reached.complaint_id == Contact.complaint_id,
            reached.outcome.in_(REACHED_OUTCOMES),
            reached.at >= Contact.at,
        )
        .exists()
    )
    return (
        sa.select(Contact.complaint_id, sa.func.count())
        .where(
            Contact.complaint_id.in_(sa.bindparam("ids", expanding=True)),
            Contact.outcome.not_in(REACHED_OUTCOMES),
            ~reached_since,
        )
        .group_by(Contact.complaint_id)
    )


_UNANSWERED = _unanswered_statement()


def unanswered_attempts(complaint_ids) -> dict[int, int]:
    """Per complaint, the contacts that did not reach the client since the last one that did
    (all of them when none did yet): "3 attempts so far" on the list and the complaint's page.

    Computed from the contacts each time (nothing stored), in one query for a whole page; a
    complaint with no such attempt is left out.
    """
    complaint_ids = list(set(complaint_ids))
    if not complaint_ids:
        return {}
    return dict(read_rows(db.session, _UNANSWERED, {"ids": complaint_ids}))


def attempts_among(contacts) -> int:
    """``unanswered_attempts`` of one complaint whose contacts are loaded already (its page, which
    shows them all): the same rule, counted without a query. An attempt is a contact that did not
    reach the client with none that did at or after it, so: those after the last that did."""
    last_reached = max((c.at for c in contacts if c.outcome in REACHED_OUTCOMES), default=None)
    return sum(
        1
        for c in contacts
        if c.outcome not in REACHED_OUTCOMES and (last_reached is None or c.at > last_reached)
    )
