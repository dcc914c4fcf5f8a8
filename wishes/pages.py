"""What the wish pages show: intake suggestions, the list, one wish, the weekly review, calls to make.

Views call these and render; nothing here writes. Each builder loads what its page shows in a fixed
number of queries, however many wishes, clients or callbacks there are (``test_query_counts``).
Rows are plain dataclasses, except where a page shows a wish or decision the template reads whole.
"""

from dataclasses import dataclass, replace
from datetime import date, datetime

import sqlalchemy as sa

from core import audit
from core.away import away_on
from core.database import utcnow
from core.extensions import db
from core.models import Client, Team, User
from core.teams import team_by_slug
from wishes import similarity
from wishes.briefs import (
    WishBrief,
    counts_subquery,
    decisions_select,
    is_request,
    joined_to_callbacks,
    team_filter,
    threshold,
    user_today,
    wish_briefs,
    wishes_for_review,
)
from wishes.calendar import get_review, next_review_on
from wishes.models import Callback, Wish, WishDecision, WishRequest, WishReview, WishToken

PAGE_SIZE = 50

# --- intake --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Similar:
    id: int
    title: str
    status: str
    distinct_clients: int
    decision: str | None
    score: float


def get_client(client_id: int) -> Client | None:
    return db.session.get(Client, client_id)


def similar_wishes(text: str, limit: int = 5, exclude_id: int | None = None) -> list[Similar]:
    """Wishes whose titles share words with ``text``, best first (see ``similarity`` for why)."""
    typed = similarity.tokens(text)
    if not typed:
        return []
    shared = (
        sa.select(WishToken.wish_id.label("wish_id"), sa.func.count().label("shared"))
        .where(WishToken.token.in_(sorted(typed)))
        .group_by(WishToken.wish_id)
        .subquery("shared")
    )
    counts = counts_subquery()
    statement = (
        sa.select(
            Wish.id,
            Wish.title,
            Wish.status,
            Wish.token_count,
            shared.c.shared,
            sa.func.coalesce(counts.c.clients, 0),
            WishDecision.outcome,
        )
        .join(shared, shared.c.wish_id == Wish.id)
        .outerjoin(counts, counts.c.wish_id == Wish.id)
        .outerjoin(WishDecision, WishDecision.wish_id == Wish.id)
        .where(Wish.status != "merged")
        .order_by(shared.c.shared.desc(), Wish.id.desc())
        .limit(similarity.CANDIDATES)
    )
    if exclude_id is not None:
        statement = statement.where(Wish.id != exclude_id)
    found = []
    for wish_id, title, status, token_count, shared_count, clients, outcome in db.session.execute(
        statement
    ):
        score = similarity.dice(shared_count, len(typed), token_count)
        if score >= similarity.MIN_SCORE:
            found.append(Similar(wish_id, title, status, clients, outcome, round(score, 2)))
    found.sort(key=lambda s: (-s.score, -s.distinct_clients, -s.id))
    return found[:limit]


def suggestions(title: str | None, chosen_id: int | None) -> list[Similar]:
    """The similar wishes under the intake form's title; the chosen one always stays on top.

    The agent may edit the title after choosing a wish: the choice must not vanish from the form.
    """
    found = similar_wishes(title) if title else []
    if chosen_id is None or any(s.id == chosen_id for s in found):
        return found
    chosen = wish_brief(chosen_id)
    if chosen is None:
        return found
    pinned = Similar(
        chosen.id, chosen.title, chosen.status, chosen.distinct_clients, chosen.decision, 1.0
    )
    return [pinned, *found]


# --- the list ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListRow:
    id: int
    title: str
    status: str
    distinct_clients: int
    first_asked_at: datetime
    outcome: str | None
    reason: str | None
    merged_into_id: int | None


@dataclass
class WishList:
    rows: list[ListRow]
    page: int
    has_next: bool
    total_open: int
    solved_by_existing: int
    decided: int


LIST_FILTERS = ("all", "open", "requests", "decided", "declined", "already_possible", "merged")


def wish_list(q: str | None = None, show: str = "all", page: int = 1) -> WishList:
    """Every wish, searchable by the words of its title, declined ones with their reason."""
    counts = counts_subquery()
    clients = sa.func.coalesce(counts.c.clients, 0)
    statement = (
        sa.select(
            Wish.id,
            Wish.title,
            Wish.status,
            clients,
            sa.func.coalesce(counts.c.first_asked_at, Wish.created_at),
            WishDecision.outcome,
            WishDecision.reason,
            Wish.merged_into_id,
        )
        .outerjoin(counts, counts.c.wish_id == Wish.id)
        .outerjoin(WishDecision, WishDecision.wish_id == Wish.id)
    )
    show = show if show in LIST_FILTERS else "all"
    conditions = {
        "all": Wish.status != "merged",
        "open": Wish.status == "open",
        "requests": sa.and_(Wish.status == "open", clients >= threshold()),
        "decided": Wish.status == "decided",
        "declined": WishDecision.outcome == "wont_do",
        "already_possible": Wish.status == "already_possible",
        "merged": Wish.status == "merged",
    }
    statement = statement.where(conditions[show])
    words = similarity.tokens(q)
    if q and q.strip():
        # Stems match by prefix, so a half-typed word already finds its wishes; exact stems would
        # use the token index, the prefix LIKE may scan wish_tokens (small: a few rows per wish).
        if words:
            matching = sa.select(WishToken.wish_id).where(
                sa.or_(*(WishToken.token.startswith(word, autoescape=True) for word in words))
            )
            statement = statement.where(Wish.id.in_(matching))
        else:
            statement = statement.where(Wish.title.icontains(q.strip(), autoescape=True))
    page = max(1, page)
    rows = db.session.execute(
        statement.order_by(Wish.created_at.desc(), Wish.id.desc())
        .limit(PAGE_SIZE + 1)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    totals = dict(
        db.session.execute(sa.select(Wish.status, sa.func.count()).group_by(Wish.status)).all()
    )
    return WishList(
        rows=[ListRow(*row) for row in rows[:PAGE_SIZE]],
        page=page,
        has_next=len(rows) > PAGE_SIZE,
        total_open=totals.get("open", 0),
        solved_by_existing=totals.get("already_possible", 0),
        decided=totals.get("decided", 0),
    )


# --- calls to make -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallRow:
    """One call to make, with what the agent needs on the phone (contact details stay in Huddle)."""

    id: int
    client_id: int
    client_name: str
    client_phone: str | None
    client_email: str | None
    wish_id: int
    wish_title: str
    outcome: str
    reason: str
    terms: str | None
    due_on: date
    overdue: bool
    agent_id: int
    agent_name: str
    done_at: datetime | None
    notes: str | None
    attempts: int
    last_outcome: str | None
    next_try_on: date | None
    team_id: int | None = None
    # The agent is away today (#17): a manager can hand the call to ``stand_in`` (id, name), a
    # present member of the callback's team with the fewest open calls.
    agent_away: bool = False
    stand_in: tuple[int, str] | None = None


def stand_ins(team_ids, today: date) -> dict[int, tuple[int, str]]:
    """For each team, the active member present ``today`` with the fewest open callbacks (two
    queries however many teams)."""
    team_ids = list({team_id for team_id in team_ids if team_id is not None})
    if not team_ids:
        return {}
    open_calls = (
        sa.select(sa.func.count())
        .where(Callback.agent_id == User.id, Callback.done_at.is_(None))
        .correlate(User)
        .scalar_subquery()
    )
    members = db.session.execute(
        sa.select(User.id, User.name, User.team_id)
        .where(User.team_id.in_(team_ids), User.active.is_(True))
        .order_by(open_calls, User.name, User.id)
    ).all()
    away = away_on((m.id for m in members), today)
    found: dict[int, tuple[int, str]] = {}
    for member in members:
        if member.id not in away:
            found.setdefault(member.team_id, (member.id, member.name))
    return found


def _with_away(rows: list[CallRow], today: date) -> list[CallRow]:
    """Flag the open calls whose agent is away ``today`` and name who could take each over."""
    away = away_on((r.agent_id for r in rows if r.done_at is None), today)
    if not away:
        return rows
    found = stand_ins((r.team_id for r in rows if r.agent_id in away), today)
    return [
        replace(r, agent_away=True, stand_in=found.get(r.team_id)) if r.agent_id in away else r
        for r in rows
    ]


def _call_rows(where, today: date, order=None) -> list[CallRow]:
    statement = (
        joined_to_callbacks(
            sa.select(
                Callback.id.label("id"),
                Client.id.label("client_id"),
                Client.name.label("client_name"),
                Client.phone.label("client_phone"),
                Client.email.label("client_email"),
                Wish.id.label("wish_id"),
                Wish.title.label("wish_title"),
                WishDecision.outcome,
                WishDecision.reason,
                WishDecision.terms,
                Callback.due_on,
                Callback.agent_id,
                User.name.label("agent_name"),
                Callback.done_at,
                Callback.notes,
                Callback.attempts,
                Callback.last_outcome,
                Callback.next_try_on,
                Callback.team_id,
            )
        )
        .where(*where)
        .order_by(*(order or (Callback.due_on, Callback.id)))
    )
    rows = [
        CallRow(**row._mapping, overdue=row.done_at is None and row.due_on < today)
        for row in db.session.execute(statement)
    ]
    return _with_away(rows, today)


def calls_page(user: User, everyone_on_team: bool = False) -> list[CallRow]:
    """Open calls for the "Calls to make" page: the person's own, or (managers) their team's."""
    today = user_today(user)
    if everyone_on_team:
        where = (Callback.done_at.is_(None), team_filter(Callback.team_id, user.team_id))
    else:
        where = (Callback.done_at.is_(None), Callback.agent_id == user.id)
    return _call_rows(where, today)


def team_calls_waiting(user: User) -> int:
    """How many calls the person's team still has to make: said where their own list is empty,
    which read "No calls to make. Thank you!" over a team with overdue calls."""
    waiting = sa.select(sa.func.count(Callback.id)).where(
        Callback.done_at.is_(None), team_filter(Callback.team_id, user.team_id)
    )
    return db.session.scalar(waiting) or 0


def call_row(callback_id: int, user: User) -> CallRow | None:
    found = _call_rows((Callback.id == callback_id,), user_today(user))
    return found[0] if found else None


# --- one wish ------------------------------------------------------------------------------------


@dataclass
class RequestRow:
    client_id: int
    client_name: str
    agent_name: str | None
    problem: str | None
    channel: str
    asked_at: datetime
    moved_from_wish_id: int | None


@dataclass
class WishPage:
    wish: Wish
    distinct_clients: int
    is_request: bool
    requests: list[RequestRow]
    decision: WishDecision | None
    calls: list[CallRow]
    merged_from: list[Wish]
    stayed_behind: list[RequestRow]  # for a merged wish: clients who had asked for both
    history: list
    review_on: date | None


def wish_page(wish_id: int, viewer: User) -> WishPage | None:
    wish = db.session.get(Wish, wish_id)
    if wish is None:
        return None
    requests = [
        RequestRow(*row)
        for row in db.session.execute(
            sa.select(
                Client.id,
                Client.name,
                User.name,
                WishRequest.problem,
                WishRequest.channel,
                WishRequest.asked_at,
                WishRequest.moved_from_wish_id,
            )
            .join(Client, Client.id == WishRequest.client_id)
            .outerjoin(User, User.id == WishRequest.agent_id)
            .where(WishRequest.wish_id == wish.id)
            .order_by(WishRequest.asked_at, WishRequest.id)
        )
    ]
    decision = db.session.scalar(sa.select(WishDecision).where(WishDecision.wish_id == wish.id))
    calls = (
        _call_rows((Callback.wish_id == wish.id,), user_today(viewer), order=(Client.name,))
        if decision is not None
        else []
    )
    merged_from = list(
        db.session.scalars(
            sa.select(Wish).where(Wish.merged_into_id == wish.id).order_by(Wish.merged_at)
        )
    )
    count = len(requests)
    return WishPage(
        wish=wish,
        distinct_clients=count,
        is_request=is_request(count),
        requests=requests if wish.status != "merged" else [],
        decision=decision,
        calls=calls,
        merged_from=merged_from,
        stayed_behind=requests if wish.status == "merged" else [],
        history=audit.history("wish", wish.id),
        review_on=next_review_on(wish.team or viewer.team) if wish.status == "open" else None,
    )


def merge_candidates(page: WishPage, viewer: User) -> list[Similar]:
    """Wishes that look like this one, for an admin deciding whether to merge (open wishes only)."""
    if not viewer.has_role("admin") or page.wish.status != "open":
        return []
    return similar_wishes(page.wish.title, exclude_id=page.wish.id)


# --- the weekly review ---------------------------------------------------------------------------


@dataclass
class ReviewPage:
    team: Team
    review_on: date
    review: WishReview | None
    pending: list[WishBrief]
    decided: list[sa.Row]  # ``decisions_select`` rows: a decision with its clients and calls


def teams() -> list[Team]:
    return list(db.session.scalars(sa.select(Team).order_by(Team.name)))


def review_team(slug: str | None, viewer: User) -> Team | None:
    """The team whose review to show: the one asked for, else the viewer's, else the first one."""
    team = team_by_slug(slug) if slug else viewer.team
    return team if team is not None else next(iter(teams()), None)


def review_page(team: Team, review_on: date) -> ReviewPage:
    review = get_review(team.id, review_on)
    decided = (
        db.session.execute(decisions_select(WishDecision.review_id == review.id)).all()
        if review is not None
        else []
    )
    return ReviewPage(
        team=team,
        review_on=review_on,
        review=review,
        pending=wishes_for_review(team.id, review_on),
        decided=decided,
    )


def wish_brief(wish_id: int, on: date | None = None) -> WishBrief | None:
    found = wish_briefs(lambda counts: (Wish.id == wish_id,), on or utcnow().date())
    return found[0] if found else None
