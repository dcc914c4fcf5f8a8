"""Putting messages into the outbox, and an admin putting a dead one back.

Nothing here talks to Slack: enqueueing only adds rows to the caller's transaction, so a message
exists if and only if the change that caused it was committed. ``delivery.dispatch`` sends them.
"""

from core import outbox as outbox_core
from core.database import utcnow
from core.outbox import OutboxError, add_once
from dashboard.slack.messages import SlackMessage
from dashboard.slack.models import OutboxMessage

__all__ = ["OutboxError", "enqueue", "enqueue_message", "retry"]


def enqueue(
    channel: str,
    kind: str,
    dedup_key: str,
    text: str,
    blocks: list,
    thread_parent_key: str | None = None,
) -> OutboxMessage | None:
    """Add a message to the current transaction (no commit); a known ``dedup_key`` is a no-op
    (``core.outbox.add_once``: the look-up, then the unique constraint inside a savepoint)."""
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
            next_attempt_at=utcnow(),
        )
    )


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
    return outbox_core.retry(OutboxMessage, message_id)
