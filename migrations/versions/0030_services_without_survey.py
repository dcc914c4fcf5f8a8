"""services.survey_due_at may be null: a service completed too long ago asks no survey

``POST /api/v1/services`` with a completion of last year mailed a survey at once and its reminder
two days later. A service completed more than ``HUDDLE_SURVEY_MAX_AGE_DAYS`` ago (when told, or
when its survey was due) is still recorded, with no survey due.

Revision ID: 0030
Revises: 0029
"""

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.alter_column(
            "survey_due_at", existing_type=sa.DateTime(timezone=True), nullable=True
        )


def downgrade():
    # A service with no survey gets its completion back as the due time: it is long past, and
    # the survey job of that version would then mail it, so it is marked handled as well.
    op.execute(
        "UPDATE services SET survey_due_at = completed_at, "
        "survey_sent_at = COALESCE(survey_sent_at, created_at) WHERE survey_due_at IS NULL"
    )
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.alter_column(
            "survey_due_at", existing_type=sa.DateTime(timezone=True), nullable=False
        )
