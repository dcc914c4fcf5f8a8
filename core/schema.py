"""Is the database there, and at the schema this code expects? Said once, before anything else.

An operator who starts Huddle before ``huddle db upgrade`` (a fresh database, or new code whose
migrations have not run) used to get "Something went wrong" on every page, a traceback per request
in the log, and a scheduler that died on its first query. ``schema_problem`` answers in one line
what is wrong and what to run; the commands refuse with it (``dashboard.console``), the scheduler
does not start, and the web answers 503 with a short notice until the database is ready, logging
the line once per process (``init_app``: checked on each request until it is found ready, then
never again in that process).

The notice is a small page of its own for browsers (the app's stylesheets, the browser's
language), the API's JSON error shape under ``/api/``, and plain text for anything that does not
ask for HTML (a health check, curl). It reads nothing from the database, which may have no tables
at all: no signed-in person is looked up (base.html and the template context processors would),
so the page is rendered by the Jinja environment alone, in the language of ``Accept-Language``.
"""

from functools import cache
from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app, request
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError

from core.errors import api_error
from core.extensions import db
from core.i18n import CLIENTS_BLUEPRINTS, browser_language

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# How long a browser or a client of the API is asked to wait before trying again.
RETRY_AFTER_SECONDS = 60


@cache
def migrations() -> ScriptDirectory:
    """The migrations this code ships (read from ``migrations/`` once per process)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


def schema_problem(reachable_only: bool = False) -> str | None:
    """None when the database answers and is at this code's schema (``reachable_only``: when it
    answers); else one line saying what is wrong and how to fix it. Needs an app context; never
    shows the database's password."""
    url = db.engine.url
    where = url.set(drivername=url.get_backend_name()).render_as_string(hide_password=True)
    try:
        with db.engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except DBAPIError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
        return (
            f"Cannot reach the database {where} ({reason}). Check HUDDLE_DATABASE_URL and that "
            "the database server is running."
        )
    finally:
        db.engine.dispose()  # a forked worker must not inherit this connection
    heads = set(migrations().get_heads())
    if current == heads or reachable_only:
        return None
    if not current:
        return f"The database {where} has no tables yet: run `huddle db upgrade` first."
    if any(_unknown(revision) for revision in current - heads):
        return (
            f"The database {where} is at revision {', '.join(sorted(current))}, which this "
            "version of Huddle does not know (a newer Huddle upgraded it): run that version."
        )
    return (
        f"The database {where} is at revision {', '.join(sorted(current))} and this version of "
        f"Huddle needs {', '.join(sorted(heads))}: run `huddle db upgrade`."
    )


def _unknown(revision: str) -> bool:
    try:
        return migrations().get_revision(revision) is None
    except Exception:  # alembic raises its own errors for an id it has never seen
        return True


def init_app(app: Flask) -> None:
    """Answer 503 until the database is ready (not under tests, which build their own schema)."""
    if app.config.get("TESTING"):
        return
    state = {"ready": False, "told": None}

    def database_ready():
        if state["ready"] or request.endpoint == "static":  # the notice's own stylesheets
            return None
        problem = schema_problem()
        if problem is None:
            state["ready"] = True
            return None
        if problem != state["told"]:
            current_app.logger.error("%s", problem)
            state["told"] = problem
        return unavailable()

    # First of all: every other hook may read the database.
    app.before_request_funcs.setdefault(None, []).insert(0, database_ready)


def unavailable():
    """The 503 while the database is not ready, as the asker reads it; touches no database."""
    # no-store: a cache must not keep the notice past the upgrade; and, set here, it spares
    # ``core.security``'s headers from asking whether someone is signed in (a users lookup).
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}
    clients = request.blueprint in CLIENTS_BLUEPRINTS  # our clients never hear of Huddle
    with force_locale(browser_language(current_app.config["LANGUAGES"])):
        if clients:
            message = _("This page is being updated. Please try again in a few minutes.")
        else:
            message = _("Huddle is being set up or upgraded. Please try again in a few minutes.")
        if request.path.startswith("/api/"):
            body, status = api_error(503, "unavailable", message)
            return body, status, headers
        if request.accept_mimetypes.best_match(("text/plain", "text/html")) != "text/html":
            return message, 503, {**headers, "Content-Type": "text/plain; charset=utf-8"}
        page = current_app.jinja_env.get_template("errors/unavailable.html").render(
            message=message,
            clients=clients,
            company=current_app.config.get("COMPANY_NAME"),
            again=request.method == "GET",
        )
    return page, 503, {**headers, "Content-Type": "text/html; charset=utf-8"}
