"""Configuration from HUDDLE_* variables, and refusing to start with settings that would bite later."""

import pytest
import sqlalchemy as sa

from core.config import ConfigError
from core.extensions import db
from dashboard import create_app


@pytest.fixture(autouse=True)
def base_url(monkeypatch):
    """Production needs HUDDLE_BASE_URL; these tests are about the other settings."""
    monkeypatch.setenv("HUDDLE_BASE_URL", "https://huddle.example.com")


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
        ("HUDDLE_ENV", "prod", "HUDDLE_ENV must be production .the default. or development"),
        ("HUDDLE_BASE_URL", "huddle.example.com", "HUDDLE_BASE_URL must be .* with http://"),
        ("HUDDLE_BASE_URL", "localhost:8000", "HUDDLE_BASE_URL must be .* with http://"),
        ("HUDDLE_BASE_URL", "ftp://huddle.example.com", "HUDDLE_BASE_URL must be"),
        ("HUDDLE_DATABASE_URL", "mysql://huddle@db/huddle", "must be a PostgreSQL or SQLite URL"),
        ("HUDDLE_DATABASE_URL", "huddle.sqlite3", "HUDDLE_DATABASE_URL is not a database URL"),
        ("HUDDLE_DATABASE_URL", "postgresql+psycopg2://db/h", "without naming a driver"),
        ("HUDDLE_MAIL_URL", "smtp://", "HUDDLE_MAIL_URL must name the SMTP server"),
        ("HUDDLE_MAIL_URL", "smtp://me:p@ss@mail:x", "HUDDLE_MAIL_URL must name the SMTP server"),
        ("HUDDLE_MAIL_FROM", "ACME Support", "HUDDLE_MAIL_FROM must be an e-mail address"),
        ("HUDDLE_WORK_HOURS", "8-18", "HUDDLE_WORK_HOURS must be .* HH:MM-HH:MM"),
        ("HUDDLE_WORK_HOURS", "18:00-08:00", "HUDDLE_WORK_HOURS must be"),
        ("HUDDLE_DIGEST_TIME", "8am", "HUDDLE_DIGEST_TIME must be a time of day as HH:MM"),
        ("HUDDLE_DIGEST_TIMEZONE", "Mars/Base", "HUDDLE_DIGEST_TIMEZONE must be a timezone"),
        ("HUDDLE_CLAIM_MINUTES", "soon", "HUDDLE_CLAIM_MINUTES must be a whole number"),
        ("HUDDLE_SLACK_MAX_ATTEMPTS", "0", "HUDDLE_SLACK_MAX_ATTEMPTS must be a whole number"),
        ("HUDDLE_SLACK_BOT_TOKEN", "xoxp-1-2-3", "HUDDLE_SLACK_BOT_TOKEN must be the app's bot"),
    ],
)
def test_bad_settings_are_refused_at_start(monkeypatch, variable, value, message):
    monkeypatch.setenv("HUDDLE_SECRET_KEY", "x" * 32)
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=message):
        create_app()


def test_production_without_a_base_url_stops_instead_of_mailing_links_to_this_machine(
    monkeypatch,
):
    monkeypatch.setenv("HUDDLE_SECRET_KEY", "x" * 32)
    monkeypatch.delenv("HUDDLE_BASE_URL")
    with pytest.raises(ConfigError, match="HUDDLE_BASE_URL is not set"):
        create_app()
    monkeypatch.setenv("HUDDLE_ENV", "development")
    assert create_app().config["BASE_URL"] == "http://127.0.0.1:5000"


def test_a_refused_database_url_does_not_repeat_its_password(monkeypatch):
    monkeypatch.setenv("HUDDLE_SECRET_KEY", "x" * 32)
    monkeypatch.setenv("HUDDLE_DATABASE_URL", "mysql://huddle:sesame-4711@db/huddle")
    with pytest.raises(ConfigError) as refused:
        create_app()
    assert "sesame-4711" not in str(refused.value)


def test_good_mail_and_slack_settings_are_accepted(monkeypatch):
    monkeypatch.setenv("HUDDLE_SECRET_KEY", "x" * 32)
    monkeypatch.setenv("HUDDLE_MAIL_URL", "smtp+starttls://me:p%40ss@mail.example.com:587")
    monkeypatch.setenv("HUDDLE_MAIL_FROM", "ACME Support <support@example.com>")
    monkeypatch.setenv("HUDDLE_WORK_HOURS", "07:30-19:00")
    monkeypatch.setenv("HUDDLE_DIGEST_TIME", "07:45")
    monkeypatch.setenv("HUDDLE_SLACK_BOT_TOKEN", "xoxb-1-2-3")
    app = create_app()
    assert app.config["WORK_HOURS"] == "07:30-19:00" and app.config["DIGEST_TIME"] == "07:45"


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


def test_production_refuses_to_start_without_its_built_assets(monkeypatch):
    """A checkout started without ``make assets catalogues`` served pages without styles or
    htmx and in English only, and said nothing."""
    monkeypatch.setenv("HUDDLE_SECRET_KEY", "x" * 32)
    assert create_app().config["ENV_NAME"] == "production"  # this checkout has them built
    monkeypatch.setattr("core.config.BUILT_ASSETS", ("vendor/not-built.js",))
    with pytest.raises(ConfigError, match=r"front-end files are missing .*run `make assets`"):
        create_app()
    monkeypatch.setenv("HUDDLE_ENV", "development")
    assert create_app().config["ENV_NAME"] == "development"


def test_production_refuses_to_start_with_a_catalogue_not_compiled(monkeypatch):
    monkeypatch.setenv("HUDDLE_SECRET_KEY", "x" * 32)
    with pytest.raises(ConfigError, match=r"translations are not compiled .*`make catalogues`"):
        create_app({"LANGUAGES": ["en", "pt_BR", "xx"]})
