"""clients.email_lower (the database's lower(email)) with a plain index: a caller found by e-mail

A caller or a public message is matched to the client we know by e-mail in any case, else by
phone (``core.clients``). The lookup compared ``lower(email)`` and ``lower(phone)``, which no
index answers: every new client's lookup read every client (56 ms each on 500k clients, inside
the write lock of the request). ``email_lower`` is a generated column (virtual on SQLite, stored
on PostgreSQL, as ``complaints.is_open``: an expression index cannot be reflected by SQLite's
batch migrations); the phone is compared as typed on its own index.

Revision ID: 0022
Revises: 0021
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE on SQLite too: a batch copy of ``clients`` would drop the triggers that
    # keep its search table (migration 0012).
    persisted = True if op.get_bind().dialect.name == "postgresql" else None
    computed = sa.Computed("lower(email)", persisted=persisted)
    op.add_column("clients", sa.Column("email_lower", sa.String(254), computed))
    op.create_index("ix_clients_email_lower", "clients", ["email_lower"])


def downgrade():
    op.drop_index("ix_clients_email_lower", table_name="clients")
    op.drop_column("clients", "email_lower")
