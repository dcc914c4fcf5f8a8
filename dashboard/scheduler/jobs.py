"""The registry of scheduled jobs: name → (schedule, function(at)).

A job is a function decorated with ``@job(schedule)``: the job is named after it
(``standup_reminder`` → ``standup-reminder``) and described by its docstring. It takes the
instant it runs for (``at``, aware UTC) and, for per-team jobs, the team it was triggered for
(``team_id``; ``None`` means every team, as ``huddle jobs run`` does). It does its work in the
current app context and ends committed: the services it calls commit their own work, and what the
job adds itself (outbox rows) it commits once. The Slack builders share some of these names, which
is why they are called through their module (``messages.standup_reminder``).

Schedules are APScheduler cron fields. Per-team jobs get one trigger per team, in the team's own
timezone, on its workdays, placed relative to its stand-up time.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from complaints.briefs import digest, overdue_without_contact, unclaimed_low_ratings
from complaints.intake.mailing import send_due_surveys
from complaints.models import Complaint
from core.extensions import db
from core.i18n import speaking, user_voice
from core.mail import delivery as mail_delivery
from core.mail import outbox as mail
from core.models import Team, User
from core.teams import team_voice
from core.timestamps import clock_time
from core.urls import external_url
from dashboard.scheduler.models import JobRun
from dashboard.scheduler.working_hours import days_ahead, parse_hours, working_from
from dashboard.slack import messages
from dashboard.slack.client import managers_voice, setting
from dashboard.slack.delivery import dispatch
from dashboard.slack.escalations import escalation_key
from dashboard.slack.models import OutboxMessage
from dashboard.slack.outbox import enqueue, enqueue_message, tell_managers
from standup.briefs import reminders_due
from standup.queries import holiday_dates
from standup.services import auto_end_standups, prepare_standups
from wishes.briefs import wishes_for_review

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Jobs that run every few seconds or minutes: their old runs are forgotten after a day.
FREQUENT_JOBS = ("outbox-dispatch", "survey-mail")


@dataclass(frozen=True)
class TeamSchedule:
    """What a per-team trigger and job need to know about a team (plain data, loaded once)."""

    id: int
    slug: str
    name: str
    slack_channel: str | None
    timezone: str
    standup_time: time
    workdays: str
    timebox_minutes: int


@dataclass(frozen=True)
class JobSpec:
    name: str
    description: str
    function: Callable[[datetime, int | None], str]
    # Global jobs: cron fields (timezone included). Per-team jobs: a function of the team.
    cron: Callable[[], dict] | None = None
    team_cron: Callable[[TeamSchedule], dict | None] | None = None
    # How late a run may still start (after downtime or a busy moment); later ones are dropped.
    grace_seconds: int = 300
    # How long a claim holds when its process dies; shorter than the grace so a retry fits in it.
    lease_seconds: int = 120

    @property
    def per_team(self) -> bool:
        return self.team_cron is not None


def _shift(at: time, minutes: int) -> tuple[int, int]:
    """``at`` moved by ``minutes``, kept within the same day (a stand-up at 00:10 is not real)."""
    moved = datetime.combine(date(2000, 1, 2), at) + timedelta(minutes=minutes)
    if moved.date() != date(2000, 1, 2):
        moved = datetime.combine(date(2000, 1, 2), time(0, 0) if minutes < 0 else time(23, 59))
    return moved.hour, moved.minute


def _workdays(team: TeamSchedule) -> str | None:
    days = [WEEKDAY_NAMES[int(d) - 1] for d in sorted(set(team.workdays)) if d in "1234567"]
    return ",".join(days) or None


def _team_cron(team: TeamSchedule, minutes: int, day_of_week: str | None = None) -> dict | None:
    days = day_of_week or _workdays(team)
    if days is None:
        return None
    hour, minute = _shift(team.standup_time, minutes)
    return {
        "day_of_week": days,
        "hour": hour,
        "minute": minute,
        "second": 0,
        "timezone": ZoneInfo(team.timezone),
    }


def load_teams(team_id: int | None = None) -> list[TeamSchedule]:
    """Every team that holds stand-ups (or the one asked for), in one query; archived ones get
    no jobs."""
    statement = (
        sa.select(
            Team.id,
            Team.slug,
            Team.name,
            Team.slack_channel,
            Team.timezone,
            Team.standup_time,
            Team.workdays,
            Team.timebox_minutes,
        )
        .where(Team.archived_at.is_(None))
        .order_by(Team.id)
    )
    if team_id is not None:
        statement = statement.where(Team.id == team_id)
    return [TeamSchedule(*row) for row in db.session.execute(statement)]


# --- schedules and the registry ------------------------------------------------------------------

JOBS: dict[str, JobSpec] = {}


def job(**schedule) -> Callable:
    """Register the decorated function as a job: named after it (``standup_reminder`` →
    ``standup-reminder``) and described by its docstring's first paragraph, so what a job does is
    written once; ``huddle jobs`` lists them in the order they are defined below."""

    def register(function: Callable[[datetime, int | None], str]) -> Callable:
        name = function.__name__.replace("_", "-")
        description = " ".join(function.__doc__.split("\n\n")[0].split())
        JOBS[name] = JobSpec(name, description, function, **schedule)
        return function

    return register


def _utc(**fields) -> Callable[[], dict]:
    """A global job's cron fields on UTC's clock (it runs every few minutes, whatever the teams'
    timezones)."""
    return lambda: {**fields, "timezone": ZoneInfo("UTC")}


def _before_standup(minutes: Callable[[], int] | int, day_of_week=None) -> Callable:
    """A per-team schedule ``minutes`` before each team's stand-up (a function when a setting
    decides it, read when the triggers are built)."""

    def cron(team: TeamSchedule) -> dict | None:
        ahead = minutes() if callable(minutes) else minutes
        return _team_cron(team, -ahead, day_of_week() if day_of_week else None)

    return cron


def _digest_cron() -> dict:
    at = clock_time(setting("DIGEST_TIME"))  # checked at start-up (``slack.client``)
    return {
        "hour": at.hour,
        "minute": at.minute,
        "second": 0,
        "timezone": ZoneInfo(setting("DIGEST_TIMEZONE")),
    }


def _review_day() -> str:
    return current_app.config["WISH_REVIEW_DAY"][:3]


# --- the job functions ---------------------------------------------------------------------------


@job(team_cron=_before_standup(30), grace_seconds=30 * 60)
def standup_prepare(at: datetime, team_id: int | None = None) -> str:
    """Build each team's stand-up and agenda, 30 minutes before it starts.

    The stand-up package does the work, and commits.
    """
    return f"{len(prepare_standups(at))} stand-ups prepared"


@job(
    team_cron=_before_standup(lambda: int(setting("SLACK_REMINDER_MINUTES"))), grace_seconds=5 * 60
)
def standup_reminder(at: datetime, team_id: int | None = None) -> str:
    """Remind each team due now: the agenda headline and who has not checked in."""
    count = 0
    for reminder in reminders_due(at, setting("SLACK_REMINDER_MINUTES")):
        if team_id is not None and reminder.team_id != team_id:
            continue
        key = f"standup-reminder:{reminder.team_id}:{reminder.standup_on.isoformat()}"
        with speaking(*team_voice(reminder.team_id)):
            message = messages.standup_reminder(reminder)
        if enqueue_message(reminder.channel, "standup-reminder", key, message):
            count += 1
    db.session.commit()
    return f"{count} reminders"


@job(team_cron=lambda team: _team_cron(team, team.timebox_minutes + 30), grace_seconds=60 * 60)
def standup_summary(at: datetime, team_id: int | None = None) -> str:
    """End stand-ups left running past their timebox; ending one posts its summary (a signal)."""
    return f"{len(auto_end_standups(at))} stand-ups ended"


def _local_day(at: datetime, timezone: str) -> date:
    return at.astimezone(ZoneInfo(timezone)).date()


@job(cron=_digest_cron, grace_seconds=3 * 60 * 60)
def complaints_digest(at: datetime, team_id: int | None = None) -> str:
    """The morning complaints digest to the managers' channel.

    Once per day: its dedup key is the day.
    """
    on = _local_day(at, setting("DIGEST_TIMEZONE"))
    lines = digest(at, limit=messages.MAX_THREAD_LINES)
    queued = tell_managers(
        "complaints-digest",
        f"complaints-digest:{on}",
        lambda: messages.complaints_digest(lines, on),
    )
    db.session.commit()
    return "queued" if queued else "already queued"


@job(cron=_utc(minute="*/15", second=0), grace_seconds=15 * 60)
def follow_up_watch(at: datetime, team_id: int | None = None) -> str:
    """Complaints that passed their deadline since the last watch with no contact logged.

    Each watch covers the deadlines in (previous watch, this one], so a complaint is reported once
    per deadline (a new deadline is a new report). The owner gets a direct message and an e-mail
    too (in their own language).
    """
    previous = db.session.scalar(
        sa.select(sa.func.max(JobRun.scheduled_for)).where(
            JobRun.job == "follow-up-watch", JobRun.status == "done", JobRun.scheduled_for < at
        )
    )
    briefs = [
        brief
        for brief in overdue_without_contact(at)
        if previous is None or brief.due_at > previous
    ]
    if not briefs:
        db.session.commit()
        return "nothing newly overdue"
    owner_ids = {brief.owner_id for brief in briefs if brief.owner_id}
    owners = (
        {
            user.id: user
            for user in db.session.scalars(
                sa.select(User).options(selectinload(User.team)).where(User.id.in_(owner_ids))
            )
        }
        if owner_ids
        else {}
    )
    slack_ids = {
        user_id: user.slack_user_id for user_id, user in owners.items() if user.slack_user_id
    }
    tell_managers(
        "follow-up-watch",
        f"follow-up-watch:{at.isoformat()}",
        lambda: messages.follow_up_watch(briefs, slack_ids),
    )
    for brief in briefs:
        key = f"follow-up:{brief.id}:{int(brief.due_at.timestamp())}"
        if brief.owner_id in slack_ids:
            with speaking(*user_voice(owners[brief.owner_id])):  # a direct message: the owner's
                nudge = messages.follow_up_nudge(brief)
            enqueue_message(slack_ids[brief.owner_id], "follow-up-nudge", key, nudge)
        if brief.owner_id in owners:
            mail.to_user(
                owners[brief.owner_id],
                "follow-up-overdue",
                key,
                "follow_up_overdue",
                _l("Overdue: call %(client)s back", client=brief.client_name),
                name=owners[brief.owner_id].name,
                client=brief.client_name,
                summary=brief.summary,
                due_at=brief.due_at,
                link=external_url("complaints.detail", complaint_id=brief.id),
            )
    db.session.commit()
    return f"{len(briefs)} newly overdue"


@job(cron=_utc(minute="*/5", second=0), grace_seconds=5 * 60)
def claim_watch(at: datetime, team_id: int | None = None) -> str:
    """Low-rating alerts nobody claimed within CLAIM_MINUTES: one reply in each alert's thread.

    The reply mentions the heads of support (active admins with a Slack id). Its dedup key is the
    rating's, so an alert is escalated once however often the watch runs; only alerts that were
    posted (an outbox row exists) are escalated, and only within a few days of the rating.

    The claim is late in the working time of the managers' team (#17): the complaint's team, else
    ``HUDDLE_MANAGERS_TEAM`` (a slug), else around the clock. A claim that falls due at night, on a
    weekend or a holiday of that team is escalated at the start of its next working period.
    """
    minutes = int(setting("CLAIM_MINUTES"))
    cutoff = at - timedelta(minutes=minutes)
    ratings = unclaimed_low_ratings(cutoff - CLAIM_LOOKBACK, cutoff)
    teams = _claim_teams(ratings)
    hours = parse_hours(setting("WORK_HOURS"))
    holidays = holiday_dates(
        {t.id for t in teams.values()},
        {day for t in teams.values() for day in days_ahead(t, cutoff - CLAIM_LOOKBACK)}
        | {day for t in teams.values() for day in days_ahead(t, cutoff)},
    )
    alert_keys = {}
    for rating in ratings:
        team = teams.get(rating.id)
        due = rating.received_at + timedelta(minutes=minutes)
        if team is None or working_from(team, due, hours, holidays[team.id]) <= at:
            alert_keys[f"low-rating:{rating.id}"] = rating
    posted = set(
        db.session.scalars(
            sa.select(OutboxMessage.dedup_key).where(OutboxMessage.dedup_key.in_(alert_keys))
        )
        if alert_keys
        else ()
    )
    heads = (
        list(
            db.session.scalars(
                sa.select(User.slack_user_id)
                .where(User.role == "admin", User.active, User.slack_user_id.is_not(None))
                .order_by(User.id)
            )
        )
        if posted
        else {}
    )
    count = 0
    for key in sorted(posted):
        with speaking(*managers_voice()):
            message = messages.unclaimed_alert(alert_keys[key], minutes, heads)
        channel = setting("SLACK_MANAGERS_CHANNEL")
        if enqueue(
            channel,
            "low-rating-escalation",
            escalation_key(alert_keys[key].id),
            message.text,
            message.blocks,
            thread_parent_key=key,
        ):
            count += 1
    db.session.commit()
    return f"{count} escalated"


CLAIM_LOOKBACK = timedelta(days=5)  # a long weekend and a holiday, with the query still bounded


def _claim_teams(ratings) -> dict[int, Team]:
    """Per rating, the team whose working hours its claim runs in (see ``claim_watch``); ratings
    missing from the answer run around the clock. Two queries however many ratings."""
    complaint_ids = {r.complaint_id for r in ratings if r.complaint_id is not None}
    team_of = dict(
        db.session.execute(
            sa.select(Complaint.id, Complaint.team_id).where(Complaint.id.in_(complaint_ids))
        ).all()
        if complaint_ids
        else ()
    )
    fallback = setting("MANAGERS_TEAM")
    team_ids = {t for t in team_of.values() if t is not None}
    where = [Team.id.in_(team_ids)]
    if fallback:
        where.append(Team.slug == fallback)
    teams = list(db.session.scalars(sa.select(Team).where(sa.or_(*where))))
    by_id = {t.id: t for t in teams}
    default = next((t for t in teams if t.slug == fallback), None)
    found = {}
    for rating in ratings:
        team = by_id.get(team_of.get(rating.complaint_id)) or default
        if team is not None:
            found[rating.id] = team
    return found


@job(team_cron=_before_standup(30, day_of_week=_review_day), grace_seconds=3 * 60 * 60)
def wish_review_agenda(at: datetime, team_id: int | None = None) -> str:
    """The morning of the review day: the wishes each team will decide."""
    count = 0
    for team in load_teams(team_id):
        if not team.slack_channel:
            continue
        on = _local_day(at, team.timezone)
        wishes = wishes_for_review(team.id, on)
        if not wishes:
            continue
        key = f"wish-review-agenda:{team.id}:{on.isoformat()}"
        with speaking(team.locale, team.timezone):
            message = messages.wish_review_agenda(team.name, on, wishes, team.slug)
        if enqueue_message(team.slack_channel, "wish-review-agenda", key, message):
            count += 1
    db.session.commit()
    return f"{count} agendas"


@job(cron=_utc(minute="*/5", second=30), grace_seconds=60 * 60)
def survey_mail(at: datetime, team_id: int | None = None) -> str:
    """E-mail rating surveys after completed services, and one reminder.

    The intake package does the work, and commits.
    """
    surveys, reminders = send_due_surveys(at)
    return f"{surveys} surveys, {reminders} reminders"


@job(cron=_utc(second="*/10"), grace_seconds=30)
def outbox_dispatch(at: datetime, team_id: int | None = None) -> str:
    """Send the Slack and mail outboxes (paced, retried).

    Each outbox keeps its own pacing and backoff. Then forget frequent jobs' runs older than a day
    (they only guard the tick).
    """
    report = f"slack: {dispatch(at)}; mail: {mail_delivery.dispatch(at)}"
    db.session.execute(
        sa.delete(JobRun).where(
            JobRun.job.in_(FREQUENT_JOBS), JobRun.scheduled_for < at - timedelta(days=1)
        )
    )
    db.session.commit()
    return report
