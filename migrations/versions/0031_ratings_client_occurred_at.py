"""ratings (client_id, occurred_at, score): the CSV import finds a rating Huddle already holds

The same file imported twice, or two exports that overlap, stored their ratings twice and Insights
counted them twice. The import now skips a line whose rating is stored (same client, instant,
score and order reference: ``complaints.intake.csv_stored``), asking once per line of a known
client; this index lets each ask seek to the client's ratings of that instant and score (the
other index on the client is by ``received_at``, which a rating sent by the API or a survey does
not share with its ``occurred_at``). The order reference, up to 120 characters, is read from the
one row found rather than kept in the index every insert maintains; the score, four bytes, is in
it so that the seek covers every condition it can (PostgreSQL's generic plan took the index on
``(client_id, received_at, score)`` for ``client_id`` and ``score`` over a two-column one).

Revision ID: 0031
Revises: 0030
"""

from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_ratings_client_id_occurred_at", "ratings", ["client_id", "occurred_at", "score"]
    )


def downgrade():
    op.drop_index("ix_ratings_client_id_occurred_at", table_name="ratings")
