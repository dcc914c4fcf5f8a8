"""The migrations and the models describe the same schema, on SQLite and PostgreSQL."""

import json

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from complaints.models import Complaint, Rating
from core.database import described_by_models
from core.extensions import db
from tests.support.app import make_app
from tests.support.queries import count_statements, generic_plan_of


def test_models_and_migrations_agree(database_url):
    app = make_app(database_url)
    with app.app_context():
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_name": described_by_models}
            )
            diff = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert diff == []


def test_upgrade_and_downgrade_run_on_an_empty_database(make_database_url):
    url = make_database_url()
    app = make_app(url)
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        upgrade()
        tables = set(db.inspect(db.engine).get_table_names())
        db.engine.dispose()
    assert {"users", "teams", "alembic_version"} <= tables


def test_generated_complaint_titles_become_data_and_come_back(make_database_url):
    """0015 turns the English "Rated N/5: words" Huddle stored into a kind, the score and the
    client's words; its downgrade writes the English title again."""

    app = make_app(make_database_url())
    insert = sa.text(
        "INSERT INTO complaints (id, client_id, summary, channel, status, opened_at, due_at, "
        "checklist_done, version) VALUES (:id, 1, :summary, 'api', 'new', :at, :at, '[]', 1)"
    )
    with app.app_context():
        upgrade(revision="0014")
        with db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO clients (id, external_id, name, created_at) "
                    "VALUES (1, 'c-1', 'Ana', :at)"
                ),
                {"at": "2026-01-01 00:00:00+00:00"},
            )
            for complaint_id, summary in ((1, "Rated 2/5: Frio"), (2, "Rated 1/5"), (3, "Late")):
                connection.execute(
                    insert,
                    {"id": complaint_id, "summary": summary, "at": "2026-01-01 00:00:00+00:00"},
                )
        upgrade(revision="0015")
        read = sa.text("SELECT summary, summary_kind, summary_params FROM complaints ORDER BY id")
        with db.engine.connect() as connection:
            rows = [
                (summary, kind, params if isinstance(params, dict | None) else json.loads(params))
                for summary, kind, params in connection.execute(read)
            ]
        assert rows == [
            ("Frio", "rated", {"score": 2}),
            ("", "rated", {"score": 1}),
            ("Late", None, None),
        ]
        downgrade(revision="0014")
        with db.engine.connect() as connection:
            back = connection.execute(sa.text("SELECT summary FROM complaints ORDER BY id"))
            assert [row[0] for row in back] == ["Rated 2/5: Frio", "Rated 1/5", "Late"]
        db.engine.dispose()


# --- 0020: the ratings of a complaint, a partial index ---------------------------------------


def _definition_of(connection, index: str) -> str:
    """The index's CREATE statement as the database keeps it."""
    if connection.dialect.name == "sqlite":
        query = "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :name"
    else:
        query = "SELECT indexdef FROM pg_indexes WHERE indexname = :name"
    return connection.execute(sa.text(query), {"name": index}).scalar_one()


def test_ratings_by_complaint_are_a_partial_index_on_both_databases(app):
    """Migration 0020: only ratings with a complaint are in ``ix_ratings_complaint_id`` (an
    import's past ratings, which have none, no longer grow it); its downgrade puts the full
    index back and its upgrade the partial one again."""
    with app.app_context():
        definition = _definition_of(db.session.connection(), "ix_ratings_complaint_id")
    words = " ".join(definition.replace("(", " ").replace(")", " ").split()).upper()
    assert words.endswith("RATINGS COMPLAINT_ID WHERE COMPLAINT_ID IS NOT NULL") or words.endswith(
        "RATINGS USING BTREE COMPLAINT_ID WHERE COMPLAINT_ID IS NOT NULL"
    )


def test_migration_0020_goes_down_to_the_full_index_and_up_again(make_database_url):
    app = make_app(make_database_url())
    with app.app_context():
        upgrade(revision="0020")
        downgrade(revision="0019")
        with db.engine.connect() as connection:
            full = _definition_of(connection, "ix_ratings_complaint_id")
        upgrade(revision="0020")
        with db.engine.connect() as connection:
            partial = _definition_of(connection, "ix_ratings_complaint_id")
        db.engine.dispose()
    assert "WHERE" not in full.upper() and "IS NOT NULL" in partial.upper()


def _plan(connection, statement: str, parameters) -> str:
    if connection.dialect.name == "sqlite":
        rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        return "\n".join(row[-1] for row in rows)
    return generic_plan_of(connection, statement, parameters)


# A foreign key's check when a complaint goes (or its id changes): the statement PostgreSQL's
# RI_FKey_noaction_del prepares; SQLite's own check is compiled into the DELETE (below).
PG_FOREIGN_KEY_CHECK = (
    'SELECT 1 FROM ONLY "public"."ratings" x WHERE %(key)s OPERATOR(pg_catalog.=) '
    '"complaint_id" FOR KEY SHARE OF x'
)


def test_every_lookup_of_a_complaints_ratings_uses_the_partial_index(app, make_complaint):
    """A reader names complaints (``= ?``, ``IN (…)``, a join to ``complaints.id``, the foreign
    key's check), which neither database can match with a NULL: both prove ``complaint_id IS NOT
    NULL`` from the statement's text with the values bound as the app binds them (PostgreSQL: in
    a generic plan, which knows no value), so the partial index serves every one of them."""
    complaint = make_complaint()
    statements = {
        "equal": sa.select(Rating.id).where(Rating.complaint_id == complaint.id),
        "in": sa.select(Rating.id, Rating.complaint_id).where(
            Rating.complaint_id.in_([complaint.id, complaint.id + 1])
        ),
        "join": sa.select(Rating.id)
        .select_from(Complaint)
        .join(Rating, Complaint.id == Rating.complaint_id)
        .where(Complaint.id == complaint.id),
        "join, no value": sa.select(Rating.id)  # as unclaimed_low_ratings may be planned
        .select_from(Complaint)
        .join(Rating, Complaint.id == Rating.complaint_id)
        .where(Complaint.owner_id.is_(None)),
    }
    with app.app_context():
        connection = db.session.connection()
        plans = {}
        for name, statement in statements.items():
            with count_statements(app) as counter:
                db.session.execute(statement).all()
            plans[name] = _plan(connection, counter.statements[-1], counter.parameters[-1])
        if connection.dialect.name == "postgresql":
            plans["foreign key"] = generic_plan_of(
                connection, PG_FOREIGN_KEY_CHECK, {"key": complaint.id}
            )
        else:
            plans["foreign key"] = _sqlite_delete_reads(connection)
    for name, plan in plans.items():
        assert "ix_ratings_complaint_id" in plan, (name, plan)
        assert "Seq Scan on ratings" not in plan and "SCAN ratings" not in plan, (name, plan)


def _sqlite_delete_reads(connection) -> str:
    """The indexes SQLite's ``DELETE FROM complaints`` opens to check the foreign keys that point
    at it (its compiled program opens each by its root page): a partial index it could not use
    would show as a read of the ``ratings`` table itself."""
    roots = dict(
        connection.exec_driver_sql("SELECT rootpage, name FROM sqlite_master WHERE rootpage").all()
    )
    program = connection.exec_driver_sql("EXPLAIN DELETE FROM complaints WHERE id = ?", (0,))
    opened = [roots.get(row[3]) for row in program if row[1] == "OpenRead"]
    return "\n".join(name for name in opened if name and name.startswith(("ix_ratings", "ratings")))
