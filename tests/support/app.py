"""Building the app for tests, and migrating a fresh database the way production does."""

from flask_migrate import upgrade

from core.extensions import db
from dashboard import create_app
from tests.support.web import CsrfClient

BASE_CONFIG = {"TESTING": True, "ENV_NAME": "testing", "SECRET_KEY": "test-secret-key"}


def make_app(database_url: str, **overrides):
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, **overrides})
    app.test_client_class = CsrfClient
    return app


def migrate(database_url: str) -> None:
    app = make_app(database_url)
    with app.app_context():
        upgrade()
        db.engine.dispose()


def production_app(database_url: str):
    """The app as production builds it, not as a test: ``core.schema``'s 503 is on (tests migrate
    their databases first, so it is off under TESTING)."""
    config = {"SECRET_KEY": "p" * 40, "BASE_URL": "https://h.example"}
    return create_app({**config, "SQLALCHEMY_DATABASE_URI": database_url})
