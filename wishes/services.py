"""Wishes: every write — intake, merging, the weekly review's decisions, "already possible"
answers and logged callbacks.

Each public function here is one request's change and commits once: a request is all-or-nothing.
A refused rule raises ``WishError`` (a ``core.errors.RuleError``) before anything is committed, and
the caller's error handling rolls back what had begun. What pages show is built in ``pages``; what
other packages read is in ``briefs``.

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
from core.away import away_on
from core.clients import find_or_create_client
from core.clients import upsert_client as upsert
from core.database import hold_key, hold_row, utcnow
from core.errors import Forbidden, RuleError
from core.extensions import db
from core.models import Client, Team, User
from core.signals import wish_review_closed
from wishes import similarity
from wishes.briefs import ReviewBrief, distinct_clients, review_decisions, user_today
from wishes.calendar import (
    CALLBACK_WORKING_DAYS,
    add_working_days,
    get_review,
    next_review_on,
    team_today,
)
from wishes.models import (
    CALL_OUTCOMES,
    PAID_OUTCOMES,
    REVIEW_OUTCOMES,
    Callback,
    Wish,
    WishDecision,
    WishRequest,
    WishReview,
    WishToken,
)


class WishError(RuleError):
    """A wish rule said no (see ``core.errors.RuleError``)."""


class NotAllowed(WishError, Forbidden):
    """The person may not do this (e.g. log someone else's callback without being a manager)."""

    status = 403
    code = "forbidden"


def _require_manager_of(actor: User, team_id: int | None) -> None:
    """A team's review is decided and closed by its own managers or an admin (#12)."""
    if not actor.manages(team_id):
        raise NotAllowed(_("Only this team's managers decide and close its wish review."))


# --- clients ---------------------------------------------------------------------------------------


def upsert_client(data: dict, *, actor: User | None = None) -> Client:
    """The API's client object (already checked) as one of our clients, through the core's rule.

    The API (another system) keeps the client's details current; an agent typing a wish (``actor``)
    only adds details we do not know yet, and without the id finds the client by e-mail or phone,
    else makes one up (``core.clients``). It commits nothing itself: the wish that follows is saved
    with the client, and a refused wish takes the new client back with it.
    """
    contact = (data.get("email") or None, data.get("phone") or None)
    if actor is not None:
        found = data.get("external_id") or None
        return find_or_create_client(found, data["name"], *contact, actor_id=actor.id)
    return upsert(data["external_id"], data["name"], *contact, locale=data.get("locale"))


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


def record_wish(client: Client, **ask) -> Recorded:
    """Record that ``client`` asked for a wish (see ``count_wish``) and commit: a page's one write."""
    result = count_wish(client, **ask)
    db.session.commit()
    return result


def count_wish(
    client: Client,
    *,
    title: str | None = None,
    problem: str | None = None,
    details: str | None = None,
    wish_id: int | None = None,
    agent: User | None = None,
    channel: str = "call",
    now: datetime | None = None,
) -> Recorded:
    """Count that ``client`` asked for a wish: an existing one (``wish_id``) or a new one (``title``).

    A client asking again for the same wish is counted once; the new ask is kept in the history.
    It commits nothing: ``record_wish`` does, and the API's ``idempotent`` commits the wish together
    with the answer an ``Idempotency-Key`` replay gets back.
    """
    now = now or utcnow()
    actor_id = agent.id if agent is not None else None
    _lock_client(client)
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
            # Another client may be asking for it at this instant (the client lock is theirs):
            # hold the title, then look again (PostgreSQL; SQLite's write lock made them wait).
            hold_key(db.session, "wish title", similarity.title_key(title))
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
    return result


def _lock_client(client: Client) -> None:
    """Hold the client's row to the commit, so one client's asks take turns.

    Of a double-clicked "Save" or an API call retried at once without an ``Idempotency-Key``,
    each request looked for the wish by its title before the others committed (PostgreSQL) and
    opened a wish of its own: the client counted once on each copy, the copies splitting the
    distinct clients that put a wish on the review. The second now waits and finds the first's.
    """
    hold_row(db.session, Client, client.id)


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


# --- the review ----------------------------------------------------------------------------------


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
    if not actor.has_role("admin"):  # the route says so too; the rule lives here
        raise NotAllowed(_("Only admins merge wishes."))
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


def _hold(review: WishReview) -> None:
    """Hold the review's row to the commit and read it again, so its decisions and its closing
    take turns. PostgreSQL let each read it open before the others committed: of two "Close"
    clicks both closed it (an audit row each), and a decision made while it closed was recorded
    on it after its results had gone out without it. Now the second "Close" is told it is
    closed, and a decision is either in the results or refused. SQLite already took turns."""
    hold_row(db.session, WishReview, review.id)
    db.session.refresh(review)


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
    _require_manager_of(actor, team.id)
    _check_decision(outcome, reason, terms)
    if _require(wish_id).team_id not in (None, team.id):  # as wishes_for_review: its own or none
        raise NotAllowed(_("This is another team's wish: its own review decides it."))
    review = _review_for(team, review_on)
    _hold(review)
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
    what we already built. Like a review's decision, only for a wish of the person's own team or
    of none (an admin: any), since it takes the wish off its team's review (#12).
    """
    if not how or not how.strip():
        raise WishError(_("Explain how the client can already do it."), field="how")
    wish = _require_open(wish_id)
    if not wish.answerable_by(actor):
        raise NotAllowed(_("This is another team's wish: its own review decides it."))
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
    except IntegrityError:  # only the savepoint is undone; the caller rolls back the rest
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
                team_id=caller_team or fallback_team,
                agent_id=caller,
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
    _require_manager_of(actor, team.id)
    review = _review_for(team, review_on)
    _hold(review)
    if review.status == "closed":
        raise WishError(_("This review is already closed."))
    review.status = "closed"
    review.closed_at = now or utcnow()
    review.closed_by_id = actor.id
    decisions = review_decisions(review.id)
    audit.record(actor.id, "wish_review", review.id, "closed", decisions=len(decisions))
    wish_review_closed.send(
        current_app._get_current_object(),
        review=ReviewBrief.of(review, team),
        decisions=decisions,
    )
    db.session.commit()
    return review


def log_call(
    callback_id: int,
    actor: User,
    notes: str | None = None,
    outcome: str = "reached",
    next_try_on: date | None = None,
    seen_attempts: int | None = None,
) -> Callback:
    """The agent called the client back: reached, the callback is done; otherwise it stays open.

    A call that did not connect (no answer, a message left, "call me later") is counted as an
    attempt, and the callback stays on "Calls to make" with the day to try again (if given).
    ``seen_attempts`` is the count the form showed: that outcome logged since is this very click
    sent twice (two real calls are not a second apart), and it is not counted again.
    """
    # Held to the commit and read afresh: of two clicks at once (PostgreSQL let both read it first:
    # lost counts, audit rows doubled) the second finds the first's call. SQLite already takes turns.
    callback = db.session.get(
        Callback, callback_id, with_for_update={"key_share": True}, populate_existing=True
    )
    if callback is None:
        raise WishError(_("This callback does not exist."))
    if callback.agent_id != actor.id and not actor.has_role("manager"):
        raise NotAllowed(_("This call is someone else's to make."))
    if callback.done_at is not None:
        raise WishError(_("This call is already logged."))
    if outcome not in CALL_OUTCOMES:
        raise WishError(_("Choose what came of the call."), "outcome")
    seen = callback.attempts if seen_attempts is None else seen_attempts
    if outcome == callback.last_outcome and seen < callback.attempts:
        db.session.commit()  # this click sent again, already counted: only the lock to let go
        return callback
    if outcome == "reached" and next_try_on is not None:
        next_try_on = None  # nothing to try again
    callback.attempts += 1
    callback.last_outcome = outcome
    callback.next_try_on = next_try_on
    callback.notes = (notes or "").strip() or callback.notes
    if outcome == "reached":
        callback.done_at = utcnow()
        callback.done_by_id = actor.id
    audit.record(
        actor.id,
        "wish",
        callback.wish_id,
        "called_back" if outcome == "reached" else "call_attempt",
        callback_id=callback.id,
        notes=notes,
        outcome=outcome,
        attempt=callback.attempts,
    )
    db.session.commit()
    return callback


def hand_over_call(callback_id: int, actor: User, from_agent_id: int, to_user_id: int) -> Callback:
    """A manager gives an open call whose agent is away to someone present in its team (#17).

    Refused if the call changed hands meanwhile (two managers clicking at once), or if the new
    agent is inactive, in another team, or away today too.
    """
    if not actor.has_role("manager"):
        raise NotAllowed(_("Only managers hand calls over."))
    callback = db.session.get(Callback, callback_id)
    if callback is None:
        raise WishError(_("This callback does not exist."))
    if callback.done_at is not None:
        raise WishError(_("This call is already logged."))
    if callback.agent_id != from_agent_id:
        raise WishError(_("This call changed hands meanwhile; reload to see who has it."))
    to_user = db.session.get(User, to_user_id)
    if (
        to_user is None
        or not to_user.active
        or (callback.team_id is not None and to_user.team_id != callback.team_id)
        or away_on([to_user.id], user_today(to_user))
    ):
        raise WishError(_("Choose someone present in the call's team."))
    callback.agent_id = to_user.id
    audit.record(
        actor.id,
        "wish",
        callback.wish_id,
        "callback_handed_over",
        callback_id=callback.id,
        from_agent_id=from_agent_id,
        to_agent_id=to_user.id,
    )
    db.session.commit()
    return callback
