"""The mail outbox: every e-mail Huddle means to send, rendered and written with its cause."""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.outbox import OUTBOX_STATUSES, OutboxRow

# Mail adds one final status: "cancelled", a client mail not sent because its client unsubscribed
# after it was queued (``core.mail.delivery``). It is no failure, so no Retry brings it back.
MAIL_STATUSES = (*OUTBOX_STATUSES, "cancelled")


class MailMessage(OutboxRow, db.Model):
    """One e-mail, rendered in its recipient's language when it was decided.

    Rendering at enqueue time means the admin preview shows exactly what will go out, and a
    template changed later cannot alter a message already promised. ``message_id`` is fixed here
    too, so a message sent again after a crash carries the same ``Message-ID`` (mail servers and
    clients drop the repeat). ``unsubscribe_url`` is set on client mail (``List-Unsubscribe``).
    """

    STATUSES = MAIL_STATUSES
    __tablename__ = "mail_messages"
    __table_args__ = (
        sa.CheckConstraint(sa.column("status").in_(MAIL_STATUSES), name="status_known"),
        sa.Index("ix_mail_messages_status_next_attempt_at", "status", "next_attempt_at"),
        # The admin page: a status newest first, and each status counted (up to a bound).
        sa.Index("ix_mail_messages_status_id", "status", "id"),
        # The per-minute rate limit counts what was sent in the last minute.
        sa.Index("ix_mail_messages_sent_at", "sent_at"),
    )

    recipient: Mapped[str] = mapped_column(sa.String(254))
    language: Mapped[str] = mapped_column(sa.String(16))
    subject: Mapped[str] = mapped_column(sa.String(300))
    text_body: Mapped[str] = mapped_column(sa.Text)
    html_body: Mapped[str] = mapped_column(sa.Text)
    message_id: Mapped[str] = mapped_column(sa.String(250))
    unsubscribe_url: Mapped[str | None] = mapped_column(sa.String(1000))
    # The client a client mail is for (opt-out, the complaint page's "sent / opened / answered").
    client_id: Mapped[int | None] = mapped_column(sa.ForeignKey("clients.id"), index=True)

    def __repr__(self) -> str:
        return f"<MailMessage {self.dedup_key} {self.status}>"
