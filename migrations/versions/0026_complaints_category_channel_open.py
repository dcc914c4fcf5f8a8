"""complaints (category_id, is_open, due_at, id) and (channel, is_open, due_at, id): the open list
of one category or one channel

The open list of a category or a channel walked the whole list's index testing each row: a
category with no open complaint, or a channel nobody uses, read all 300,000 open complaints at a
million, 144 ms a page. By deadline these indexes give the list's page in order; listed by
opening they count a category's open complaints, and a rare one's page is cut from its rows.

Revision ID: 0026
Revises: 0025
"""

from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_complaints_category_id_is_open_due_at",
        "complaints",
        ["category_id", "is_open", "due_at", "id"],
    )
    op.create_index(
        "ix_complaints_channel_is_open_due_at", "complaints", ["channel", "is_open", "due_at", "id"]
    )


def downgrade():
    op.drop_index("ix_complaints_channel_is_open_due_at", table_name="complaints")
    op.drop_index("ix_complaints_category_id_is_open_due_at", table_name="complaints")
