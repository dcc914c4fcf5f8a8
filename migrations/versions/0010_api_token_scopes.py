"""api_tokens.scopes and expires_at: what a token may do, and until when

Existing tokens get every scope, so the systems using them keep working.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# Every scope as it was when this revision was written (not imported: migrations stay frozen).
ALL_SCOPES = (
    "ratings:write complaints:read complaints:write surveys:write wishes:write standups:read"
)


def upgrade():
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("scopes", sa.String(400), nullable=False, server_default=ALL_SCOPES)
        )
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
        batch_op.drop_column("scopes")
