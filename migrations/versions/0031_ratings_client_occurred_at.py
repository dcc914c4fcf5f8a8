"""ratings (client_id, occurred_at): the CSV import finds a rating Huddle already holds

The same file imported twice, or two exports that overlap, stored their ratings twice and Insights
counted them twice. The import now skips a line whose rating is stored (same client, instant,
score and order reference: ``complaints.intake.csv_stored``), asking once per line of a known
client; this index lets each ask seek to the client's ratings at that instant (the other index
on the client is by ``received_at``, which a rating sent by the API or a survey does not share
with its ``occurred_at``). Score and order reference are read from the one row it finds, so the
index stays two narrow columns for every insert to maintain (with the score as a third, it cost
more and PostgreSQL still preferred ``(client_id, received_at, score)`` for client and score: the
check compares ``score + 0``, which no index serves, so this one is the only one that matches two
columns).

Revision ID: 0031
Revises: 0030
"""

from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_ratings_client_id_occurred_at", "ratings", ["client_id", "occurred_at"])


def downgrade():
    op.drop_index("ix_ratings_client_id_occurred_at", table_name="ratings")
