"""Running jobs exactly once: the JobRun claim, the APScheduler process, and catching up.

Every run first commits ``JobRun(job, scheduled_for)``; the unique key makes the first scheduler
to get there the only one to run it (the other gets an IntegrityError and skips). ``scheduled_for``
is the trigger's fire time, computed from the cron fields, so two processes that both wake for
08:00 compute the same key. The claim is a lease (``lease_expires_at``): a run that failed, or
whose process died (its lease expired), is claimed again by ``recover`` (every minute) while the
job's grace period lasts; the side effects a failed attempt already committed (outbox rows) have
their own dedup keys, so the retry does not repeat them. A run that is done is never repeated.
While a job runs, its lease is renewed in the background (``keep_lease``), so a job that takes
longer than its lease is not mistaken for a dead one and started a second time by another worker.
"""

import logging
import os
import re
import socket
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from flask import Flask, current_app
from sqlalchemy.exc import IntegrityError

from core.database import utcnow, writing
from core.extensions import db
from dashboard.scheduler.foreground import ForegroundScheduler
from dashboard.scheduler.jobs import JOBS, JobSpec, TeamSchedule, load_teams
from dashboard.scheduler.models import JobRun

log = logging.getLogger(__name__)
REFRESH_TEAMS_MINUTES = 5
RECOVER_SECONDS = 60
# How long a claim holds when its process stops answering; a run must end well within it.
LEASE_SECONDS = 120
# The scheduler's own housekeeping, beside the jobs (``build_scheduler``).
OWN_JOBS = ("refresh-teams", "recover-runs", "catch-up-at-start")
# An outbox run that could not send something: its report says "failed N" or "dead N".
DISPATCH_TROUBLE = re.compile(r"\b(?:failed|dead) [1-9]")


def renew_lease(run_id: int, host: str, lease_seconds: int, now: datetime | None = None) -> bool:
    """Push the run's lease ``lease_seconds`` past ``now``; False when the run is no longer ours.

    Runs on its own connection in its own short transaction (never the job's), so the renewal is
    committed at once whatever the job's session is doing.
    """
    now = now or utcnow()
    statement = (
        sa.update(JobRun)
        .where(JobRun.id == run_id, JobRun.status == "running", JobRun.host == host)
        .values(lease_expires_at=now + timedelta(seconds=lease_seconds))
    )
    with db.engine.connect() as connection:
        renewed = connection.execute(statement).rowcount == 1
        connection.commit()
    return renewed


@contextmanager
def keep_lease(run_id: int, host: str, lease_seconds: int) -> Iterator[None]:
    """Renew the run's lease every third of it while the block runs (a background thread).

    A renewal that fails (the database busy for a moment) is tried again at the next tick; two
    missed ticks in a row still leave a third of the lease. The thread stops when the block ends.
    """
    app = current_app._get_current_object()
    stop = threading.Event()
    every = max(lease_seconds / 3, 0.05)

    def renew() -> None:
        with app.app_context():
            while not stop.wait(every):
                try:
                    if not renew_lease(run_id, host, lease_seconds):
                        return  # finished, or taken over on purpose (--force): nothing to keep
                except Exception:  # a busy moment: the next tick tries again
                    log.warning("could not renew the lease of job run %s", run_id, exc_info=True)

    thread = threading.Thread(target=renew, name=f"lease-{run_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def job_key(name: str, team_id: int | None) -> str:
    return name if team_id is None else f"{name}@team-{team_id}"


def retryable(now: datetime):
    """A run that may be claimed again: it failed, or its process died (its lease ran out)."""
    return sa.or_(
        JobRun.status == "failed",
        sa.and_(
            JobRun.status == "running",
            sa.or_(JobRun.lease_expires_at.is_(None), JobRun.lease_expires_at < now),
        ),
    )


def claim(
    key: str,
    scheduled_for: datetime,
    *,
    now: datetime | None = None,
    grace_seconds: int | None = None,
    lease_seconds: int = LEASE_SECONDS,
    force: bool = False,
) -> JobRun | None:
    """Take the run's lease; None when another scheduler has it or it is done (or too late).

    The first claim inserts the row (the unique key decides between two schedulers). A run that
    failed, or whose lease expired, is taken over with a conditional UPDATE while ``now`` is inside
    the grace period after ``scheduled_for``. ``force`` takes the run whatever its state.
    """
    now = now or utcnow()
    host = f"{socket.gethostname()}:{os.getpid()}"[:120]
    lease = now + timedelta(seconds=lease_seconds)
    run = JobRun(
        job=key,
        scheduled_for=scheduled_for,
        started_at=now,
        status="running",
        host=host,
        lease_expires_at=lease,
    )
    db.session.add(run)
    try:
        db.session.commit()
        return run
    except IntegrityError:
        db.session.rollback()
    too_late = grace_seconds is not None and now > scheduled_for + timedelta(seconds=grace_seconds)
    if too_late and not force:
        return None
    this_run = (JobRun.job == key, JobRun.scheduled_for == scheduled_for)
    statement = sa.update(JobRun).where(*this_run)
    if not force:
        statement = statement.where(retryable(now))
    result = db.session.execute(
        statement.values(
            status="running",
            started_at=now,
            finished_at=None,
            host=host,
            lease_expires_at=lease,
            attempts=JobRun.attempts + 1,
        ).execution_options(synchronize_session=False)
    )
    db.session.commit()
    if result.rowcount != 1:
        return None
    return db.session.scalar(sa.select(JobRun).where(*this_run))


def run_job(
    name: str,
    at: datetime,
    team_id: int | None = None,
    *,
    now: datetime | None = None,
    force: bool = False,
) -> tuple[str, str | None]:
    """Claim ``(name, at)`` and run it; returns (status, detail): done, failed or skipped.

    Every transaction of a job writes, so on SQLite each takes the write lock at its start.
    """
    spec = JOBS[name]
    if at.tzinfo is None:
        raise ValueError("run_job needs an aware datetime")
    at = at.astimezone(UTC)
    with writing():
        run = claim(
            job_key(name, team_id),
            at,
            now=now,
            grace_seconds=spec.grace_seconds,
            lease_seconds=spec.lease_seconds,
            force=force,
        )
        if run is None:
            return "skipped", "another scheduler has already run it"
        run_id, host = run.id, run.host
        db.session.commit()  # no transaction (on SQLite: no write lock) left open by that read
        try:
            with keep_lease(run_id, host, spec.lease_seconds):
                detail = spec.function(at, team_id)
            status = "done"
        except Exception:
            db.session.rollback()
            log.exception("job %s for %s failed", name, at.isoformat())
            detail, status = traceback.format_exc(limit=5), "failed"
        run = db.session.get(JobRun, run_id)
        run.status = status
        run.detail = None if detail is None else str(detail)[:4000]
        run.finished_at = utcnow()
        run.lease_expires_at = None
        db.session.commit()
        return status, run.detail


def last_runs() -> dict[str, JobRun]:
    """Each job key's latest run (admins see failures in ``huddle jobs list``)."""
    latest = (
        sa.select(JobRun.job, sa.func.max(JobRun.scheduled_for).label("at"))
        .group_by(JobRun.job)
        .subquery()
    )
    runs = db.session.scalars(
        sa.select(JobRun).join(
            latest, sa.and_(JobRun.job == latest.c.job, JobRun.scheduled_for == latest.c.at)
        )
    )
    return {run.job: run for run in runs}


def failed_runs(limit: int = 20) -> list[JobRun]:
    """The latest runs that failed or whose process died, newest first (the admin outbox page)."""
    return list(
        db.session.scalars(
            sa.select(JobRun)
            .where(retryable(utcnow()))
            .order_by(JobRun.scheduled_for.desc())
            .limit(limit)
        )
    )


def trigger_for(spec: JobSpec, team: TeamSchedule | None = None) -> CronTrigger | None:
    fields = spec.team_cron(team) if spec.per_team else spec.cron()
    return CronTrigger(**fields) if fields else None


def latest_fire_time(trigger: CronTrigger, now: datetime, grace_seconds: int) -> datetime | None:
    """The trigger's last fire time in ``(now - grace, now]``: the run this execution stands for.

    Several missed fire times inside the grace period coalesce into the latest one, which is also
    what APScheduler's ``coalesce=True`` does: one catch-up run, not one per missed tick.
    """
    fire = trigger.get_next_fire_time(None, now - timedelta(seconds=grace_seconds))
    latest = None
    while fire is not None and fire <= now:
        latest = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
    return latest.astimezone(UTC) if latest else None


def planned_jobs() -> list[tuple[str, JobSpec, TeamSchedule | None, CronTrigger]]:
    """(APScheduler id, spec, team, trigger) for every job and every team. Needs an app context."""
    teams = None
    planned = []
    for spec in JOBS.values():
        if spec.per_team:
            teams = teams if teams is not None else load_teams()
            for team in teams:
                trigger = trigger_for(spec, team)
                if trigger is not None:
                    planned.append((f"{spec.name}@{team.slug}", spec, team, trigger))
        else:
            planned.append((spec.name, spec, None, trigger_for(spec)))
    return planned


def execute(app: Flask, name: str, team_id: int | None, trigger: CronTrigger, grace: int) -> None:
    """What APScheduler calls: find the fire time this run stands for, then claim and run it."""
    with app.app_context():
        now = utcnow()
        scheduled_for = latest_fire_time(trigger, now, grace) or now.replace(microsecond=0)
        status, detail = run_job(name, scheduled_for, team_id)
        if status != "skipped" and name != "outbox-dispatch":
            log.info("%s %s (%s): %s", name, scheduled_for.isoformat(), status, detail)
        elif name == "outbox-dispatch" and DISPATCH_TROUBLE.search(detail or ""):
            # A revoked Slack token or a refusing SMTP server was said nowhere but the admin pages.
            log.warning("%s %s: %s (the admin outbox pages say why)", name, scheduled_for, detail)
        db.session.remove()


def catch_up(app: Flask, now: datetime | None = None) -> list[tuple[str, datetime, str]]:
    """At start-up: run once each job whose latest fire time within its grace was missed.

    APScheduler's memory job store forgets everything when the process stops, so misfires from
    downtime are found here, from the triggers and the JobRun table (claiming makes it safe to
    overlap with a run another scheduler already did).
    """
    done = []
    with app.app_context():
        now = now or utcnow()
        for _id, spec, team, trigger in planned_jobs():
            fire = latest_fire_time(trigger, now, spec.grace_seconds)
            if fire is None or spec.name == "outbox-dispatch":
                continue
            status, _detail = run_job(spec.name, fire, team.id if team else None, now=now)
            if status != "skipped":
                done.append((spec.name, fire, status))
        db.session.remove()
    return done


def recover(app: Flask, now: datetime | None = None) -> list[tuple[str, datetime, str]]:
    """Run again each run that failed or whose process died, while its job's grace period lasts.

    One query finds them; a failed run waits ``RECOVER_SECONDS`` doubled per attempt (capped at an
    hour) so a job that keeps failing does not run every minute until its grace is over.
    """
    done = []
    with app.app_context():
        now = now or utcnow()
        due = {}
        for _id, spec, team, trigger in planned_jobs():
            fire = latest_fire_time(trigger, now, spec.grace_seconds)
            if fire is not None and spec.name != "outbox-dispatch":
                due[(job_key(spec.name, team.id if team else None), fire)] = (spec, team)
        if due:
            runs = db.session.scalars(
                sa.select(JobRun).where(
                    JobRun.job.in_({key for key, _fire in due}),
                    JobRun.scheduled_for >= min(fire for _key, fire in due),
                    retryable(now),
                )
            ).all()
            db.session.commit()
            for run in runs:
                if (run.job, run.scheduled_for) not in due:
                    continue
                pause = timedelta(seconds=min(3600, RECOVER_SECONDS * 2 ** (run.attempts - 1)))
                if run.status == "failed" and run.finished_at and run.finished_at + pause > now:
                    continue
                spec, team = due[(run.job, run.scheduled_for)]
                status, _detail = run_job(
                    spec.name, run.scheduled_for, team.id if team else None, now=now
                )
                if status != "skipped":
                    done.append((spec.name, run.scheduled_for, status))
        db.session.remove()
    return done


def schedule_jobs(app: Flask, scheduler) -> None:
    """Add (or replace) every job; per-team ones follow the teams as they are now."""
    with app.app_context():
        planned = planned_jobs()
        db.session.remove()
    wanted = set()
    existing = {job.id: job for job in scheduler.get_jobs()}
    for job_id, spec, team, trigger in planned:
        wanted.add(job_id)
        if job_id in existing and repr(existing[job_id].trigger) == repr(trigger):
            continue  # unchanged: replacing it could skip a fire time due this very second
        scheduler.add_job(
            execute,
            trigger,
            args=[app, spec.name, team.id if team else None, trigger, spec.grace_seconds],
            id=job_id,
            name=job_id,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=spec.grace_seconds,
        )
    for job_id, job in existing.items():
        if job_id not in wanted and job_id not in OWN_JOBS:
            job.remove()


def build_scheduler(app: Flask, background: bool = False):
    cls = BackgroundScheduler if background else ForegroundScheduler
    scheduler = cls(
        timezone=UTC,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
    )
    schedule_jobs(app, scheduler)
    # Teams change (a new team, a moved stand-up time): re-plan the per-team triggers now and then.
    scheduler.add_job(
        schedule_jobs,
        "interval",
        minutes=REFRESH_TEAMS_MINUTES,
        args=[app, scheduler],
        id="refresh-teams",
        coalesce=True,
        max_instances=1,
    )
    # A fire time after the start-up catch-up but before the start is in neither (a digest due at
    # 08:00 of a scheduler started at 07:59:59 waited a day): catch up once more as soon as the
    # scheduler runs, when every later fire time is its own. The claims keep each run single.
    scheduler.add_job(catch_up, args=[app], id="catch-up-at-start", misfire_grace_time=None)
    # Failed runs, and runs whose process died, are run again within their grace period.
    scheduler.add_job(
        recover,
        "interval",
        seconds=RECOVER_SECONDS,
        args=[app],
        id="recover-runs",
        coalesce=True,
        max_instances=1,
    )
    return scheduler


def running_line(scheduler) -> str:
    """What ``huddle scheduler`` says once it has planned its jobs: the jobs by name, each per-team
    job with how many teams it runs for, and its own housekeeping apart. "Scheduler running 12
    jobs" counted the housekeeping and every team's copy, and named none of them."""
    teams: dict[str, int] = {}
    own = []
    for job in scheduler.get_jobs():
        if job.id in OWN_JOBS:
            own.append(job.id)
            continue
        name = job.id.partition("@")[0]
        teams[name] = teams.get(name, 0) + 1
    running, waiting = [], []
    for spec in JOBS.values():
        count = teams.get(spec.name, 0)
        if not spec.per_team:
            running += [spec.name] if count else []
        elif count:
            running.append(f"{spec.name} for {count} team{'' if count == 1 else 's'}")
        else:
            waiting.append(spec.name)
    line = f"Scheduler running {len(running)} jobs: {', '.join(running)}"
    if waiting:
        line += f"; waiting for a team: {', '.join(waiting)}"
    own = [name for name in OWN_JOBS if name in own]  # one order, whatever APScheduler's
    return f"{line}; and {len(own)} of its own ({', '.join(own)}). Ctrl+C to stop."
