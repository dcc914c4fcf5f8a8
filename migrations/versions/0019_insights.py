"""Insights counts each channel and each category in a period over its own index range

The page counted complaints opened per channel and per category with a ``GROUP BY`` over every
complaint of both periods (SQLite sorts them all for it). With an index that leads with the
channel (the category) and then the opening time, each (channel, period) is one range count. They
replace the single-column indexes on ``channel`` and ``category_id``, which they also serve.

Revision ID: 0019
Revises: 0018
"""

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_complaints_insights_channel": ("ix_complaints_channel", "channel"),
    "ix_complaints_insights_category": ("ix_complaints_category_id", "category_id"),
}


def upgrade():
    for name, (old, column) in INDEXES.items():
        op.create_index(name, "complaints", [column, "opened_at", "team_id"])
        op.drop_index(old, table_name="complaints")


def downgrade():
    for name, (old, column) in INDEXES.items():
        op.create_index(old, "complaints", [column])
        op.drop_index(name, table_name="complaints")
