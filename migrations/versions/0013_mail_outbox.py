"""mail outbox: mail_messages, and the client's language and e-mail opt-out

Revision ID: 0013
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locale", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("unsubscribed_at", sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        "mail_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("dedup_key", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=False),
        sa.Column("message_id", sa.String(length=250), nullable=False),
        sa.Column("unsubscribe_url", sa.String(length=1000), nullable=True),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed', 'dead')",
            name=op.f("ck_mail_messages_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_mail_messages_client_id_clients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_messages")),
        sa.UniqueConstraint("dedup_key", name=op.f("uq_mail_messages_dedup_key")),
    )
    with op.batch_alter_table("mail_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mail_messages_status_next_attempt_at", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index("ix_mail_messages_sent_at", ["sent_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_mail_messages_client_id"), ["client_id"], unique=False)


def downgrade():
    with op.batch_alter_table("mail_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mail_messages_client_id"))
        batch_op.drop_index("ix_mail_messages_sent_at")
        batch_op.drop_index("ix_mail_messages_status_next_attempt_at")
    op.drop_table("mail_messages")
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_column("unsubscribed_at")
        batch_op.drop_column("locale")
