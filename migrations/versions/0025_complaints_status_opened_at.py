"""complaints (status, opened_at, id): the API list of one status, newest first

``GET /api/v1/complaints?status=resolved`` found the status's complaints on ``(status, due_at)``
and sorted all of them by date to send the newest 50: 2.5 s at a million complaints (700k
resolved), 1.1 s for "contacting" (300k). This index is walked in the list's order and left after
one page, with or without a cursor.

Revision ID: 0025
Revises: 0024
"""

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_complaints_status_opened_at", "complaints", ["status", "opened_at", "id"])


def downgrade():
    op.drop_index("ix_complaints_status_opened_at", table_name="complaints")
