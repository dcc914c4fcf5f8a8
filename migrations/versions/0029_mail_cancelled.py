"""mail_messages.status may be "cancelled": a client mail whose client unsubscribed after it was queued

The dispatcher checked a client's opt-out only when the mail was queued, so a survey waiting in
the outbox (mail off, an outage) still went to a client who had unsubscribed meanwhile. It now
checks again at send time and marks such a message "cancelled", a final status of mail alone.

Revision ID: 0029
Revises: 0028
"""

from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

BEFORE = ("pending", "sending", "sent", "failed", "dead")
AFTER = (*BEFORE, "cancelled")


def _statuses_known(statuses: tuple[str, ...]) -> None:
    listed = ", ".join(f"'{status}'" for status in statuses)
    with op.batch_alter_table("mail_messages", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_mail_messages_status_known"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_mail_messages_status_known"), f"status IN ({listed})"
        )


def upgrade():
    _statuses_known(AFTER)


def downgrade():
    # Going back, a cancelled mail becomes dead: the older status that says "not sent, nor
    # will be by itself" (an admin could then Retry it, which this version cannot prevent).
    op.execute("UPDATE mail_messages SET status = 'dead' WHERE status = 'cancelled'")
    _statuses_known(BEFORE)
