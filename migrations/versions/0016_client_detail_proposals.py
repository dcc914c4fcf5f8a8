"""client_detail_proposals: details public input gave for a known client, held for staff (#12)

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "client_detail_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=10), nullable=False),
        sa.Column("value", sa.String(length=254), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_client_detail_proposals_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_client_detail_proposals_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_detail_proposals")),
    )
    op.create_index(
        "ix_client_detail_proposals_client_id", "client_detail_proposals", ["client_id"]
    )


def downgrade():
    op.drop_index("ix_client_detail_proposals_client_id", table_name="client_detail_proposals")
    op.drop_table("client_detail_proposals")
