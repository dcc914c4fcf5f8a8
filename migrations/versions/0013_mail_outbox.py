"""mail outbox: mail_messages, the client's language and e-mail opt-out, services for surveys,
and when a survey link was mailed and opened

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locale", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("unsubscribed_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("survey_links", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        "services",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("order_ref", sa.String(length=120), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("survey_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("survey_link_id", sa.Integer(), nullable=True),
        sa.Column("survey_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminder_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_services_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["survey_link_id"],
            ["survey_links.id"],
            name=op.f("fk_services_survey_link_id_survey_links"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_services")),
        sa.UniqueConstraint("client_id", "order_ref", name="uq_services_client_id_order_ref"),
    )
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.create_index(
            "ix_services_survey_sent_at_survey_due_at",
            ["survey_sent_at", "survey_due_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_services_reminder_sent_at_survey_sent_at",
            ["reminder_sent_at", "survey_sent_at"],
            unique=False,
        )

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
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.drop_index("ix_services_reminder_sent_at_survey_sent_at")
        batch_op.drop_index("ix_services_survey_sent_at_survey_due_at")
    op.drop_table("services")
    with op.batch_alter_table("survey_links", schema=None) as batch_op:
        batch_op.drop_column("opened_at")
        batch_op.drop_column("sent_at")
    op.execute("ALTER TABLE clients DROP COLUMN unsubscribed_at")
    op.execute("ALTER TABLE clients DROP COLUMN locale")
