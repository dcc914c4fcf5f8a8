"""Running jobs exactly once: the JobRun claim, the APScheduler process, and catching up.

Every run first commits ``JobRun(job, scheduled_for)``; the unique key makes the first scheduler
to get there the only one to run it (the other gets an IntegrityError and skips). ``scheduled_for``
is the trigger's fire time, computed from the cron fields, so two processes that both wake for
08:00 compute the same key. A run that starts and then fails is not retried by the other
scheduler: the side effects it already committed (outbox rows) have their own dedup keys, and the
next scheduled run picks up whatever is still to do.
"""

import logging
import os
import socket
import traceback
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from flask import Flask
from sqlalchemy.exc import IntegrityError

from core.database import utcnow
from core.extensions import db
from dashboard.scheduler.jobs import JOBS, JobSpec, TeamSchedule, load_teams
from dashboard.scheduler.models import JobRun

log = logging.getLogger(__name__)
REFRESH_TEAMS_MINUTES = 5


def job_key(name: str, team_id: int | None) -> str:
    return name if team_id is None else f"{name}@team-{team_id}"


def claim(key: str, scheduled_for: datetime) -> JobRun | None:
    """Insert and commit the run's row; None when another scheduler already has it."""
    run = JobRun(
        job=key,
        scheduled_for=scheduled_for,
        started_at=utcnow(),
        status="running",
        host=f"{socket.gethostname()}:{os.getpid()}"[:120],
    )
    db.session.add(run)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return run


def run_job(name: str, at: datetime, team_id: int | None = None) -> tuple[str, str | None]:
    """Claim ``(name, at)`` and run it; returns (status, detail): done, failed or skipped."""
    spec = JOBS[name]
    if at.tzinfo is None:
        raise ValueError("run_job needs an aware datetime")
    at = at.astimezone(UTC)
    run = claim(job_key(name, team_id), at)
    if run is None:
        return "skipped", "another scheduler has already run it"
    run_id = run.id
    try:
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
    db.session.commit()
    return status, run.detail


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
            status, _detail = run_job(spec.name, fire, team.id if team else None)
            if status != "skipped":
                done.append((spec.name, fire, status))
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
        if job_id not in wanted and job_id != "refresh-teams":
            job.remove()


def build_scheduler(app: Flask, background: bool = False):
    cls = BackgroundScheduler if background else BlockingScheduler
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
    return scheduler
