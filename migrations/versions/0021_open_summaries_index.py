"""PostgreSQL: the summaries' trigram index holds the open complaints only

Only the open list searches summaries, and every one of its reads of the matches says the
complaint is open. GIN answers a trigram with every row holding it, open or not, and each was
fetched and tested again before the open condition dropped seven in ten: "Complaint 13" at a
million read 21,311 rows of " 13" for 6,392 open ones (22.5 ms of SQL; with this index 13.3 ms).
A partial index of the open rows is a third of the size, so writes keep it for less. Its
condition is the expression the reads of the matches already carry, ``CAST(is_open AS INTEGER) =
1`` with the 1 written in the SQL (``complaints.listing._open_matches``): a plan for any bound
value (a statement prepared and run often) still proves it, and no other index serves it, so the
open condition cannot lead the planner to walk an "open" index instead (plain ``is_open`` did, on a
small table). SQLite's FTS5 table has no condition and is left as it is.

Revision ID: 0021
Revises: 0020
"""

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

OLD, NEW = "fts_complaint_summaries", "fts_open_complaint_summaries"
OPEN = "CAST(is_open AS INTEGER) = 1"


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP INDEX {OLD}")
    op.execute(f"CREATE INDEX {NEW} ON complaints USING gin (summary gin_trgm_ops) WHERE {OPEN}")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP INDEX {NEW}")
    op.execute(f"CREATE INDEX {OLD} ON complaints USING gin (summary gin_trgm_ops)")
