"""Client directory and merges (client_aliases, search indexes); call attempts on wish callbacks

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "client_aliases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=120), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("former_client_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("merged_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_client_aliases_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["merged_by_id"], ["users.id"], name=op.f("fk_client_aliases_merged_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_aliases")),
        sa.UniqueConstraint("external_id", name=op.f("uq_client_aliases_external_id")),
    )
    op.create_index("ix_client_aliases_client_id", "client_aliases", ["client_id"])
    op.create_index("ix_client_aliases_former_client_id", "client_aliases", ["former_client_id"])
    op.create_index("ix_clients_name", "clients", ["name", "id"])
    op.create_index("ix_clients_email", "clients", ["email"])
    op.create_index("ix_clients_phone", "clients", ["phone"])
    with op.batch_alter_table("wish_callbacks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("last_outcome", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("next_try_on", sa.Date(), nullable=True))
    # A callback logged before attempts were counted was one call that reached the client.
    op.execute(
        "UPDATE wish_callbacks SET attempts = 1, last_outcome = 'reached' WHERE done_at IS NOT NULL"
    )


def downgrade():
    with op.batch_alter_table("wish_callbacks", schema=None) as batch_op:
        batch_op.drop_column("next_try_on")
        batch_op.drop_column("last_outcome")
        batch_op.drop_column("attempts")
    op.drop_index("ix_clients_phone", table_name="clients")
    op.drop_index("ix_clients_email", table_name="clients")
    op.drop_index("ix_clients_name", table_name="clients")
    op.drop_index("ix_client_aliases_former_client_id", table_name="client_aliases")
    op.drop_index("ix_client_aliases_client_id", table_name="client_aliases")
    op.drop_table("client_aliases")
