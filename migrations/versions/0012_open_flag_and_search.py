"""complaints.is_open (computed from status) with plain indexes; search indexes for the open list

SQLite never used the partial "open" indexes: the app binds ``status IN (?, ?, ?, ?)`` and SQLite only
uses a partial index when literal values prove its condition. ``is_open`` is a generated column
(virtual on SQLite, stored on PostgreSQL, so existing rows get it at once) led by ordinary indexes.

Search (summary or client name contains the words, any case): SQLite FTS5 tables with the trigram
tokenizer kept by triggers, PostgreSQL pg_trgm GIN indexes. Every object is named ``fts_*``: the models
do not describe them (see ``core.database.described_by_models``).

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

OPEN_PREDICATE = "status IN ('new', 'contacting', 'resolving', 'reopened')"
NEW_INDEXES = {
    "ix_complaints_is_open_due_at": ["is_open", "due_at", "id"],
    "ix_complaints_is_open_opened_at": ["is_open", "opened_at", "id"],
    "ix_complaints_owner_id_is_open_due_at": ["owner_id", "is_open", "due_at"],
    "ix_complaints_owner_id_is_open_opened_at": ["owner_id", "is_open", "opened_at"],
}
OLD_PARTIAL_INDEXES = {
    "ix_complaints_open_due_at": ["due_at", "id"],
    "ix_complaints_open_owner_id_due_at": ["owner_id", "due_at"],
}
# (FTS table, indexed table, its text column): one trigram index per searched column.
SEARCHED = [
    ("fts_complaint_summaries", "complaints", "summary"),
    ("fts_client_names", "clients", "name"),
]


def _sqlite_search(table: str, source: str, column: str) -> list[str]:
    """An FTS5 trigram table holding ``source.column`` under the same rowid, kept by triggers.

    A later migration that rebuilds ``source`` in batch mode (copy and rename) drops these triggers
    with the old table and must create them again (the search tests would catch it).
    """
    return [
        f"CREATE VIRTUAL TABLE {table} USING fts5({column}, tokenize='trigram')",
        f"INSERT INTO {table}(rowid, {column}) SELECT id, {column} FROM {source}",
        f"CREATE TRIGGER {table}_insert AFTER INSERT ON {source} BEGIN "
        f"INSERT INTO {table}(rowid, {column}) VALUES (new.id, new.{column}); END",
        f"CREATE TRIGGER {table}_update AFTER UPDATE OF {column} ON {source} BEGIN "
        f"UPDATE {table} SET {column} = new.{column} WHERE rowid = new.id; END",
        f"CREATE TRIGGER {table}_delete AFTER DELETE ON {source} BEGIN "
        f"DELETE FROM {table} WHERE rowid = old.id; END",
    ]


def upgrade():
    dialect = op.get_bind().dialect.name
    for name in OLD_PARTIAL_INDEXES:
        op.drop_index(name, table_name="complaints")
    # Virtual on SQLite (a stored one cannot be added without rebuilding the table), stored on
    # PostgreSQL (indexable on every version).
    persisted = True if dialect == "postgresql" else None
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_open", sa.Boolean(), sa.Computed(OPEN_PREDICATE, persisted=persisted))
        )
    for name, columns in NEW_INDEXES.items():
        op.create_index(name, "complaints", columns)
    if dialect == "sqlite":
        for table, source, column in SEARCHED:
            for statement in _sqlite_search(table, source, column):
                op.execute(statement)
    elif dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for table, source, column in SEARCHED:
            op.execute(f"CREATE INDEX {table} ON {source} USING gin ({column} gin_trgm_ops)")


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for table, _source, _column in SEARCHED:
            for suffix in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER {table}_{suffix}")
            op.execute(f"DROP TABLE {table}")
    elif dialect == "postgresql":
        for table, _source, _column in SEARCHED:
            op.execute(f"DROP INDEX {table}")
    for name in NEW_INDEXES:
        op.drop_index(name, table_name="complaints")
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_column("is_open")
    for name, columns in OLD_PARTIAL_INDEXES.items():
        predicate = sa.text(OPEN_PREDICATE)
        op.create_index(
            name, "complaints", columns, postgresql_where=predicate, sqlite_where=predicate
        )
