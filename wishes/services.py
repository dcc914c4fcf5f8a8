"""Wishes: intake, counting, merging, the weekly review, "already possible" answers and callbacks.

Every write goes through a function here, and each such function commits once: a request is
all-or-nothing. Reads for other packages return the plain dataclasses of ``briefs`` and load what
they return in a fixed number of queries, however many wishes, clients or callbacks there are.

Rules that hold:
- a wish is counted by distinct clients (``WishRequest`` is unique per wish and client);
- a decision is made once per wish and creates exactly one callback per asking client, due within
  two working days of the deciding team;
- nothing disappears: declined wishes keep their reason, merged wishes keep their own requests and
  history and point at the wish they joined.
"""

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from core import audit
from core.clients import upsert_client as upsert
from core.database import utcnow
from core.errors import RuleError
from core.extensions import db
from core.models import Client, Team, User
from core.signals import wish_review_closed
from wishes import similarity
from wishes.briefs import (
    DecisionBrief,
    ReviewBrief,
    WishBrief,
    counts_subquery,
    joined_to_callbacks,
    problems_of,
    team_filter,
    threshold,
    user_today,
    wish_briefs,
    wishes_for_review,
)
from wishes.calendar import (
    CALLBACK_WORKING_DAYS,
    add_working_days,
    next_review_on,
    team_today,
)
from wishes.models import (
    PAID_OUTCOMES,
    REVIEW_OUTCOMES,
    Callback,
    Wish,
    WishDecision,
    WishRequest,
    WishReview,
    WishToken,
)

PAGE_SIZE = 50


class WishError(RuleError):
    """A wish rule said no (see ``core.errors.RuleError``)."""


class NotAllowed(WishError):
    """The person may not do this (e.g. log someone else's callback without being a manager)."""

    status = 403
    code = "forbidden"


def rollback() -> None:
    """Undo the request's half-done work after a refused rule (views call this, never the session)."""
    db.session.rollback()


# --- clients ---------------------------------------------------------------------------------------


def upsert_client(data: dict) -> Client:
    """The API's client object (already checked) as one of our clients, through the core's rule."""
    return upsert(
        data["external_id"], data["name"], data.get("email") or None, data.get("phone") or None
    )


def get_client(client_id: int) -> Client | None:
    return db.session.get(Client, client_id)


# --- counting ------------------------------------------------------------------------------------


def distinct_clients(wish_id: int) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(WishRequest)
            .where(WishRequest.wish_id == wish_id)
        )
        or 0
    )


def is_request(clients: int) -> bool:
    """Whether a wish with ``clients`` distinct clients has become a real request."""
    return clients >= threshold()


# --- intake --------------------------------------------------------------------------------------


@dataclass
class Recorded:
    wish: Wish
    new_wish: bool
    already_asked: bool  # this client had asked before: counted once, nothing added
    distinct_clients: int
    review_on: date | None  # None when the wish is already decided: say the decision instead
    decision: WishDecision | None


def _set_tokens(wish: Wish) -> None:
    found = similarity.tokens(wish.title)
    db.session.add_all(WishToken(wish_id=wish.id, token=token) for token in sorted(found))
    wish.token_count = len(found)


def _live(wish: Wish) -> Wish:
    """A merged wish stands for the one it was merged into (merges are kept one step deep)."""
    return wish.merged_into if wish.merged_into_id is not None else wish


def record_wish(
    client: Client,
    *,
    title: str | None = None,
    problem: str | None = None,
    details: str | None = None,
    wish_id: int | None = None,
    agent: User | None = None,
    channel: str = "call",
    now: datetime | None = None,
    commit: bool = True,
) -> Recorded:
    """Record that ``client`` asked for a wish: an existing one (``wish_id``) or a new one (``title``).

    A client asking again for the same wish is counted once; the new ask is kept in the history.
    """
    now = now or utcnow()
    actor_id = agent.id if agent is not None else None
    new_wish = False
    wish = None
    if wish_id is not None:
        found = db.session.get(Wish, wish_id)
        if found is None:
            raise WishError(_("This wish does not exist (any more)."), field="wish_id")
        wish = _live(found)
    else:
        if not title:
            raise WishError(_("Say what the client wishes for."), field="title")
        wish = _same_title(client, title)
    if wish is None:
        wish = Wish(
            title=title[:200],
            details=details,
            team_id=agent.team_id if agent is not None else None,
            created_by_id=actor_id,
            created_at=now,
        )
        db.session.add(wish)
        db.session.flush()
        _set_tokens(wish)
        audit.record(actor_id, "wish", wish.id, "created", title=wish.title)
        new_wish = True

    already = db.session.scalar(
        sa.select(WishRequest.id).where(
            WishRequest.wish_id == wish.id, WishRequest.client_id == client.id
        )
    )
    if already is None:
        try:
            with db.session.begin_nested():
                db.session.add(
                    WishRequest(
                        wish_id=wish.id,
                        client_id=client.id,
                        agent_id=actor_id,
                        problem=problem,
                        channel=channel,
                        asked_at=now,
                    )
                )
        except IntegrityError:  # another agent added this client a moment ago: still counted once
            already = True
    action = "asked_again" if already else "asked"
    audit.record(
        actor_id, "wish", wish.id, action, client_id=client.id, client=client.name, problem=problem
    )

    decision = db.session.scalar(sa.select(WishDecision).where(WishDecision.wish_id == wish.id))
    review_on = None
    if wish.status == "open":
        review_on = next_review_on(wish.team or (agent.team if agent is not None else None))
    result = Recorded(
        wish=wish,
        new_wish=new_wish,
        already_asked=already is not None,
        distinct_clients=distinct_clients(wish.id),
        review_on=review_on,
        decision=decision,
    )
    if commit:
        db.session.commit()
    return result


def _same_title(client: Client, title: str) -> Wish | None:
    """The wish already recorded under this very title (case, accents, punctuation aside), if any.

    An identical title is the same wish: a retried API call, a double-clicked form or another
    system that cannot see the suggestions then counts the client instead of opening a duplicate.
    The client's own wishes are checked first, so a retry finds exactly the wish it made before.
    """
    key = similarity.title_key(title)
    words = similarity.tokens(title)
    mine = sa.select(WishRequest.wish_id).where(WishRequest.client_id == client.id)
    if words:
        having_all = (
            sa.select(WishToken.wish_id)
            .where(WishToken.token.in_(sorted(words)))
            .group_by(WishToken.wish_id)
            .having(sa.func.count() == len(words))
        )
        candidates = sa.select(Wish).where(Wish.id.in_(having_all), Wish.token_count == len(words))
    else:
        candidates = sa.select(Wish).where(Wish.id.in_(mine))
    found = [
        wish
        for wish in db.session.scalars(candidates.order_by(Wish.id))
        if similarity.title_key(wish.title) == key
    ]
    if not found:
        return None
    asked = set(db.session.scalars(mine.where(WishRequest.wish_id.in_([w.id for w in found]))))
    found.sort(key=lambda wish: (wish.id not in asked, wish.status == "merged", wish.id))
    return _live(found[0])


def similar_wishes(text: str, limit: int = 5, exclude_id: int | None = None) -> list["Similar"]:
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


@dataclass(frozen=True)
class Similar:
    id: int
    title: str
    status: str
    distinct_clients: int
    decision: str | None
    score: float


def add_to_review(wish_id: int, actor: User) -> Wish:
    """Put a wish below the threshold on the review anyway (the team thinks it matters)."""
    wish = _require_open(wish_id)
    if wish.added_to_review_at is None:
        wish.added_to_review_at = utcnow()
        if wish.team_id is None:
            wish.team_id = actor.team_id  # a team-less API wish now has a team that will review it
        audit.record(actor.id, "wish", wish.id, "added_to_review")
    db.session.commit()
    return wish


def _require(wish_id: int) -> Wish:
    wish = db.session.get(Wish, wish_id)
    if wish is None:
        raise WishError(_("This wish does not exist."))
    return wish


def _require_open(wish_id: int, field: str | None = None) -> Wish:
    wish = _require(wish_id)
    if wish.status == "merged":
        raise WishError(
            _("This wish was merged into “%(title)s”.", title=wish.merged_into.title), field
        )
    if wish.status != "open":
        raise WishError(_("This wish is already decided."), field)
    return wish


# --- merging -------------------------------------------------------------------------------------


def merge(source_id: int, target_id: int, actor: User) -> Wish:
    """Merge duplicate ``source`` into ``target``: its clients move over, its history stays.

    A client who asked for both stays on the source's own record (counted once, on the target); every
    other request moves and remembers where it came from. Wishes merged earlier into the source now
    point at the target, so a merged wish is always one step from the live one.
    """
    if source_id == target_id:
        raise WishError(_("A wish cannot be merged into itself."), field="target_id")
    source = _require_open(source_id)
    try:
        target = _require_open(target_id, field="target_id")
    except WishError as error:
        if db.session.get(Wish, target_id) is None:
            raise WishError(_("There is no wish with this number."), field="target_id") from None
        raise WishError(
            _("Merge only into a wish still waiting for its decision: %(why)s", why=error.message),
            field="target_id",
        ) from None
    on_target = sa.select(WishRequest.client_id).where(WishRequest.wish_id == target.id)
    moved = db.session.execute(
        sa.update(WishRequest)
        .where(WishRequest.wish_id == source.id, WishRequest.client_id.not_in(on_target))
        .values(wish_id=target.id, moved_from_wish_id=source.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.execute(
        sa.update(Wish)
        .where(Wish.merged_into_id == source.id)
        .values(merged_into_id=target.id)
        .execution_options(synchronize_session=False)
    )
    source.status = "merged"
    source.merged_into_id = target.id
    source.merged_at = utcnow()
    if source.added_to_review_at and not target.added_to_review_at:
        target.added_to_review_at = source.added_to_review_at
    if target.team_id is None:
        target.team_id = source.team_id
    audit.record(actor.id, "wish", source.id, "merged_into", target_id=target.id, moved=moved)
    audit.record(
        actor.id, "wish", target.id, "merged_from", source_id=source.id, title=source.title
    )
    db.session.commit()
    return target


# --- decisions and callbacks ---------------------------------------------------------------------


@dataclass
class Decided:
    decision: WishDecision
    callbacks: int


def get_review(team_id: int, review_on: date) -> WishReview | None:
    return db.session.scalar(
        sa.select(WishReview).where(
            WishReview.team_id == team_id, WishReview.review_on == review_on
        )
    )


def _review_for(team: Team, review_on: date) -> WishReview:
    """The team's review of that date, created on its first decision (a GET never writes)."""
    review = get_review(team.id, review_on)
    if review is None:
        try:
            with db.session.begin_nested():
                review = WishReview(team_id=team.id, review_on=review_on)
                db.session.add(review)
        except IntegrityError:  # another manager opened it at the same moment
            review = get_review(team.id, review_on)
    return review


def _check_decision(outcome: str, reason: str | None, terms: str | None) -> None:
    if outcome not in REVIEW_OUTCOMES:
        raise WishError(_("Choose one of the four decisions."), field="outcome")
    if not reason or not reason.strip():
        raise WishError(_("Write down why: the client will hear it."), field="reason")
    if outcome in PAID_OUTCOMES and not (terms and terms.strip()):
        raise WishError(
            _("For a paid option, write the price or the paid period the client is offered."),
            field="terms",
        )


def decide(
    wish_id: int,
    actor: User,
    *,
    team: Team,
    review_on: date,
    outcome: str,
    reason: str,
    terms: str | None = None,
    now: datetime | None = None,
) -> Decided:
    """Record the review's decision on a wish and create one callback per asking client."""
    _check_decision(outcome, reason, terms)
    review = _review_for(team, review_on)
    if review.status == "closed":
        raise WishError(_("This review is closed; the wish goes to the next one."))
    wish = _require_open(wish_id)
    return _finish_decision(
        wish,
        actor,
        review=review,
        team=team,
        outcome=outcome,
        reason=reason.strip(),
        terms=terms.strip() if outcome in PAID_OUTCOMES and terms else None,
        now=now,
    )


def answer_already_possible(
    wish_id: int, actor: User, how: str, now: datetime | None = None
) -> Decided:
    """The product already does it: every asking client is called back with how.

    Counted as solved-by-existing, a number worth watching: it says how often clients cannot find
    what we already built.
    """
    if not how or not how.strip():
        raise WishError(_("Explain how the client can already do it."), field="how")
    wish = _require_open(wish_id)
    team = actor.team or wish.team
    return _finish_decision(
        wish,
        actor,
        review=None,
        team=team,
        outcome="already_possible",
        reason=how.strip(),
        terms=None,
        now=now,
    )


def _finish_decision(wish, actor, *, review, team, outcome, reason, terms, now) -> Decided:
    now = now or utcnow()
    decision = WishDecision(
        wish_id=wish.id,
        review_id=review.id if review is not None else None,
        outcome=outcome,
        reason=reason,
        terms=terms,
        decided_by_id=actor.id,
        decided_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(decision)
    except IntegrityError:
        db.session.rollback()
        raise WishError(_("Someone decided this wish a moment ago.")) from None
    wish.status = "already_possible" if outcome == "already_possible" else "decided"
    callbacks = _create_callbacks(decision, wish, team, actor, now)
    audit.record(
        actor.id,
        "wish",
        wish.id,
        "decided",
        outcome=outcome,
        reason=reason,
        terms=terms,
        review_id=decision.review_id,
        callbacks=callbacks,
    )
    db.session.commit()
    return Decided(decision, callbacks)


def _create_callbacks(decision: WishDecision, wish: Wish, team, decider: User, now) -> int:
    """One callback per asking client, for the agent who heard them (or the decider if they left)."""
    rows = db.session.execute(
        sa.select(WishRequest.client_id, User.id, User.active, User.team_id)
        .outerjoin(User, User.id == WishRequest.agent_id)
        .where(WishRequest.wish_id == wish.id)
        .order_by(WishRequest.asked_at, WishRequest.id)
    ).all()
    due_on = add_working_days(team_today(team, now), CALLBACK_WORKING_DAYS, team)
    fallback_team = getattr(team, "id", None) or decider.team_id
    for client_id, agent_id, active, agent_team_id in rows:
        caller, caller_team = (
            (agent_id, agent_team_id) if agent_id and active else (decider.id, None)
        )
        db.session.add(
            Callback(
                decision_id=decision.id,
                wish_id=wish.id,
                client_id=client_id,
                agent_id=caller,
                team_id=caller_team or fallback_team,
                due_on=due_on,
                created_at=now,
            )
        )
    db.session.flush()
    return len(rows)


def close_review(
    team: Team, review_on: date, actor: User, now: datetime | None = None
) -> WishReview:
    """Close the meeting: its decisions go to the team channel (via the signal, in this transaction)."""
    review = _review_for(team, review_on)
    if review.status == "closed":
        raise WishError(_("This review is already closed."))
    review.status = "closed"
    review.closed_at = now or utcnow()
    review.closed_by_id = actor.id
    decisions = review_decisions(review.id)
    audit.record(actor.id, "wish_review", review.id, "closed", decisions=len(decisions))
    wish_review_closed.send(
        current_app._get_current_object(),
        review=ReviewBrief(
            review.id, team.id, team.name, team.slack_channel, review.review_on, review.status
        ),
        decisions=decisions,
    )
    db.session.commit()
    return review


def review_decisions(review_id: int) -> list[DecisionBrief]:
    """The decisions made at one review, with how many clients each one means a call to."""
    counts = counts_subquery()
    calls = (
        sa.select(Callback.decision_id, sa.func.count().label("calls"))
        .group_by(Callback.decision_id)
        .subquery("calls")
    )
    rows = db.session.execute(
        sa.select(
            WishDecision.wish_id,
            Wish.title,
            WishDecision.outcome,
            WishDecision.reason,
            WishDecision.terms,
            sa.func.coalesce(counts.c.clients, 0),
            sa.func.coalesce(calls.c.calls, 0),
            User.name,
        )
        .join(Wish, Wish.id == WishDecision.wish_id)
        .join(User, User.id == WishDecision.decided_by_id)
        .outerjoin(counts, counts.c.wish_id == Wish.id)
        .outerjoin(calls, calls.c.decision_id == WishDecision.id)
        .where(WishDecision.review_id == review_id)
        .order_by(WishDecision.decided_at, WishDecision.id)
    ).all()
    problems = problems_of([row[0] for row in rows])
    return [DecisionBrief(*row, problems=problems.get(row[0], [])) for row in rows]


def log_call(callback_id: int, actor: User, notes: str | None = None) -> Callback:
    """The agent called the client back with the decision: the callback is done."""
    callback = db.session.get(Callback, callback_id)
    if callback is None:
        raise WishError(_("This callback does not exist."))
    if callback.agent_id != actor.id and not actor.has_role("manager"):
        raise NotAllowed(_("This call is someone else's to make."))
    if callback.done_at is not None:
        raise WishError(_("This call is already logged."))
    callback.done_at = utcnow()
    callback.done_by_id = actor.id
    callback.notes = (notes or "").strip() or None
    audit.record(
        actor.id, "wish", callback.wish_id, "called_back", callback_id=callback.id, notes=notes
    )
    db.session.commit()
    return callback


# --- pages ---------------------------------------------------------------------------------------


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


def _call_rows(where, today: date, order=None) -> list[CallRow]:
    statement = (
        joined_to_callbacks(
            sa.select(
                Callback.id,
                Client.id,
                Client.name,
                Client.phone,
                Client.email,
                Wish.id,
                Wish.title,
                WishDecision.outcome,
                WishDecision.reason,
                WishDecision.terms,
                Callback.due_on,
                Callback.agent_id,
                User.name,
                Callback.done_at,
                Callback.notes,
            )
        )
        .where(*where)
        .order_by(*(order or (Callback.due_on, Callback.id)))
    )
    rows = []
    for row in db.session.execute(statement):
        (cid, client_id, name, phone, email, wish_id, title, outcome, reason, terms, due_on) = row[
            :11
        ]
        agent_id, agent_name, done_at, notes = row[11:]
        rows.append(
            CallRow(
                cid,
                client_id,
                name,
                phone,
                email,
                wish_id,
                title,
                outcome,
                reason,
                terms,
                due_on,
                done_at is None and due_on < today,
                agent_id,
                agent_name,
                done_at,
                notes,
            )
        )
    return rows


def calls_page(user: User, everyone_on_team: bool = False) -> list[CallRow]:
    """Open calls for the "Calls to make" page: the person's own, or (managers) their team's."""
    today = user_today(user)
    if everyone_on_team:
        where = (Callback.done_at.is_(None), team_filter(Callback.team_id, user.team_id))
    else:
        where = (Callback.done_at.is_(None), Callback.agent_id == user.id)
    return _call_rows(where, today)


def call_row(callback_id: int, user: User) -> CallRow | None:
    found = _call_rows((Callback.id == callback_id,), user_today(user))
    return found[0] if found else None


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


@dataclass(frozen=True)
class DecidedRow:
    decision_id: int
    wish_id: int
    title: str
    outcome: str
    reason: str
    terms: str | None
    decided_by_name: str
    distinct_clients: int
    callbacks: int
    callbacks_done: int


@dataclass
class ReviewPage:
    team: Team
    review_on: date
    review: WishReview | None
    pending: list[WishBrief]
    decided: list[DecidedRow]


def review_page(team: Team, review_on: date) -> ReviewPage:
    review = get_review(team.id, review_on)
    decided: list[DecidedRow] = []
    if review is not None:
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
        decided = [
            DecidedRow(*row)
            for row in db.session.execute(
                sa.select(
                    WishDecision.id,
                    Wish.id,
                    Wish.title,
                    WishDecision.outcome,
                    WishDecision.reason,
                    WishDecision.terms,
                    User.name,
                    sa.func.coalesce(counts.c.clients, 0),
                    sa.func.coalesce(calls.c.calls, 0),
                    sa.func.coalesce(calls.c.done, 0),
                )
                .join(Wish, Wish.id == WishDecision.wish_id)
                .join(User, User.id == WishDecision.decided_by_id)
                .outerjoin(counts, counts.c.wish_id == Wish.id)
                .outerjoin(calls, calls.c.decision_id == WishDecision.id)
                .where(WishDecision.review_id == review.id)
                .order_by(WishDecision.decided_at, WishDecision.id)
            )
        ]
    return ReviewPage(
        team=team,
        review_on=review_on,
        review=review,
        pending=wishes_for_review(team.id, review_on),
        decided=decided,
    )


def decided_row(decision_id: int) -> DecidedRow | None:
    counts = counts_subquery()
    row = db.session.execute(
        sa.select(
            WishDecision.id,
            Wish.id,
            Wish.title,
            WishDecision.outcome,
            WishDecision.reason,
            WishDecision.terms,
            User.name,
            sa.func.coalesce(counts.c.clients, 0),
            sa.select(sa.func.count())
            .where(Callback.decision_id == WishDecision.id)
            .scalar_subquery(),
            sa.select(sa.func.count(Callback.done_at))
            .where(Callback.decision_id == WishDecision.id)
            .scalar_subquery(),
        )
        .join(Wish, Wish.id == WishDecision.wish_id)
        .join(User, User.id == WishDecision.decided_by_id)
        .outerjoin(counts, counts.c.wish_id == Wish.id)
        .where(WishDecision.id == decision_id)
    ).first()
    return DecidedRow(*row) if row else None


def teams() -> list[Team]:
    return list(db.session.scalars(sa.select(Team).order_by(Team.name)))


def team_by_slug(slug: str) -> Team | None:
    return db.session.scalar(sa.select(Team).where(Team.slug == slug))


def wish_brief(wish_id: int, on: date | None = None) -> WishBrief | None:
    found = wish_briefs(lambda counts: (Wish.id == wish_id,), on or utcnow().date())
    return found[0] if found else None
