"""The scheduler: JobRun claims, cron in each team's timezone, catching up once, the CLI, and two
schedulers on one database posting each daily digest exactly once over a month."""

import threading
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from apscheduler.triggers.cron import CronTrigger
from babel.dates import format_date

from core.extensions import db
from dashboard.scheduler import jobs
from dashboard.scheduler.cli import should_start_dev_scheduler
from dashboard.scheduler.models import JobRun
from dashboard.scheduler.runner import (
    build_scheduler,
    catch_up,
    claim,
    latest_fire_time,
    run_job,
    running_line,
    trigger_for,
)
from dashboard.slack.delivery import dispatch
from dashboard.slack.models import OutboxMessage
from tests.support.app import make_app, migrate
from tests.support.slack import FakeClock

MONDAY_8 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def test_a_job_run_is_claimed_once(db_session):
    assert claim("complaints-digest", MONDAY_8) is not None
    assert claim("complaints-digest", MONDAY_8) is None
    assert claim("complaints-digest", MONDAY_8 + timedelta(days=1)) is not None


def test_run_job_records_the_run_and_skips_a_repeat(db_session, fake_slack):
    assert run_job("complaints-digest", MONDAY_8)[0] == "done"
    assert run_job("complaints-digest", MONDAY_8) == (
        "skipped",
        "another scheduler has already run it",
    )
    run = db_session.scalar(sa.select(JobRun))
    assert run.status == "done" and run.finished_at is not None
    keys = db_session.scalars(sa.select(OutboxMessage.dedup_key)).all()
    assert keys == ["complaints-digest:2026-03-02"]


def test_a_failing_job_is_recorded_as_failed(app, db_session):
    app.config["DIGEST_TIMEZONE"] = "Atlantis/Boom"  # the digest job fails on a timezone unknown
    status, detail = run_job("complaints-digest", MONDAY_8)
    assert status == "failed" and "Atlantis/Boom" in detail
    assert db_session.scalar(sa.select(JobRun.status)) == "failed"


def test_missed_runs_coalesce_into_one_within_the_grace_period():
    every_ten = CronTrigger(second="*/10", timezone=UTC)
    now = datetime(2026, 3, 2, 12, 0, 35, tzinfo=UTC)
    assert latest_fire_time(every_ten, now, 30) == datetime(2026, 3, 2, 12, 0, 30, tzinfo=UTC)
    daily = CronTrigger(hour=8, minute=0, second=0, timezone=UTC)
    late = MONDAY_8 + timedelta(hours=2)
    assert latest_fire_time(daily, late, 3 * 3600) == MONDAY_8
    assert latest_fire_time(daily, late, 3600) is None  # too late: dropped, not run at 10:00


def test_catch_up_after_downtime_runs_a_missed_digest_once(app, fake_slack):
    """The scheduler was down at 08:00 and starts at 09:30: the digest is posted once."""
    with app.app_context():
        done = catch_up(app, now=MONDAY_8 + timedelta(minutes=90))
        assert ("complaints-digest", MONDAY_8, "done") in done
        again = catch_up(app, now=MONDAY_8 + timedelta(minutes=95))
        assert not [d for d in again if d[0] == "complaints-digest"]
        count = sa.select(sa.func.count()).select_from(OutboxMessage)
        assert db.session.scalar(count.where(OutboxMessage.kind == "complaints-digest")) == 1


def test_per_team_jobs_fire_in_the_teams_timezone_on_its_workdays(db_session, make_team):
    make_team(
        slug="sao-paulo",
        timezone="America/Sao_Paulo",
        standup_time=time(9, 30),
        workdays="12345",
    )
    make_team(slug="moscow", timezone="Europe/Moscow", standup_time=time(10, 0), workdays="123456")
    teams = {team.slug: team for team in jobs.load_teams()}
    reminder = trigger_for(jobs.JOBS["standup-reminder"], teams["sao-paulo"])
    friday = datetime(2026, 3, 6, 0, 0, tzinfo=UTC)
    first = reminder.get_next_fire_time(None, friday)
    assert first == datetime(2026, 3, 6, 12, 20, tzinfo=UTC)  # 09:20 in São Paulo (UTC−3)
    second = reminder.get_next_fire_time(first, first + timedelta(seconds=1))
    assert second.date() == date(2026, 3, 9)  # the weekend is skipped
    moscow = trigger_for(jobs.JOBS["standup-reminder"], teams["moscow"])
    saturday = moscow.get_next_fire_time(None, datetime(2026, 3, 7, 0, 0, tzinfo=UTC))
    assert saturday == datetime(2026, 3, 7, 6, 50, tzinfo=UTC)  # 09:50 in Moscow (UTC+3), Sat on
    agenda = trigger_for(jobs.JOBS["wish-review-agenda"], teams["moscow"])
    assert agenda.get_next_fire_time(None, friday).weekday() == 1  # Tuesday, the review day


def test_the_scheduler_plans_every_job_for_every_team(app, make_team):
    make_team(slug="sp", timezone="America/Sao_Paulo")
    scheduler = build_scheduler(app, background=True)
    ids = {job.id for job in scheduler.get_jobs()}
    for name, spec in jobs.JOBS.items():
        assert (f"{name}@sp" if spec.per_team else name) in ids
    assert "refresh-teams" in ids
    job = scheduler.get_job("complaints-digest")
    assert job.coalesce is True and job.misfire_grace_time == 3 * 3600


def test_the_start_line_names_the_jobs_and_counts_teams_apart_from_housekeeping(app, make_team):
    """It said "Scheduler running 12 jobs": housekeeping and each team's copy counted, none named."""
    make_team(slug="sp", timezone="America/Sao_Paulo")
    make_team(slug="msk", timezone="Europe/Moscow")
    line = running_line(build_scheduler(app, background=True))
    assert line.startswith("Scheduler running 9 jobs: standup-prepare for 2 teams, ")
    for name, spec in jobs.JOBS.items():
        assert (f"{name} for 2 teams" if spec.per_team else f" {name}") in line
    assert "waiting for a team" not in line
    assert "; and 3 of its own (" in line and "refresh-teams" in line.split("its own")[1]
    assert "refresh-teams" not in line.split("its own")[0]


def test_jobs_cli(app, fake_slack):
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["jobs", "list"])
    assert listed.exit_code == 0 and "complaints-digest" in listed.output
    first = runner.invoke(args=["jobs", "run", "complaints-digest", "--at", "2026-03-02T08:00:00Z"])
    assert first.exit_code == 0 and "done" in first.output
    again = runner.invoke(args=["jobs", "run", "complaints-digest", "--at", "2026-03-02T08:00"])
    assert "skipped" in again.output
    assert runner.invoke(args=["jobs", "run", "nope"]).exit_code == 2
    assert runner.invoke(args=["jobs", "run", "complaints-digest", "--at", "soon"]).exit_code == 2
    with app.app_context():
        assert db.session.scalar(sa.select(OutboxMessage.dedup_key).limit(1)) == (
            "complaints-digest:2026-03-02"
        )


def test_huddle_run_starts_the_scheduler_only_in_the_serving_process(app, monkeypatch):
    app.config.update(ENV_NAME="development", TESTING=False)
    monkeypatch.delenv("WERKZEUG_RUN_MAIN", raising=False)
    assert should_start_dev_scheduler(app, reload=False)
    assert not should_start_dev_scheduler(app, reload=True)  # the reloader's watcher process
    monkeypatch.setenv("WERKZEUG_RUN_MAIN", "true")
    assert should_start_dev_scheduler(app, reload=True)  # the child that serves
    app.config["ENV_NAME"] = "production"
    assert not should_start_dev_scheduler(app, reload=False)


def test_two_schedulers_post_each_daily_digest_exactly_once_over_a_month(
    postgres_server, fake_slack
):
    """Two app instances (own engines and connections) on one PostgreSQL, racing in threads.

    PostgreSQL only: several schedulers are a PostgreSQL set-up; on SQLite the README says run one.
    """
    url = postgres_server.create_database("huddle_two_schedulers")
    migrate(url)
    config = {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_API_URL": fake_slack.url,
        "BASE_URL": "https://huddle.example",
        "SLACK_TIMEOUT_SECONDS": 2,
    }
    apps = [make_app(url, **config), make_app(url, **config)]
    errors, statuses = [], []

    def scheduler(app, barrier, day, dispatch_at):
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                statuses.append(run_job("complaints-digest", day)[0])
                barrier.wait(timeout=30)
                clock = FakeClock(dispatch_at)  # both at once: the claims keep posts single
                dispatch(clock=clock, sleep=clock.sleep)
                db.session.remove()
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    start = datetime.now(UTC).replace(hour=8, minute=0, second=0, microsecond=0)
    days = [start - timedelta(days=n) for n in range(30, 0, -1)]
    dispatch_start = datetime.now(UTC) + timedelta(minutes=1)  # rows are enqueued at real now
    for n, day in enumerate(days):
        barrier = threading.Barrier(2)
        args = (barrier, day, dispatch_start + timedelta(minutes=n))
        threads = [threading.Thread(target=scheduler, args=(app, *args)) for app in apps]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert errors == []
    assert sorted(statuses) == ["done"] * 30 + ["skipped"] * 30
    digests = [p.body["text"] for p in fake_slack.posts() if "Complaints digest" in p.body["text"]]
    assert len(digests) == 30
    assert sorted({text.split(":")[0] for text in digests}) == sorted(
        # Each day once, in Huddle's day style (Babel's medium date, the default language).
        f"Complaints digest, {format_date(day.date(), 'medium', locale='en')}"
        for day in days
    )
    with apps[0].app_context():
        runs = db.session.scalar(
            sa.select(sa.func.count()).select_from(JobRun).where(JobRun.job == "complaints-digest")
        )
        assert runs == 30
        db.session.remove()
        db.engine.dispose()
    with apps[1].app_context():
        db.engine.dispose()


def test_an_outbox_run_that_could_not_send_warns_the_operator(app, db_session, fake_slack, caplog):
    """Slack refusing the token (invalid_auth) left every message failing, said nowhere but on
    the admin outbox page: the scheduler's log now says it at each failing run."""
    from dashboard.scheduler.runner import execute
    from dashboard.slack.outbox import enqueue

    message = enqueue("#support", "test", "token-check", "hello", None)
    message.next_attempt_at = datetime.now(UTC) - timedelta(minutes=1)  # due before this tick
    db_session.commit()
    fake_slack.mode, fake_slack.error = "error", "invalid_auth"
    every_ten = CronTrigger(second="*/10", timezone=UTC)
    execute(app, "outbox-dispatch", None, every_ten, 30)
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("slack: sent 0, failed 1" in line and "admin outbox" in line for line in warned)


def test_a_fire_time_between_the_catch_up_and_the_start_is_run_once_started(committed_app):
    """``huddle scheduler`` catches up, then starts: a fire time in between was in neither, and a
    daily digest due then waited a day. Here the digest fell due before the start, no catch-up
    having run: once started, the scheduler runs it."""
    now = datetime.now(UTC)
    due = now - timedelta(minutes=2)
    committed_app.config.update(DIGEST_TIME=f"{due:%H:%M}", DIGEST_TIMEZONE="UTC")
    scheduler = build_scheduler(committed_app, background=True)
    scheduler.start()
    try:
        with committed_app.app_context():
            digest = sa.select(JobRun.scheduled_for).where(JobRun.job == "complaints-digest")
            for _attempt in range(100):
                runs = db.session.scalars(digest).all()
                db.session.remove()
                if runs:
                    break
                threading.Event().wait(0.1)
    finally:
        scheduler.shutdown(wait=True)
    assert [at.replace(second=0, microsecond=0) for at in runs] == [
        due.replace(second=0, microsecond=0)
    ]
