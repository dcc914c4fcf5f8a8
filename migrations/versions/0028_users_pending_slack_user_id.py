"""users.pending_slack_user_id: a Slack id a person gave themselves waits for that Slack user's click

Set on one's own account, a Slack user id took effect at once, unproven: whoever held that Slack
account then acted in Slack as the person (their clicks and ``/standup``) and got their direct
messages. It now waits here until the Slack user confirms it with the button Huddle sends them.

Revision ID: 0028
Revises: 0027
"""

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pending_slack_user_id", sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("pending_slack_user_id")
