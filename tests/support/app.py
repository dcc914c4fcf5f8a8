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
