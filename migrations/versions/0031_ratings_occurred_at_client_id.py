"""ratings (occurred_at, client_id): the CSV import finds a rating Huddle already holds

The same file imported twice, or two exports that overlap, stored their ratings twice and Insights
counted them twice. The import now skips a line whose rating is stored (same client, instant,
score and order reference: ``complaints.intake.csv_stored``), asking once per line of a known
client; this index lets each ask seek to that client's ratings at that instant (the index on the
client is by ``received_at``, which a rating sent by the API or a survey does not share with its
``occurred_at``). Score and order reference are read from the one row found, so the index stays
two narrow columns for every insert to maintain. It leads with the instant: an import writes each
range of lines in time order, so its entries go in next to each other rather than all over a
client-ordered index (100k ratings appended to 200k, bare driver, medians of 3: SQLite 141k →
82k rows/s with ``(client_id, occurred_at)``, 151k → 116k with this one; PostgreSQL's ``COPY``
119k → 88k and 115k → 92k), and no query that names a client is offered a new index to choose.

Revision ID: 0031
Revises: 0030
"""

from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_ratings_occurred_at_client_id", "ratings", ["occurred_at", "client_id"])


def downgrade():
    op.drop_index("ix_ratings_occurred_at_client_id", table_name="ratings")
