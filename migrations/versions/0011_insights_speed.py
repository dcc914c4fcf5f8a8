"""bounded reads at a million complaints: the board's follow-ups walk (team, status, due) in
order; ratings counted per quarter hour and score (rating_slots) for Insights

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

SCORES = (1, 2, 3, 4, 5)


def _fill_sql(dialect: str) -> str:
    """Count the ratings already there per quarter hour (as ``complaints.rollups`` does)."""
    if dialect == "postgresql":
        slot = "date_bin('15 minutes', received_at, TIMESTAMPTZ '2000-01-01 00:00:00+00')"
    else:  # stored as 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC
        slot = (
            "substr(received_at, 1, 14) || printf('%02d', "
            "(CAST(substr(received_at, 15, 2) AS INTEGER) / 15) * 15) || ':00.000000'"
        )
    sums = ", ".join(f"sum(CASE WHEN score = {s} THEN 1 ELSE 0 END)" for s in SCORES)
    columns = "slot_at, score_1, score_2, score_3, score_4, score_5"
    select = f"SELECT {slot}, {sums} FROM ratings GROUP BY {slot}"
    return f"INSERT INTO rating_slots ({columns}) {select}"


revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    # The stand-up's "follow-ups due" reads the first few per (team, status) in deadline order and
    # stops: an index range per pair instead of sorting every open complaint of the team.
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.create_index(
            "ix_complaints_team_id_status_due_at", ["team_id", "status", "due_at", "id"]
        )
    # Insights counts ratings from this rollup (kept current with every rating); filled here from
    # the ratings already there.
    op.create_table(
        "rating_slots",
        sa.Column("slot_at", sa.DateTime(timezone=True), nullable=False),
        *[
            sa.Column(f"score_{score}", sa.Integer(), nullable=False, server_default="0")
            for score in SCORES
        ],
        sa.PrimaryKeyConstraint("slot_at", name=op.f("pk_rating_slots")),
    )
    bind = op.get_bind()
    bind.exec_driver_sql(_fill_sql(bind.dialect.name))  # driver SQL: its ":00" is no parameter


def downgrade():
    op.drop_table("rating_slots")
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_index("ix_complaints_team_id_status_due_at")
