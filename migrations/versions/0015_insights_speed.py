"""bounded reads at a million complaints: the board's follow-ups walk (team, status, due) in order

Revision ID: 0015
Revises: 0009
"""

from alembic import op

revision = "0015"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    # The stand-up's "follow-ups due" reads the first few per (team, status) in deadline order and
    # stops: an index range per pair instead of sorting every open complaint of the team.
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.create_index(
            "ix_complaints_team_id_status_due_at", ["team_id", "status", "due_at", "id"]
        )


def downgrade():
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_index("ix_complaints_team_id_status_due_at")
