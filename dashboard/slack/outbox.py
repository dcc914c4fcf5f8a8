"""Putting messages into the outbox, and an admin putting a dead one back.

Nothing here talks to Slack: enqueueing only adds rows to the caller's transaction, so a message
exists if and only if the change that caused it was committed. ``delivery.dispatch`` sends them.
"""

from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa

from core import outbox as outbox_core
from core.database import utcnow
from core.extensions import db
from core.i18n import speaking
from core.outbox import OutboxError, add_once
from dashboard.slack.client import managers_voice, setting
from dashboard.slack.messages import SlackMessage
from dashboard.slack.models import OutboxMessage

__all__ = ["OutboxError", "enqueue", "enqueue_message", "retry", "tell_managers", "withdraw"]


def enqueue(
    channel: str,
    kind: str,
    dedup_key: str,
    text: str,
    blocks: list,
    thread_parent_key: str | None = None,
    not_before: datetime | None = None,
) -> OutboxMessage | None:
    """Add a message to the current transaction (no commit); a known ``dedup_key`` is a no-op
    (``core.outbox.add_once``: the look-up, then the unique constraint inside a savepoint).

    ``not_before``: the message is not due before then (a post that may still be withdrawn)."""
    if not channel:
        return None
    return add_once(
        OutboxMessage(
            channel=channel,
            kind=kind,
            dedup_key=dedup_key,
            text=text,
            blocks=blocks,
            thread_parent_key=thread_parent_key,
            next_attempt_at=not_before or utcnow(),
        )
    )


def enqueue_message(
    channel: str,
    kind: str,
    dedup_key: str,
    message: SlackMessage,
    not_before: datetime | None = None,
) -> OutboxMessage | None:
    """Enqueue a built message and its thread replies (keys ``<dedup_key>/<n>``) together."""
    parent = enqueue(channel, kind, dedup_key, message.text, message.blocks, not_before=not_before)
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
            not_before=not_before,
        )
    return parent


def tell_managers(
    kind: str, dedup_key: str, build: Callable[[], SlackMessage]
) -> OutboxMessage | None:
    """Enqueue ``build()`` for the managers' channel, written in the managers' voice (the app's
    language and the digest's timezone: ``managers_voice``), as every message to them is."""
    with speaking(*managers_voice()):
        message = build()
    return enqueue_message(setting("SLACK_MANAGERS_CHANNEL"), kind, dedup_key, message)


def withdraw(dedup_key: str) -> int:
    """Drop a message and its replies that nobody has started sending (no commit).

    A message already claimed or sent stays: its key then keeps a later enqueue from posting it
    twice, so "sent once" holds even if a withdrawal comes too late.
    """
    untouched = sa.and_(OutboxMessage.status == "pending", OutboxMessage.attempts == 0)
    parent = db.session.scalar(
        sa.select(OutboxMessage.id).where(OutboxMessage.dedup_key == dedup_key, untouched)
    )
    if parent is None:
        return 0
    result = db.session.execute(
        sa.delete(OutboxMessage).where(
            sa.or_(
                OutboxMessage.dedup_key == dedup_key,
                OutboxMessage.thread_parent_key == dedup_key,
            ),
            untouched,
        )
    )
    return result.rowcount


def retry(message_id: int, actor) -> OutboxMessage:
    """An admin sends a dead (or failed) message again: from scratch, right away. Commits."""
    return outbox_core.retry(OutboxMessage, message_id, actor, "slack_message")
