"""audit_events: the audit page walks an index newest first for each of its filters

The page sorted every event to show the newest 50 (a scan of the whole trail, which every write
grows), and read every event twice more for its menus' DISTINCT kinds and actions (those now come
from the labels in the code). Each filter (none or the days alone, a kind, a kind's action, a
person) now has an index in the page's order; the person's replaces the plain ``actor_id`` one,
which it also serves for the foreign key.

Revision ID: 0023
Revises: 0022
"""

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_audit_events_at": ["at", "id"],
    "ix_audit_events_entity_type_at": ["entity_type", "at", "id"],
    "ix_audit_events_entity_type_action_at": ["entity_type", "action", "at", "id"],
    "ix_audit_events_actor_id_at": ["actor_id", "at", "id"],
}


def upgrade():
    op.drop_index("ix_audit_events_actor_id", table_name="audit_events")
    for name, columns in INDEXES.items():
        op.create_index(name, "audit_events", columns)


def downgrade():
    for name in INDEXES:
        op.drop_index(name, table_name="audit_events")
    op.create_index("ix_audit_events_actor_id", "audit_events", ["actor_id"])
