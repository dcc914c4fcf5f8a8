"""The migrations and the models describe the same schema, on SQLite and PostgreSQL."""

import json

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from core.database import described_by_models
from core.extensions import db
from tests.support.app import make_app


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
