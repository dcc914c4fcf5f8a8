"""Putting messages into the outbox, and an admin putting a dead one back.

Nothing here talks to Slack: enqueueing only adds rows to the caller's transaction, so a message
exists if and only if the change that caused it was committed. ``delivery.dispatch`` sends them.
"""

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from core.database import utcnow
from core.errors import Conflict
from core.extensions import db
from dashboard.slack.messages import SlackMessage
from dashboard.slack.models import OutboxMessage


class OutboxError(Conflict):
    """The message cannot be retried: it is gone, or it is not failed or dead (any more)."""


def enqueue(
    channel: str,
    kind: str,
    dedup_key: str,
    text: str,
    blocks: list,
    thread_parent_key: str | None = None,
) -> OutboxMessage | None:
    """Add a message to the current transaction (no commit); a known ``dedup_key`` is a no-op.

    The look-up catches the ordinary repeat (a job run again, a signal sent twice). Two
    transactions racing on PostgreSQL both pass it; the unique constraint then stops the second at
    the flush, inside a savepoint, so the caller's own change still commits and the duplicate
    message is simply not there.
    """
    if not channel:
        return None
    exists = sa.select(OutboxMessage.id).where(OutboxMessage.dedup_key == dedup_key)
    if db.session.scalar(exists) is not None:
        return None
    message = OutboxMessage(
        channel=channel,
        kind=kind,
        dedup_key=dedup_key,
        text=text,
        blocks=blocks,
        thread_parent_key=thread_parent_key,
        status="pending",
        attempts=0,
        next_attempt_at=utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError:
        return None
    return message


def enqueue_message(
    channel: str, kind: str, dedup_key: str, message: SlackMessage
) -> OutboxMessage | None:
    """Enqueue a built message and its thread replies (keys ``<dedup_key>/<n>``) together."""
    parent = enqueue(channel, kind, dedup_key, message.text, message.blocks)
    if parent is None:
        return None
    for number, reply in enumerate(message.replies, start=1):
        enqueue(
            channel,
            kind,
            f"{dedup_key}/{number}",
            reply.text,
            reply.blocks,
            thread_parent_key=dedup_key,
        )
    return parent


def retry(message_id: int) -> OutboxMessage:
    """An admin sends a dead (or failed) message again: from scratch, right away. Commits."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        raise OutboxError(_("This message is no longer in the outbox."))
    if message.status not in ("dead", "failed"):
        raise OutboxError(_("Only a failed or dead message can be retried."))
    message.status = "pending"
    message.attempts = 0
    message.next_attempt_at = utcnow()
    message.claimed_at = None
    db.session.commit()
    return message
