"""``huddle scheduler``, ``huddle jobs list``, ``huddle jobs run NAME [--at ISO8601]``, and
``huddle run`` with an in-process scheduler for development."""

import logging
import os
import signal
from datetime import UTC, datetime

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup, ScriptInfo, get_debug_flag, run_command, with_appcontext

from core.extensions import db
from core.models import Team
from dashboard.scheduler.jobs import JOBS
from dashboard.scheduler.runner import (
    build_scheduler,
    catch_up,
    job_key,
    last_runs,
    planned_jobs,
    run_job,
    running_line,
)
from dashboard.slack.client import check_token

jobs_cli = AppGroup("jobs", help="The scheduled jobs: list them, run one now.")


def _parse_at(value: str | None) -> datetime:
    if not value:
        return datetime.now(UTC)
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an ISO 8601 time (e.g. 2025-03-04T08:00:00+00:00)", param_hint="--at"
        ) from None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


@jobs_cli.command("list")
def list_jobs():
    """Every job with its schedule (per-team jobs once per team) and how its last run went."""

    now = datetime.now(UTC)
    last = last_runs()
    for job_id, spec, team, trigger in planned_jobs():
        upcoming = trigger.get_next_fire_time(None, now)
        when = upcoming.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if upcoming else "never"
        run = last.get(job_key(spec.name, team.id if team else None))
        previous = (
            f"last {run.status} {run.scheduled_for.strftime('%Y-%m-%d %H:%M')}"
            if run
            else "never run"
        )
        click.echo(f"{job_id:<36} next {when}  {previous:<28} {spec.description}")


@jobs_cli.command("run")
@click.argument("name")
@click.option("--at", "at_text", help="Run as if at this time (ISO 8601; naive means UTC).")
@click.option("--force", is_flag=True, help="Run it even if that run is done or past its grace.")
def run_job_command(name, at_text, force):
    """Run job NAME now, for every team, as if at --at (default: now)."""

    if name not in JOBS:
        raise click.BadParameter(
            f"no job {name!r}; known jobs: {', '.join(JOBS)}", param_hint="NAME"
        )
    at = _parse_at(at_text)
    status, detail = run_job(name, at, force=force)
    click.echo(f"{name} at {at.isoformat()}: {status}" + (f" ({detail})" if detail else ""))
    if status == "failed":
        raise SystemExit(1)


def log_runs() -> None:
    """Each run's line (``runner.execute`` logs at INFO), timestamped, on stderr, unless logging is
    configured already; without this the process said nothing after it started, failures aside.
    APScheduler's own line per run (every ten seconds for the outbox) stays out."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("dashboard").setLevel(logging.INFO)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


@click.command("scheduler")
@with_appcontext
def scheduler_command():
    """The dedicated scheduler process (run one or more; JobRun keeps each run single)."""

    app = current_app._get_current_object()
    slug = app.config.get("MANAGERS_TEAM")
    if slug and not db.session.scalar(sa.select(sa.exists().where(Team.slug == slug))):
        raise click.ClickException(
            f"HUDDLE_MANAGERS_TEAM names no team: {slug!r} (`huddle teams list` shows the slugs); "
            "unset it to escalate unclaimed alerts around the clock."
        )
    db.session.remove()
    log_runs()
    check_token()  # a refused bot token is said now, not only as each outbox run's warning
    stopping: list[str] = []  # the signal's name, once told to stop
    scheduler = None

    def say_stopping() -> None:
        click.echo(f"{stopping[0]}: stopping once the running jobs finish.")

    def stop(signum, _frame):
        """SIGTERM (systemd, docker stop, a deploy) and Ctrl+C end it once the running jobs
        finish. Killed mid-run, a job's run waited for its lease to expire, and a Slack post sent
        but not yet recorded was sent again. Told while catching up, it finishes catching up and
        does not start; told while starting, it stops as soon as it has started.

        The handler only notes it (no lock, no output: it runs in the main thread wherever that
        was); the scheduler's own loop sees it within a second, says so and shuts down
        (``ForegroundScheduler``)."""
        if not stopping:
            stopping.append(signal.Signals(signum).name)
        if scheduler is not None:
            scheduler.ask_to_stop(say_stopping)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for name, fire, status in catch_up(app):
        click.echo(f"caught up {name} for {fire.isoformat()}: {status}")
    scheduler = build_scheduler(app)
    if stopping:  # told while catching up: it does not start
        say_stopping()
    else:
        click.echo(running_line(scheduler))
        scheduler.start()  # returns once told to stop and the running jobs have finished
    click.echo("Scheduler stopped.")


def start_dev_scheduler(app: Flask):
    """A background scheduler inside ``huddle run`` (development only)."""

    scheduler = build_scheduler(app, background=True)
    # Someone trying the Slack side learns at once that Slack refused the token, as with
    # ``huddle scheduler``; asked in the scheduler's pool, since an unreachable Slack takes up to
    # 10 s and the development server should not wait for it.
    scheduler.add_job(_check_token, args=[app], id="check-slack-token")
    scheduler.start()
    return scheduler


def _check_token(app: Flask) -> None:
    with app.app_context():
        check_token()


def should_start_dev_scheduler(app: Flask, reload: bool | None) -> bool:
    """Development only, and only in the process that serves requests.

    With the reloader, Werkzeug runs this command twice: a watcher parent and the serving child
    (``WERKZEUG_RUN_MAIN=true``). Starting in both would run every job twice.
    """
    if app.config.get("ENV_NAME") != "development" or app.config.get("TESTING"):
        return False
    if reload is None:
        reload = get_debug_flag()
    return not reload or os.environ.get("WERKZEUG_RUN_MAIN") == "true"


@click.command(
    "run", params=run_command.params, help=run_command.help, short_help=run_command.short_help
)
@click.pass_context
def run_with_scheduler(ctx, **kwargs):
    app = ctx.ensure_object(ScriptInfo).load_app()
    if should_start_dev_scheduler(app, kwargs.get("reload")):
        start_dev_scheduler(app)
        click.echo(" * Scheduler started in-process (development only)")
    ctx.invoke(run_command, **kwargs)
