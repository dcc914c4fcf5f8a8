"""What an operator meets starting Huddle: a refused setting, a database not reachable or not
upgraded yet, each said in one line by ``huddle`` (never a traceback), a notice on the web until
the database is ready, and a scheduler that stops cleanly when told to."""

import logging
import os
import re
import subprocess
import sys
from datetime import UTC

import pytest
import sqlalchemy as sa
from apscheduler.triggers.cron import CronTrigger
from click.testing import CliRunner
from flask.cli import ScriptInfo
from flask_migrate import upgrade
from jsonschema import Draft202012Validator

from core.api.openapi import build_spec
from core.config import ConfigError
from core.extensions import db
from core.models import User
from core.schema import migrations
from dashboard import ROOT, create_app
from dashboard.console import main
from dashboard.scheduler.cli import log_runs
from dashboard.scheduler.runner import execute
from tests.support.app import make_app, migrate, production_app
from tests.support.postgres import free_port
from tests.support.queries import count_statements
from tests.support.scheduler import running_scheduler, scheduler_process
from tests.support.web import CsrfClient

SECRET = "k" * 40


@pytest.fixture
def production(monkeypatch):
    """Production settings in the environment, as an operator sets them; call it with the URL."""
    monkeypatch.delenv("HUDDLE_ENV", raising=False)
    monkeypatch.setenv("HUDDLE_SECRET_KEY", SECRET)
    monkeypatch.setenv("HUDDLE_BASE_URL", "https://huddle.example.com")

    def use(url: str) -> None:
        monkeypatch.setenv("HUDDLE_DATABASE_URL", url)

    return use


def huddle(*args: str):
    """``huddle ARGS`` as the console script runs it (its app from the environment)."""
    info = ScriptInfo(create_app=create_app)
    result = CliRunner().invoke(main, list(args), obj=info)
    if app := info._loaded_app:
        with app.app_context():
            db.engine.dispose()
    return result


def test_a_refused_setting_is_one_line_from_every_command(production, tmp_path, monkeypatch):
    production(f"sqlite:///{tmp_path}/h.db")
    monkeypatch.setenv("HUDDLE_SECRET_KEY", "short")
    for args in (("db", "upgrade"), ("teams", "list"), ("scheduler",)):
        result = huddle(*args)
        assert result.exit_code == 1 and not isinstance(result.exception, ConfigError), args
        assert result.output.startswith("Error: HUDDLE_SECRET_KEY is too short"), args
    listing = huddle("--help")
    assert "Error: HUDDLE_SECRET_KEY is too short" in listing.output
    assert "Traceback" not in listing.output


def test_a_database_not_upgraded_is_said_and_upgrading_it_is_the_fix(production, make_database_url):
    production(make_database_url())
    for args in (("teams", "list"), ("scheduler",), ("jobs", "list"), ("tokens", "create", "x")):
        result = huddle(*args)
        assert result.exit_code == 1, args
        assert "has no tables yet: run `huddle db upgrade` first" in result.output, args
    assert huddle("db", "upgrade").exit_code == 0
    assert huddle("teams", "list").exit_code == 0


def test_a_database_behind_the_code_names_both_revisions(production, make_database_url):
    url = make_database_url()
    production(url)
    head = max(migrations().get_heads())
    previous = migrations().get_revision(head).down_revision
    app = make_app(url)
    with app.app_context():
        upgrade(revision=previous)
        db.engine.dispose()
    result = huddle("users", "reset-link", "head@example.com")
    assert result.exit_code == 1
    assert f"at revision {previous} and this version of Huddle needs {head}" in result.output
    assert "run `huddle db upgrade`" in result.output


def test_a_database_a_newer_huddle_upgraded_is_not_used_by_an_older_one(
    production, make_database_url
):
    url = make_database_url()
    production(url)
    migrate(url)
    app = make_app(url)
    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
        db.engine.dispose()
    result = huddle("teams", "list")
    assert result.exit_code == 1
    assert "at revision 9999, which this version of Huddle does not know" in result.output


def test_an_unreachable_database_is_one_line_without_its_password(production):
    production(f"postgresql://huddle:sesame-4711@127.0.0.1:{free_port()}/huddle")
    for args in (("db", "upgrade"), ("teams", "list")):
        result = huddle(*args)
        assert result.exit_code == 1, args
        assert result.output.startswith("Error: Cannot reach the database postgresql://"), args
        assert "sesame-4711" not in result.output and "huddle:***@" in result.output


def test_the_web_answers_503_until_the_database_is_upgraded(make_database_url, caplog):
    url = make_database_url()
    config = {"SECRET_KEY": SECRET, "BASE_URL": "https://h.example", "SQLALCHEMY_DATABASE_URI": url}
    app = create_app(config)
    client = app.test_client()
    page = client.get("/", headers={"Accept-Language": "es"})
    assert page.status_code == 503 and page.headers["Retry-After"] == "60"
    assert "Huddle se está configurando o actualizando" in page.text
    api = client.post("/api/v1/ratings", json={})
    assert api.status_code == 503 and api.json["error"]["code"] == "unavailable"
    told = [r.getMessage() for r in caplog.records if "huddle db upgrade" in r.getMessage()]
    assert len(told) == 1 and "has no tables yet" in told[0]  # once per process, not per request
    migrate(url)
    assert client.get("/").status_code == 302  # on to the set-up page
    with app.app_context():
        db.engine.dispose()


# What a browser sends with a page request (Chromium's own Accept).
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


@pytest.fixture(params=["no tables", "an older revision"])
def unready_url(request, make_database_url):
    """A database the web must not use yet: empty, or one migration behind the code."""
    url = make_database_url()
    if request.param == "an older revision":
        head = max(migrations().get_heads())
        app = make_app(url)
        with app.app_context():
            upgrade(revision=migrations().get_revision(head).down_revision)
            db.engine.dispose()
    yield url


def test_a_browser_gets_a_styled_page_in_its_language_and_nobody_is_looked_up(unready_url):
    """The notice was bare text; it is a page with the app's own stylesheets, in the browser's
    language, and reads nothing (a signed-in person's cookie is not looked up: no tables)."""
    app = production_app(unready_url)
    app.test_client_class = CsrfClient
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"  # the session cookie is Secure
    client.log_in(User(id=1, session_version=1, active=True))  # signed in before the upgrade
    headers = {"Accept": BROWSER, "Accept-Language": "pt-PT,pt;q=0.9"}
    with count_statements(app) as counter:
        page = client.get("/complaints/?view=mine", headers=headers)
    assert page.status_code == 503 and page.headers["Retry-After"] == "60"
    assert page.mimetype == "text/html"
    assert '<html lang="pt-BR">' in page.text
    assert "<h1>De volta em alguns minutos</h1>" in page.text
    assert "O Huddle está sendo configurado ou atualizado." in page.text
    assert not [statement for statement in counter.statements if "users" in statement]
    sheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page.text)
    assert any(sheet.endswith("/vendor/pico.min.css") for sheet in sheets) and len(sheets) == 2
    for sheet in sheets:  # served while the database is not ready, like the page itself
        served = client.get(sheet)
        assert served.status_code == 200 and served.mimetype == "text/css", sheet
    posted = client.post("/complaints/", headers=headers)
    assert posted.status_code == 503 and 'href=""' not in posted.text  # no "Try again" for a post
    assert 'href=""' in page.text
    with app.app_context():
        db.engine.dispose()


def test_the_notice_stays_short_for_the_api_and_for_what_does_not_ask_for_html(unready_url):
    app = production_app(unready_url)
    client = app.test_client()
    for accept in ("*/*", "text/plain", "application/json", None):
        answer = client.get("/", headers={"Accept": accept} if accept else {})
        assert answer.status_code == 503 and answer.headers["Retry-After"] == "60", accept
        assert answer.mimetype == "text/plain", accept
        assert answer.text.startswith("Huddle is being set up or upgraded."), accept
    api = client.post("/api/v1/ratings", json={}, headers={"Accept": BROWSER})
    assert api.status_code == 503 and api.headers["Retry-After"] == "60"
    assert api.json == {
        "error": {
            "code": "unavailable",
            "message": "Huddle is being set up or upgraded. Please try again in a few minutes.",
            "fields": {},
        }
    }
    with app.app_context():
        db.engine.dispose()


def test_every_api_operation_answers_the_503_its_document_describes(unready_url):
    """The document listed no 503, though every /api/v1 route answers one until the upgrade."""
    app = production_app(unready_url)
    spec = build_spec(app)  # from the routes alone: the document's own URL answers 503 too
    client = app.test_client()
    for path, operations in spec["paths"].items():
        url = "/api/v1" + re.sub(r"\{[^}]+\}", "x", path)
        for method, operation in operations.items():
            answer = client.open(url, method=method.upper(), json={})
            assert answer.status_code == 503, (method, path)
            response = operation["responses"]["503"]
            response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
            schema = response["content"]["application/json"]["schema"]
            check = Draft202012Validator({**schema, "components": spec["components"]})
            assert not list(check.iter_errors(answer.json)), (method, path, answer.json)
            assert answer.json["error"]["code"] == "unavailable"
            retry = Draft202012Validator(response["headers"]["Retry-After"]["schema"])
            assert retry.is_valid(int(answer.headers["Retry-After"])), (method, path)
    with app.app_context():
        db.engine.dispose()


def test_our_clients_pages_say_the_company_and_not_huddle(unready_url):
    """Clients never hear of Huddle (``public/_page.html``), not even from this notice."""
    app = production_app(unready_url)
    app.config["COMPANY_NAME"] = "ACME Support"
    answer = app.test_client().get(
        "/write-to-us", headers={"Accept": BROWSER, "Accept-Language": "es"}
    )
    assert answer.status_code == 503
    assert "Esta página se está actualizando." in answer.text and "ACME Support" in answer.text
    assert "Huddle" not in answer.text
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def scheduler_logging():
    """``log_runs`` sets the levels of two loggers for the process: put them back."""
    loggers = [logging.getLogger(name) for name in ("dashboard", "apscheduler")]
    levels = [logger.level for logger in loggers]
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


def test_the_scheduler_logs_each_run(app, caplog, scheduler_logging):
    log_runs()
    execute(app, "follow-up-watch", None, CronTrigger(minute="*/15", timezone=UTC), 900)
    assert any(r.getMessage().startswith("follow-up-watch ") for r in caplog.records)


def test_sigterm_stops_the_scheduler_cleanly(tmp_path):
    with running_scheduler(tmp_path) as lines:
        pass
    assert lines[-1] == "Scheduler stopped.", "\n".join(lines)
    running = next(line for line in lines if line.startswith("Scheduler running"))
    assert running == (
        "Scheduler running 5 jobs: complaints-digest, follow-up-watch, claim-watch, survey-mail, "
        "outbox-dispatch; waiting for a team: standup-prepare, standup-reminder, standup-summary, "
        "wish-review-agenda; and 3 of its own (refresh-teams, recover-runs, catch-up-at-start). "
        "Ctrl+C to stop."
    )


def test_a_managers_team_that_does_not_exist_stops_the_scheduler(tmp_path):
    """Unclaimed alerts were escalated around the clock, as if the setting were not there."""
    with scheduler_process(tmp_path, HUDDLE_MANAGERS_TEAM="support-everywhere") as process:
        try:
            output, _ = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
    assert process.returncode == 1
    assert output.startswith("Error: HUDDLE_MANAGERS_TEAM names no team: 'support-everywhere'")


def test_gunicorn_says_a_refused_setting_once_in_its_master(tmp_path):
    """``gunicorn.conf.py`` checks the settings in the master, before any worker starts: with
    several workers each used to fail on its own, and gunicorn's master at times (2 runs in 12
    here, once in CI) reaped two at once and raised "App failed to load" a second time, a
    traceback of gunicorn's after Huddle's line. Four workers, as in production, three starts."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "HUDDLE_SECRET_KEY": "short",
        "HUDDLE_BASE_URL": "https://huddle.example.com",
        "HUDDLE_DATABASE_URL": f"sqlite:///{tmp_path}/h.db",
    }
    env.pop("HUDDLE_ENV", None)
    for _ in range(3):
        command = [sys.executable, "-m", "gunicorn", "--workers", "4"]
        command += ["--bind", f"127.0.0.1:{free_port()}", "dashboard:create_app()"]
        done = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 1
        refused = [line for line in done.stderr.splitlines() if "HUDDLE_SECRET_KEY" in line]
        assert refused == [refused[0]] and refused[0].startswith("Error: HUDDLE_SECRET_KEY is too")
        assert "Booting worker" not in done.stderr and "Traceback" not in done.stderr
