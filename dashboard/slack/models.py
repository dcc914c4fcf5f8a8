"""The Slack outbox: every message Huddle means to post, written with the change that causes it."""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.outbox import OUTBOX_STATUSES, OutboxRow

__all__ = ["OUTBOX_STATUSES", "OutboxMessage"]


class OutboxMessage(OutboxRow, db.Model):
    """One Slack message, from the moment it is decided until Slack answers ``ok`` with a ``ts``.

    ``dedup_key`` (from ``core.outbox.OutboxRow``) is what makes "exactly once" possible: the same
    event (a digest for a day, an alert for a rating) always produces the same key, and the unique
    constraint turns a second attempt to enqueue it into a no-op. ``thread_parent_key`` names the
    parent by its dedup key, so a reply can be enqueued in the same transaction as its parent,
    before either has a Slack ``ts``.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        sa.CheckConstraint(sa.column("status").in_(OUTBOX_STATUSES), name="status_known"),
        # The dispatcher's query: due messages in order.
        sa.Index("ix_outbox_messages_status_next_attempt_at", "status", "next_attempt_at"),
        # The admin page: a status newest first, and each status counted (up to a bound).
        sa.Index("ix_outbox_messages_status_id", "status", "id"),
        # Per-channel pacing looks up the last post in a channel.
        sa.Index("ix_outbox_messages_channel_sent_at", "channel", "sent_at"),
    )

    channel: Mapped[str] = mapped_column(sa.String(80))
    thread_parent_key: Mapped[str | None] = mapped_column(sa.String(200), index=True)
    text: Mapped[str] = mapped_column(sa.Text)
    blocks: Mapped[list] = mapped_column(sa.JSON, default=list)
    ts: Mapped[str | None] = mapped_column(sa.String(32))

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.dedup_key} {self.status}>"
