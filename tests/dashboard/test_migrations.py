"""The migrations and the models describe the same schema, on SQLite and PostgreSQL."""

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
