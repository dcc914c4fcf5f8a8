"""ratings by complaint: a partial index of the ratings that have a complaint

Most ratings have no complaint (a high one never has; an imported past one opens none), and the
full index on ``ratings.complaint_id`` took an entry for every one of them: each CSV import added a
hundred thousand NULL entries nobody looks up. Every reader of the index asks for given complaints
(``complaint_id = ?``, ``IN (…)``, a join to ``complaints.id``, the foreign key's check when a
complaint's id changes or goes), which neither database can satisfy with a NULL, so both prove
``complaint_id IS NOT NULL`` from the query's own text and use this index as they used the full
one (``tests/dashboard/test_migrations.py`` asks both with the values bound as the app binds them).

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

NAME = "ix_ratings_complaint_id"


def upgrade():
    with_complaint = sa.text("complaint_id IS NOT NULL")
    op.drop_index(NAME, table_name="ratings")
    op.create_index(
        NAME,
        "ratings",
        ["complaint_id"],
        postgresql_where=with_complaint,
        sqlite_where=with_complaint,
    )


def downgrade():
    op.drop_index(NAME, table_name="ratings")
    op.create_index(NAME, "ratings", ["complaint_id"])
