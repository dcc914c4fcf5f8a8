"""the unowned open complaints in opening order: a partial index for the digest and Today

``WHERE owner_id IS NULL`` is a condition SQLite and PostgreSQL can prove from the query's own text
(no bound value needed), so both walk it in ``(opened_at, id)`` order and stop after one section;
PostgreSQL otherwise filtered the whole opening-date index for the few unowned ones.

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

NAME = "ix_complaints_unowned_is_open_opened_at"


def upgrade():
    unowned = sa.text("owner_id IS NULL")
    op.create_index(
        NAME,
        "complaints",
        ["is_open", "opened_at", "id"],
        postgresql_where=unowned,
        sqlite_where=unowned,
    )


def downgrade():
    op.drop_index(NAME, table_name="complaints")
