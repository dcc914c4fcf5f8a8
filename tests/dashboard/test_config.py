"""Configuration from HUDDLE_* variables, and refusing to start with settings that would bite later."""

import pytest
import sqlalchemy as sa

from core.config import ConfigError
from core.extensions import db
from dashboard import create_app


def test_production_without_secret_key_stops_with_a_clear_message(monkeypatch, tmp_path):
    monkeypatch.delenv("HUDDLE_SECRET_KEY", raising=False)
    monkeypatch.setenv("HUDDLE_ENV", "production")
    with pytest.raises(ConfigError, match="HUDDLE_SECRET_KEY is not set"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})


def test_development_generates_one_secret_and_keeps_it(monkeypatch, tmp_path):
    monkeypatch.delenv("HUDDLE_SECRET_KEY", raising=False)
    monkeypatch.setenv("HUDDLE_ENV", "development")
    monkeypatch.setenv("HUDDLE_DATABASE_URL", f"sqlite:///{tmp_path}/x.db")
    first = create_app()
    second = create_app()
    assert len(first.config["SECRET_KEY"]) == 64
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert first.config["SESSION_COOKIE_SECURE"] is False


def test_environment_variables_configure_the_app(monkeypatch, tmp_path):
    monkeypatch.setenv("HUDDLE_SECRET_KEY", "from-env-" + "k" * 32)
    monkeypatch.setenv("HUDDLE_DATABASE_URL", "postgres://u@db.internal/huddle")
    monkeypatch.setenv("HUDDLE_LOW_RATING_MAX", "3")
    monkeypatch.setenv("HUDDLE_WISH_REVIEW_DAY", "Thursday")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-env-" + "k" * 32
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.internal/huddle"
    assert app.config["LOW_RATING_MAX"] == 3
    assert app.config["WISH_REVIEW_DAY"] == "thursday"
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_default_database_is_sqlite_in_the_instance_folder(monkeypatch):
    monkeypatch.setenv("HUDDLE_SECRET_KEY", "x" * 32)
    monkeypatch.delenv("HUDDLE_DATABASE_URL", raising=False)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("instance/huddle.sqlite3")


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("HUDDLE_WISH_REVIEW_DAY", "someday", "HUDDLE_WISH_REVIEW_DAY must be one of"),
        ("HUDDLE_LOW_RATING_MAX", "9", "HUDDLE_LOW_RATING_MAX must be a whole number from 1 to 4"),
        ("HUDDLE_FOLLOW_UP_HOURS", '"soon"', "HUDDLE_FOLLOW_UP_HOURS must be a whole number"),
        ("HUDDLE_SURVEY_MAX_AGE_DAYS", "0", "HUDDLE_SURVEY_MAX_AGE_DAYS must be a whole number"),
    ],
)
def test_bad_settings_are_refused_at_start(monkeypatch, variable, value, message):
    monkeypatch.setenv("HUDDLE_SECRET_KEY", "x" * 32)
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=message):
        create_app()


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x" * 32,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/w.db",
        }
    )
    with app.app_context():
        with db.engine.connect() as connection:
            assert connection.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(sa.text("PRAGMA busy_timeout")).scalar() == 10000
            assert connection.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
        db.engine.dispose()


@pytest.mark.parametrize(
    ("url", "pings"),
    [("sqlite:///{tmp}/p.db", False), ("postgres://huddle@localhost/huddle", True)],
)
def test_only_a_database_server_is_pinged_before_each_request(tmp_path, url, pings):
    """A server may drop a pooled connection (a restart); a SQLite file cannot, so the ping would
    be a statement more on every request for nothing."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x" * 32,
            "SQLALCHEMY_DATABASE_URI": url.format(tmp=tmp_path),
        }
    )
    with app.app_context():
        assert db.engine.pool._pre_ping is pings
        db.engine.dispose()
