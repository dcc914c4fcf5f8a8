"""Insights in milliseconds: each complaint's milestones stored (first reached, rated again,
seconds to reach) and covering indexes for the complaints opened and resolved, and the surveys
mailed, in a period

Insights probed ``contacts`` and ``ratings`` once per complaint on every request (tens of
thousands of probes for a year). The two milestones it looked for now live on the complaint,
kept by ``complaints.milestones``; here they are filled in SQL for the complaints already there.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

# As ``complaints.models.REACHED_OUTCOMES`` and ``complaints.milestones.KEPT_SCORE_MIN`` were
# when this was written (a migration keeps its own copy).
BACKFILL = (
    "UPDATE complaints SET "
    "first_reached_at = (SELECT min(contacts.at) FROM contacts "
    "WHERE contacts.complaint_id = complaints.id "
    "AND contacts.outcome IN ('reached', 'resolved')), "
    "rated_again_at = (SELECT min(ratings.received_at) FROM ratings "
    "WHERE ratings.client_id = complaints.client_id "
    "AND ratings.received_at > complaints.resolved_at AND ratings.score >= 4)"
)
# Whole seconds from opening to the first reaching contact, as ``milestones.seconds_between``.
REACH_SECONDS = {
    "postgresql": "CAST(round(extract(epoch FROM first_reached_at - opened_at)) AS INTEGER)",
    "sqlite": "CAST(round((julianday(first_reached_at) - julianday(opened_at)) * 86400.0) "
    "AS INTEGER)",
}
INDEXES = {
    "ix_complaints_insights_opened": [
        "opened_at",
        "team_id",
        "channel",
        "category_id",
        "due_at",
        "first_reached_at",
        "reach_seconds",
    ],
    "ix_complaints_insights_resolved": [
        "resolved_at",
        "team_id",
        "client_outcome",
        "first_reached_at",
        "rated_again_at",
    ],
}


def upgrade():
    # Plain ALTER TABLE ... ADD COLUMN: a batch copy would rebuild ``complaints`` (and its
    # search triggers) for two nullable columns.
    op.add_column("complaints", sa.Column("first_reached_at", sa.DateTime(timezone=True)))
    op.add_column("complaints", sa.Column("rated_again_at", sa.DateTime(timezone=True)))
    op.add_column("complaints", sa.Column("reach_seconds", sa.Integer()))
    op.execute(BACKFILL)
    seconds = REACH_SECONDS[op.get_bind().dialect.name]
    op.execute(
        f"UPDATE complaints SET reach_seconds = {seconds} WHERE first_reached_at IS NOT NULL"
    )
    for name, columns in INDEXES.items():
        op.create_index(name, "complaints", columns)
    op.create_index("ix_survey_links_insights_sent", "survey_links", ["sent_at", "used_at"])


def downgrade():
    op.drop_index("ix_survey_links_insights_sent", table_name="survey_links")
    for name in INDEXES:
        op.drop_index(name, table_name="complaints")
    for column in ("reach_seconds", "rated_again_at", "first_reached_at"):
        op.execute(f"ALTER TABLE complaints DROP COLUMN {column}")
