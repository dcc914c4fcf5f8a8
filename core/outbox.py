"""The outbox mechanism every outgoing channel shares (Slack posts, e-mail).

A message is a row written in the transaction of the change that causes it, under a unique
``dedup_key``; a dispatcher *claims* a due row (a committed ``sending`` status) before it talks to
the outside world, records the answer, and on failure backs off exponentially until the row is
``dead`` and waits for an admin's Retry. What differs per channel (how to send, what an error
means, pacing) lives with the channel; what is the same — the columns, the claim, the failure
bookkeeping, the retry, the admin listing — lives here once, parameterised by the row's model.
"""

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from core import audit
from core.database import UTCDateTime, counted_up_to, utcnow
from core.errors import Conflict, Forbidden
from core.extensions import db

log = logging.getLogger(__name__)

OUTBOX_STATUSES = ("pending", "sending", "sent", "failed", "dead")
# A claim older than this belongs to a dispatcher that died mid-send: take the row back.
STALE_CLAIM = timedelta(minutes=5)
# Saving "sent" after the other side accepted a message: tries, and the pause before each retry.
SAVE_ATTEMPTS = 8
SAVE_PAUSE_SECONDS = 0.5
SAVE_PAUSE_MAX_SECONDS = 20
PAGE_SIZE = 50
# The admin page counts each status up to here and then says "10,000+": an exact count of every
# message ever sent reads them all, on every visit.
COUNTED_UP_TO = 10_000


# ``last_error`` keeps only what the other side answered, as it answered it ("429 ratelimited",
# "500 internal_error", "RCPT 550 5.1.1 No such user", "TimeoutError: …"), never a sentence of ours:
# the admin page explains the codes it knows in the reader's language (``error_note``).
ERROR_NOTES = {
    "429": _l("Slack asked us to slow down: the message waits and then goes by itself."),
    "RCPT": _l("The mail server refused this recipient."),
}


def error_note(last_error: str | None, notes: Mapping[str, str] = ERROR_NOTES) -> str | None:
    """What a stored error means, in the reader's language, when its code is one we know: its
    first word ("429 ratelimited", "RCPT 550 …"), else the code after an HTTP status ("200
    invalid_auth": Slack says "ok: false" with a 200). A channel's page may know more ``notes``."""
    for word in (last_error or "").split(" ", 2)[:2]:
        if (note := notes.get(word)) is not None:
            return str(note)
    return None


class OutboxRow:
    """The columns every outbox table has (a mixin: each channel keeps its own table).

    ``STATUSES`` are the ones its table may hold; a channel may add its own (mail's "cancelled").
    """

    STATUSES: tuple[str, ...] = OUTBOX_STATUSES

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    dedup_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutboxError(Conflict):
    """The message cannot be retried: it is gone, or it is not failed or dead (any more)."""


@dataclass
class DispatchReport:
    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    dead: list[int] = field(default_factory=list)
    # Not sent, on purpose (mail: its client unsubscribed after it was queued).
    cancelled: list[int] = field(default_factory=list)
    rate_limited_until: datetime | None = None
    stopped_by: str | None = None

    def __str__(self) -> str:
        return (
            f"sent {len(self.sent)}, failed {len(self.failed)}, dead {len(self.dead)}"
            + (f", cancelled {len(self.cancelled)}" if self.cancelled else "")
            + (f", stopped: {self.stopped_by}" if self.stopped_by else "")
        )

    def count(self, message_id: int, status: str) -> None:
        (self.dead if status == "dead" else self.failed).append(message_id)


class RealClock:
    """``at`` plus the real time elapsed since the run started (``jobs run --at`` replays)."""

    def __init__(self, at: datetime | None = None):
        self.origin = at or utcnow()
        self.started = time.monotonic()

    def __call__(self) -> datetime:
        return self.origin + timedelta(seconds=time.monotonic() - self.started)


def exponential_backoff(attempts: int, base: float, cap: float) -> timedelta:
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


def exists(model, dedup_key: str) -> bool:
    return db.session.scalar(sa.select(model.id).where(model.dedup_key == dedup_key)) is not None


def add_once(message):
    """Add a new row to the caller's transaction (no commit); a known ``dedup_key`` is a no-op.

    The look-up catches the ordinary repeat (a job run again, a signal sent twice). Two
    transactions racing on PostgreSQL both pass it; the unique constraint then stops the second at
    the flush, inside a savepoint, so the caller's own change still commits and the duplicate
    message is simply not there.
    """
    if exists(type(message), message.dedup_key):
        return None
    message.status = "pending"
    message.attempts = 0
    message.next_attempt_at = message.next_attempt_at or utcnow()
    try:
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError:
        return None
    return message


def retry(model, message_id: int, actor, audit_kind: str):
    """An admin sends a dead (or failed) message again: from scratch, right away; audited on the
    message as ``audit_kind`` (``mail_message``, ``slack_message``), since a retry sends words to
    a client or a channel again. Commits."""
    if not actor.has_role("admin"):  # the route says so too; the rule lives here
        raise Forbidden(_("Only admins send a message again."))
    message = db.session.get(model, message_id)
    if message is None:
        raise OutboxError(_("This message is no longer in the outbox."))
    if message.status not in ("dead", "failed"):
        raise OutboxError(_("Only a failed or dead message can be retried."))
    message.status = "pending"
    message.attempts = 0
    message.next_attempt_at = utcnow()
    message.claimed_at = None
    audit.record(actor.id, audit_kind, message.id, "retried")
    db.session.commit()
    return message


def is_due(model, now: datetime):
    """Pending or failed and due, or claimed by a dispatcher that died long ago."""
    return sa.or_(
        sa.and_(model.status.in_(("pending", "failed")), model.next_attempt_at <= now),
        sa.and_(model.status == "sending", model.claimed_at < now - STALE_CLAIM),
    )


def claim(model, message_id: int, now: datetime):
    """Take one message for this dispatcher (committed); None if another one took it first."""
    result = db.session.execute(
        sa.update(model)
        .where(
            model.id == message_id,
            sa.or_(
                model.status.in_(("pending", "failed")),
                sa.and_(model.status == "sending", model.claimed_at < now - STALE_CLAIM),
            ),
        )
        .values(status="sending", claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if result.rowcount != 1:
        return None
    message = db.session.get(model, message_id)
    db.session.refresh(message)
    return message


def release(message) -> None:
    """Put a claimed message back untouched (it cannot go yet). Commits."""
    message.status = "pending"
    message.claimed_at = None
    db.session.commit()


def fail(message, now: datetime, error: str, *, permanent: bool, max_attempts: int, backoff) -> str:
    """Count a failed attempt: back off (``backoff(attempts)``) or, at the limit, die. Commits."""
    message.attempts += 1
    message.last_error = error[:2000]
    message.claimed_at = None
    if permanent or message.attempts >= max_attempts:
        message.status = "dead"
    else:
        message.status = "failed"
        message.next_attempt_at = now + backoff(message.attempts)
    db.session.commit()
    return message.status


def save_sent(model, message_id: int, sent_at: datetime, sleep, **values) -> bool:
    """The other side accepted the message: record it, retrying a failing save.

    Until this commit succeeds the row is ``sending`` and would be sent again once its claim is
    stale, so a save that fails (a locked or lost database) is retried for about a minute.
    """
    for attempt in range(SAVE_ATTEMPTS):
        try:
            db.session.execute(
                sa.update(model)
                .where(model.id == message_id)
                .values(
                    status="sent",
                    sent_at=sent_at,
                    attempts=model.attempts + 1,
                    last_error=None,
                    claimed_at=None,
                    **values,
                )
                .execution_options(synchronize_session=False)
            )
            db.session.commit()
            return True
        except sa.exc.DBAPIError:
            db.session.rollback()
            log.warning("saving %s %s as sent failed (try %s)", model.__name__, message_id, attempt)
            sleep(min(SAVE_PAUSE_MAX_SECONDS, SAVE_PAUSE_SECONDS * 2**attempt))
    log.error("%s %s was sent but could not be saved as sent", model.__name__, message_id)
    return False


def postpone_all(model, until: datetime) -> None:
    """Every due message waits until ``until`` (a rate limit), across every dispatcher. Commits."""
    db.session.execute(
        sa.update(model)
        .where(model.status.in_(("pending", "failed")), model.next_attempt_at < until)
        .values(next_attempt_at=until)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def wake_backed_off(model, now: datetime) -> None:
    """The other side answers again: messages waiting out an outage backoff are due now."""
    db.session.execute(
        sa.update(model)
        .where(model.status == "failed", model.next_attempt_at > now)
        .values(next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


# --- the admin pages' reads ----------------------------------------------------------------------


def list_messages(model, status: str | None, before_id: int | None) -> list:
    statement = sa.select(model).order_by(model.id.desc()).limit(PAGE_SIZE)
    if status:
        statement = statement.where(model.status == status)
    if before_id:
        statement = statement.where(model.id < before_id)
    return list(db.session.scalars(statement))


def status_counts(model) -> dict[str, int]:
    """How many messages are in each status, one statement; a count over ``COUNTED_UP_TO`` is
    ``COUNTED_UP_TO + 1`` (the page says "10,000+"). Each is a bounded walk of the status index."""
    counted = [
        counted_up_to(sa.select(model.id).where(model.status == status), COUNTED_UP_TO)
        for status in model.STATUSES
    ]
    return dict(zip(model.STATUSES, db.session.execute(sa.select(*counted)).one(), strict=True))
