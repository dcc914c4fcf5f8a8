"""outbox_messages and mail_messages: (status, id), the admin pages' order

An outbox page of one status walked every message newest first, testing each one's status (a
status of a few among a million sent read them all), and counted every message of every status
on each visit. With this index a status's page stops after a page, and each status is counted
up to a bound (``core.outbox.COUNTED_UP_TO``) over its own range.

Revision ID: 0024
Revises: 0023
"""

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

TABLES = ("outbox_messages", "mail_messages")


def upgrade():
    for table in TABLES:
        op.create_index(f"ix_{table}_status_id", table, ["status", "id"])


def downgrade():
    for table in TABLES:
        op.drop_index(f"ix_{table}_status_id", table_name=table)
