"""Configuration: defaults, then ``HUDDLE_*`` environment variables, then the caller's overrides."""

import secrets
from datetime import timedelta
from pathlib import Path

from babel.numbers import list_currencies
from flask import Flask

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

DEFAULTS = {
    "ENV_NAME": "production",
    # Where people reach Huddle; used for links made outside a request (jobs, Slack, the CLI).
    "BASE_URL": "http://127.0.0.1:5000",
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

    secure = not (development or testing)
    for key in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        if cfg[key] is None:
            cfg[key] = secure
    _validate(cfg)


def _development_secret(instance: Path) -> str:
    """One random key per checkout, kept so that sessions survive a restart of the dev server."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _validate(cfg) -> None:
    day = str(cfg["WISH_REVIEW_DAY"]).lower()
    if day not in WEEKDAYS:
        raise ConfigError(
            f"HUDDLE_WISH_REVIEW_DAY must be one of {', '.join(WEEKDAYS)}, not {day!r}"
        )
    cfg["WISH_REVIEW_DAY"] = day
    url = cfg.get("MAIL_URL")
    if url and str(url).split("://", 1)[0] not in MAIL_SCHEMES:
        raise ConfigError(
            "HUDDLE_MAIL_URL must start with smtp://, smtp+starttls:// or smtps://, "
            f"not {str(url).split('://', 1)[0]!r}"
        )
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
