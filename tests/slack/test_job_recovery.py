"""Job runs are leases: a run whose process died, or that failed, is run again within its job's
grace period (never after it, and never once done); ``jobs run --force`` repeats one on purpose."""

import time
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from core.database import utcnow, writing
from core.extensions import db
from dashboard.scheduler.models import JobRun
from dashboard.scheduler.runner import claim, keep_lease, recover, run_job
from dashboard.slack.models import OutboxMessage

MONDAY_8 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
DIGEST_KEY = "complaints-digest:2026-03-02"


def _left_behind(status: str, **fields) -> None:
    db.session.add(
        JobRun(job="complaints-digest", scheduled_for=MONDAY_8, started_at=MONDAY_8, status=status)
    )
    db.session.flush()
    db.session.execute(sa.update(JobRun).values(**fields))
    db.session.commit()


def _digests() -> list[str]:
    return list(
        db.session.scalars(
            sa.select(OutboxMessage.dedup_key).where(OutboxMessage.dedup_key == DIGEST_KEY)
        )
    )


def test_a_run_whose_process_died_runs_again_once_its_lease_expired(app, fake_slack):
    with app.app_context():
        _left_behind("running", lease_expires_at=MONDAY_8 + timedelta(minutes=2))
        # still leased: the process may be alive and working on it
        assert run_job("complaints-digest", MONDAY_8, now=MONDAY_8 + timedelta(minutes=1)) == (
            "skipped",
            "another scheduler has already run it",
        )
    assert recover(app, now=MONDAY_8 + timedelta(minutes=1)) == []
    assert recover(app, now=MONDAY_8 + timedelta(minutes=10)) == [
        ("complaints-digest", MONDAY_8, "done")
    ]
    assert recover(app, now=MONDAY_8 + timedelta(minutes=11)) == []  # done: never again
    with app.app_context():
        run = db.session.scalar(sa.select(JobRun))
        assert (run.status, run.attempts, run.lease_expires_at) == ("done", 2, None)
        assert _digests() == [DIGEST_KEY]


def test_a_dead_run_is_not_taken_over_after_the_grace_period(app, fake_slack):
    with app.app_context():
        _left_behind("running", lease_expires_at=MONDAY_8 + timedelta(minutes=2))
        late = MONDAY_8 + timedelta(hours=4)  # the digest's grace is 3 hours
        assert run_job("complaints-digest", MONDAY_8, now=late)[0] == "skipped"
        assert db.session.scalar(sa.select(JobRun.status)) == "running"
        assert _digests() == []


def test_a_failed_run_is_retried_after_a_pause(app, fake_slack):
    failed_at = MONDAY_8 + timedelta(minutes=1)
    with app.app_context():
        _left_behind("failed", finished_at=failed_at, detail="database is locked")
    assert recover(app, now=failed_at + timedelta(seconds=30)) == []
    assert recover(app, now=failed_at + timedelta(seconds=61)) == [
        ("complaints-digest", MONDAY_8, "done")
    ]
    with app.app_context():
        assert db.session.scalar(sa.select(JobRun.status)) == "done"
        assert _digests() == [DIGEST_KEY]


def test_run_job_retries_a_failed_run_at_once(app, fake_slack):
    with app.app_context():
        _left_behind("failed", finished_at=MONDAY_8)
        status, _detail = run_job(
            "complaints-digest", MONDAY_8, now=MONDAY_8 + timedelta(minutes=5)
        )
        assert status == "done"
        assert db.session.scalar(sa.select(JobRun.status)) == "done"


def test_jobs_run_force_repeats_a_done_run_and_jobs_list_shows_the_last_status(app, fake_slack):
    runner = app.test_cli_runner()
    at = ["--at", "2026-03-02T08:00:00Z"]
    assert "done" in runner.invoke(args=["jobs", "run", "complaints-digest", *at]).output
    assert "skipped" in runner.invoke(args=["jobs", "run", "complaints-digest", *at]).output
    forced = runner.invoke(args=["jobs", "run", "complaints-digest", *at, "--force"])
    assert forced.exit_code == 0 and "done" in forced.output
    with app.app_context():
        assert db.session.scalar(sa.select(JobRun.attempts)) == 2
    listed = runner.invoke(args=["jobs", "list"])
    line = next(row for row in listed.output.splitlines() if row.startswith("complaints-digest"))
    assert "last done 2026-03-02 08:00" in line


def test_admins_see_failed_runs(app, client, login_as):
    with app.app_context():
        _left_behind("failed", finished_at=MONDAY_8, detail="OperationalError: database is locked")
    login_as("manager")
    assert client.get("/admin/jobs/failed").status_code == 403
    login_as("admin")
    page = client.get("/admin/jobs/failed").text
    assert "complaints-digest" in page and "database is locked" in page


def _wait_until_past(instant: datetime) -> None:
    """Real time must pass here: the lease is renewed by a clock, in another thread."""
    while utcnow() <= instant:
        time.sleep(0.05)


def _renewed_lease(run_id: int, past: datetime, within: float = 30.0) -> datetime:
    """The run's lease once the background thread has pushed it past ``past`` (polled: on a
    loaded machine the thread's first tick may come late, which is what a lease of 1 s cannot
    tell from a dead job; a real lease is 120 s, renewed every 40)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        db.session.expire_all()
        lease = db.session.get(JobRun, run_id).lease_expires_at
        db.session.commit()
        if lease > past:
            return lease
        time.sleep(0.05)
    raise AssertionError(f"the lease of run {run_id} was not renewed within {within} s")


def test_a_job_longer_than_its_lease_renews_it_so_no_second_worker_starts_it(committed_app):
    lease = 1
    with committed_app.app_context(), writing():  # as run_job does
        run = claim("long-job", MONDAY_8, lease_seconds=lease)
        run_id, host, first_lease = run.id, run.host, run.lease_expires_at
        db.session.commit()  # a job keeps no transaction open while it works
        with keep_lease(run_id, host, lease):
            renewed = _renewed_lease(run_id, first_lease)
            # a second worker wakes after the first lease would have run out: the job still runs
            woken = first_lease + timedelta(milliseconds=200)
            assert claim("long-job", MONDAY_8, now=woken, lease_seconds=lease) is None
            # and it is still renewed once the first lease has run out
            _wait_until_past(woken)
            renewed = _renewed_lease(run_id, woken + timedelta(seconds=lease))
        # the job ended without saying so (its process died): the lease is no longer renewed, and
        # once it runs out the run is taken over, as before
        _wait_until_past(renewed + timedelta(milliseconds=500))
        again = claim("long-job", MONDAY_8, lease_seconds=lease)
        assert again is not None and again.attempts == 2
        db.session.remove()


def test_a_finished_run_is_not_renewed(committed_app):
    with committed_app.app_context():
        run = claim("short-job", MONDAY_8, lease_seconds=1)
        run.status, run.lease_expires_at = "done", None
        run_id, host = run.id, run.host
        db.session.commit()
        with keep_lease(run_id, host, 1):
            _wait_until_past(utcnow() + timedelta(milliseconds=500))
        db.session.expire_all()
        assert db.session.get(JobRun, run_id).lease_expires_at is None
        db.session.remove()
