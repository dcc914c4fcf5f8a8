"""Configuration: defaults, then ``HUDDLE_*`` environment variables, then the caller's overrides."""

import secrets
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

from babel.numbers import list_currencies
from flask import Flask
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

DEFAULTS = {
    "ENV_NAME": "production",
    # Where people reach Huddle; used for links made outside a request (jobs, Slack, the CLI).
    # Required outside development: a link mailed to a client must never point at this machine.
    "BASE_URL": None,
    # The name clients see on the public pages (survey, write to the head) instead of "Huddle".
    "COMPANY_NAME": "",
    "SLACK_BOT_TOKEN": None,
    "SLACK_SIGNING_SECRET": None,
    "SLACK_API_URL": "https://slack.com/api/",
    # E-mail (see core/mail): off without both; then messages wait in the outbox, previewable.
    "MAIL_URL": None,  # smtp://user:pass@host:port, smtp+starttls://…, smtps://…
    "MAIL_FROM": None,  # "ACME Support <support@example.com>": our clients see it too
    "MAIL_TIMEOUT_SECONDS": 10,
    # A PEM file of the CA(s) that sign the SMTP server's certificate (a private CA); else the
    # system's trusted CAs. Used by smtp+starttls:// and smtps://.
    "MAIL_CA_FILE": None,
    "MAIL_MAX_ATTEMPTS": 20,
    "MAIL_BACKOFF_BASE_SECONDS": 30,
    "MAIL_BACKOFF_MAX_SECONDS": 3600,
    "MAIL_PER_MINUTE": 60,
    "MAIL_DISPATCH_BUDGET_SECONDS": 8,
    # Client surveys after a service (POST /api/v1/services): first mail, then one reminder.
    "SURVEY_DELAY_MINUTES": 60,
    "SURVEY_REMINDER_HOURS": 48,
    # A service completed longer ago than this asks for no survey, nor a reminder: the client is
    # asked about a service they remember, never weeks later (an old service told, an outage).
    "SURVEY_MAX_AGE_DAYS": 30,
    "LOW_RATING_MAX": 2,
    "FOLLOW_UP_HOURS": 24,
    "WISH_THRESHOLD": 3,
    "WISH_REVIEW_DAY": "tuesday",
    # Login attempts per account from one address, and per address, within the window.
    "LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS": 5,
    "LOGIN_MAX_FAILURES_PER_ADDRESS": 20,
    "LOGIN_FAILURE_WINDOW_SECONDS": 15 * 60,
    "INVITE_MAX_AGE_SECONDS": 7 * 24 * 3600,
    "PASSWORD_RESET_MAX_AGE_SECONDS": 3600,
    # Languages with a catalogue in translations/ (English is the source language).
    "LANGUAGES": ["en", "pt_BR", "es", "ru"],
    "BABEL_DEFAULT_LOCALE": "en",
    "BABEL_DEFAULT_TIMEZONE": "UTC",
    # The one currency of this installation (ISO 4217): every amount is shown in it.
    "CURRENCY": "USD",
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    # None means "decide from the environment": secure everywhere but development and tests.
    "SESSION_COOKIE_SECURE": None,
    "REMEMBER_COOKIE_SECURE": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,
    # "Keep me logged in" lasts a month at most: a stolen remember cookie must not outlive that.
    "REMEMBER_COOKIE_DURATION": timedelta(days=30),
    # How many reverse proxies stand in front of Huddle; their X-Forwarded-For/-Proto are trusted.
    "TRUSTED_PROXIES": 0,
    "MAX_CONTENT_LENGTH": 32 * 1024 * 1024,
}


MIN_SECRET_LENGTH = 32
MAIL_SCHEMES = ("smtp", "smtp+starttls", "smtps")
ENVIRONMENTS = ("production", "development", "testing")
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"
# What a production install needs built beside the code (``make assets catalogues``): without them
# pages came unstyled and without htmx, and everyone read English, with no word in any log.
BUILT_ASSETS = ("vendor/htmx.min.js", "vendor/pico.min.css")
# The databases Huddle runs on (its SQL is written for both), by SQLAlchemy's driver name.
DATABASE_DRIVERS = ("pysqlite", "psycopg")


class ConfigError(RuntimeError):
    """Raised at start-up for configuration that would make the app misbehave later."""


def load_config(app: Flask, overrides: dict | None) -> None:
    app.config.update(DEFAULTS)
    app.config.from_prefixed_env("HUDDLE")
    if overrides:
        app.config.update(overrides)
    cfg = app.config
    # HUDDLE_ENV is the documented switch; from_prefixed_env stores it as ENV.
    cfg["ENV_NAME"] = str(cfg.pop("ENV", cfg["ENV_NAME"])).lower()
    if cfg["ENV_NAME"] not in ENVIRONMENTS:
        raise ConfigError(
            f"HUDDLE_ENV must be production (the default) or development, not {cfg['ENV_NAME']!r}"
        )
    development = cfg["ENV_NAME"] == "development"
    testing = cfg.get("TESTING", False)

    if not cfg.get("SQLALCHEMY_DATABASE_URI"):
        cfg["SQLALCHEMY_DATABASE_URI"] = cfg.get("DATABASE_URL") or (
            f"sqlite:///{Path(app.instance_path) / 'huddle.sqlite3'}"
        )
    uri = cfg["SQLALCHEMY_DATABASE_URI"]
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants the psycopg 3 driver named.
    for prefix in ("postgres://", "postgresql://"):
        if uri.startswith(prefix):
            cfg["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + uri[len(prefix) :]
    _check_database_url(cfg["SQLALCHEMY_DATABASE_URI"])
    if cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # A server can drop a pooled connection (a restart); a file cannot. The ping that guards
        # each checkout against that is an extra statement per request on SQLite (issue #16).
        cfg["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **cfg["SQLALCHEMY_ENGINE_OPTIONS"],
            "pool_pre_ping": False,
        }

    if not cfg.get("SECRET_KEY"):
        if development or testing:
            cfg["SECRET_KEY"] = _development_secret(Path(app.instance_path))
        else:
            raise ConfigError(
                "HUDDLE_SECRET_KEY is not set. Set it to a long random value "
                '(python -c "import secrets; print(secrets.token_hex(32))"), '
                "or set HUDDLE_ENV=development to let Huddle generate one for local use."
            )

    if not (development or testing) and len(str(cfg["SECRET_KEY"])) < MIN_SECRET_LENGTH:
        raise ConfigError(
            f"HUDDLE_SECRET_KEY is too short: use at least {MIN_SECRET_LENGTH} random characters "
            '(python -c "import secrets; print(secrets.token_hex(32))"). A short key lets anyone '
            "forge a login cookie."
        )

    if not cfg.get("BASE_URL"):
        if not (development or testing):
            raise ConfigError(
                "HUDDLE_BASE_URL is not set. Set it to the address people open Huddle at, e.g. "
                "https://huddle.example.com: every link in mail, Slack and the commands' output "
                "is made from it."
            )
        cfg["BASE_URL"] = DEVELOPMENT_BASE_URL

    secure = not (development or testing)
    for key in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        if cfg[key] is None:
            cfg[key] = secure
    _validate(cfg)
    if not (development or testing):
        _check_built(app)


def _check_built(app: Flask) -> None:
    for name in BUILT_ASSETS:
        if not (Path(str(app.static_folder)) / name).is_file():
            raise ConfigError(
                f"The front-end files are missing ({name} in {app.static_folder}): run "
                "`make assets` (it needs npm) in the checkout before starting Huddle."
            )
    translations = Path(app.root_path).parent / "translations"
    for language in app.config["LANGUAGES"]:
        catalogue = translations / language / "LC_MESSAGES" / "messages.mo"
        if language != app.config["BABEL_DEFAULT_LOCALE"] and not catalogue.is_file():
            raise ConfigError(
                f"The translations are not compiled ({catalogue} is missing): run "
                "`make catalogues` in the checkout before starting Huddle."
            )


def _development_secret(instance: Path) -> str:
    """One random key per checkout, kept so that sessions survive a restart of the dev server."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _check_database_url(uri: str) -> None:
    """SQLite or PostgreSQL (through psycopg 3), said at start-up rather than at the first query.

    The URL is never repeated in the message: it may hold the database's password.
    """
    example = "postgresql://user:password@host/huddle or sqlite:////var/lib/huddle/huddle.sqlite3"
    try:
        url = make_url(uri)
    except ArgumentError:
        raise ConfigError(f"HUDDLE_DATABASE_URL is not a database URL: use {example}") from None
    if url.get_backend_name() == "postgresql" and url.get_driver_name() != "psycopg":
        raise ConfigError(
            "HUDDLE_DATABASE_URL: write postgresql://… without naming a driver (Huddle uses "
            f"psycopg 3, installed with it), not {url.drivername}://…"
        )
    if url.get_driver_name() not in DATABASE_DRIVERS:
        raise ConfigError(
            f"HUDDLE_DATABASE_URL must be a PostgreSQL or SQLite URL ({example}), "
            f"not {url.drivername}://…"
        )


def _split_url(url: str):
    """``urlsplit``'s parts, or None when its port is not a number (reading it raises)."""
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018
    except ValueError:
        return None
    return parts


def _check_base_url(url: str) -> None:
    parts = _split_url(url)
    if not parts or parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise ConfigError(
            "HUDDLE_BASE_URL must be the address people open Huddle at, with http:// or "
            f"https://, e.g. https://huddle.example.com, not {url!r}"
        )


def _check_mail(cfg) -> None:
    """The mail URL and sender read as the dispatcher will read them: a mistake found when the
    first mail is due is a job failing every ten seconds, the URL's password in its report."""
    url = cfg.get("MAIL_URL")
    if url:
        url = str(url)
        scheme = url.split("://", 1)[0] if "://" in url else url
        if scheme not in MAIL_SCHEMES:
            raise ConfigError(
                "HUDDLE_MAIL_URL must start with smtp://, smtp+starttls:// or smtps://, "
                f"not {scheme!r}"
            )
        parts = _split_url(url)
        if not parts or not parts.hostname:
            raise ConfigError(
                f"HUDDLE_MAIL_URL must name the SMTP server: {scheme}://user:password@host:port "
                "(the port is a number; a @, : or / in the password is written %40, %3A, %2F)"
            )
    sender = cfg.get("MAIL_FROM")
    if sender and "@" not in parseaddr(str(sender))[1]:
        raise ConfigError(
            "HUDDLE_MAIL_FROM must be an e-mail address, e.g. 'ACME Support <support@example.com>', "
            f"not {sender!r}"
        )


def _validate(cfg) -> None:
    _check_base_url(str(cfg["BASE_URL"]))
    day = str(cfg["WISH_REVIEW_DAY"]).lower()
    if day not in WEEKDAYS:
        raise ConfigError(
            f"HUDDLE_WISH_REVIEW_DAY must be one of {', '.join(WEEKDAYS)}, not {day!r}"
        )
    cfg["WISH_REVIEW_DAY"] = day
    _check_mail(cfg)
    ca_file = cfg.get("MAIL_CA_FILE")
    if ca_file and not Path(str(ca_file)).is_file():
        raise ConfigError(f"HUDDLE_MAIL_CA_FILE must name an existing PEM file, not {ca_file!r}")
    currency = str(cfg["CURRENCY"]).strip().upper()
    if currency not in list_currencies():
        raise ConfigError(f"HUDDLE_CURRENCY must be an ISO 4217 code such as EUR, not {currency!r}")
    cfg["CURRENCY"] = currency
    for key, low, high in (
        ("TRUSTED_PROXIES", 0, 10),
        ("MAIL_PER_MINUTE", 1, 10000),
        ("MAIL_MAX_ATTEMPTS", 1, 1000),
        ("SURVEY_DELAY_MINUTES", 0, 7 * 24 * 60),
        ("SURVEY_REMINDER_HOURS", 1, 30 * 24),
        ("SURVEY_MAX_AGE_DAYS", 1, 366),
        ("LOW_RATING_MAX", 1, 4),
        ("FOLLOW_UP_HOURS", 1, 24 * 30),
        ("WISH_THRESHOLD", 1, 1000),
    ):
        value = cfg[key]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ConfigError(
                f"HUDDLE_{key} must be a whole number from {low} to {high}, not {value!r}"
            )
    if cfg["SURVEY_MAX_AGE_DAYS"] * 24 * 60 <= cfg["SURVEY_DELAY_MINUTES"]:
        raise ConfigError(
            "HUDDLE_SURVEY_MAX_AGE_DAYS must be longer than HUDDLE_SURVEY_DELAY_MINUTES: "
            "otherwise no survey is ever sent"
        )
