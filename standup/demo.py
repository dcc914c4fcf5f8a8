"""Demo stand-ups: a week of history for both teams, a rotation, a holiday, and today's agenda.

Idempotent: a day that already has a stand-up is left alone, so running ``huddle demo`` again adds
nothing. The history is written directly (not through ``end_standup``) so that seeding the demo does
not send a week of summaries to Slack; the summaries themselves are computed by the real service.
"""

from datetime import date, timedelta

import sqlalchemy as sa

from core.database import utcnow
from core.demo import DemoContext
from core.extensions import db
from standup import agenda, briefs, queries, schedule, services
from standup.models import (
    ActionItem,
    AgendaItem,
    Attendance,
    CheckIn,
    Decision,
    Holiday,
    ParkingLotItem,
    RotationEntry,
    Standup,
)

HISTORY_DAYS = 7

YESTERDAY = [
    "Called back the clients from the overnight complaints",
    "Closed the refund queue",
    "Trained the new macro for late deliveries",
    "Chats all afternoon; two escalations",
    "Reviewed low ratings with the courier team",
]
TODAY = [
    "Personal calls for the follow-ups due today",
    "Billing errors first, then chats",
    "Write the FAQ entry about delivery windows",
    "Pair with the new colleague on e-mail",
    "Call the clients who rated us 1 or 2",
]
BLOCKERS = ["", "", "Refund tool is slow after 16:00", "", "Waiting for the courier's report"]
ACTIONS = [
    "Ask billing why refunds take three days",
    "Update the late-delivery playbook with the new courier number",
    "Share this week's low ratings with the warehouse",
    "Schedule a call with the courier account manager",
    "Draft the reply template for damaged items",
]
DECISIONS = [
    "Refunds up to 50 are approved by the owner without waiting",
    "Follow-ups due before noon are called first thing",
    "",
    "We call every client who rated 1, even at the weekend",
    "",
]
TOPICS = ["Holiday rota for next month", "", "New headset budget", "", ""]


def seed(context: DemoContext) -> None:
    now = utcnow()
    for slug, team in context.teams.items():
        people = sorted(
            (u for u in context.users.values() if u.team_id == team.id), key=lambda u: u.name
        )
        _rotation(team, people)
        _holiday(team, now)
        today = schedule.local_date(team, now)
        history = [today - timedelta(days=n) for n in range(HISTORY_DAYS, 0, -1)]
        holidays = queries.holiday_dates([team.id], [*history, today])[team.id]
        existing = set(
            db.session.scalars(
                sa.select(Standup.on).where(Standup.team_id == team.id, Standup.on.in_(history))
            )
        )
        for index, on in enumerate(history):
            if on in existing or not schedule.is_workday(team, on, holidays):
                continue
            _past_standup(team, people, on, index + len(slug))
        db.session.flush()
        if schedule.is_workday(team, today, holidays):
            services._ensure(team, today, now)


def _rotation(team, people) -> None:
    if db.session.scalar(sa.select(RotationEntry.id).where(RotationEntry.team_id == team.id)):
        return
    db.session.add_all(
        RotationEntry(team_id=team.id, user_id=u.id, position=i) for i, u in enumerate(people)
    )


def _holiday(team, now) -> None:
    """A holiday a few weeks ahead, so the settings page shows one and the schedule skips it."""
    on = date(schedule.local_date(team, now).year, 12, 25)
    if on < schedule.local_date(team, now):
        on = on.replace(year=on.year + 1)
    known = db.session.scalar(
        sa.select(Holiday.id).where(Holiday.team_id == team.id, Holiday.on == on)
    )
    if known is None:
        db.session.add(Holiday(team_id=team.id, on=on, name="Christmas"))


def _past_standup(team, people, on: date, seed: int) -> None:
    starts = schedule.starts_at(team, on)
    started = starts + timedelta(minutes=seed % 4)
    duration = timedelta(minutes=11 + seed % 7)  # some days overrun the 15 minutes a little
    facilitator = people[seed % len(people)] if people else None
    standup = Standup(
        team_id=team.id,
        on=on,
        status="ended",
        starts_at=starts,
        since_at=starts - timedelta(days=1),
        timebox_seconds=team.timebox_minutes * 60,
        facilitator_id=facilitator.id if facilitator else None,
        started_at=started,
        started_by_id=facilitator.id if facilitator else None,
        auto_end_at=started + timedelta(minutes=team.timebox_minutes + team.grace_minutes),
        ended_at=started + duration,
        ended_by_id=facilitator.id if facilitator else None,
        end_reason="facilitator",
    )
    db.session.add(standup)
    db.session.flush()
    absent = people[(seed + 2) % len(people)].id if len(people) > 2 else None
    present = [u for u in people if u.id != absent]
    plans = agenda.build(
        agenda.AgendaInputs(
            team=team,
            on=on,
            since=standup.since_at,
            now=started,
            members=[(u.id, u.name) for u in present],
        )
    )
    clock = started
    step = duration / max(len(plans), 1)
    for position, plan in enumerate(plans):
        db.session.add(
            AgendaItem(
                standup_id=standup.id,
                position=position,
                kind=plan.kind,
                title=plan.title[:300],
                timebox_seconds=plan.timebox_seconds,
                refs=plan.refs,
                started_at=clock,
                ended_at=clock + step,
            )
        )
        clock += step
    for offset, person in enumerate(present):
        pick = (seed + offset) % len(TODAY)
        db.session.add(
            CheckIn(
                standup_id=standup.id,
                user_id=person.id,
                yesterday=YESTERDAY[pick],
                today=TODAY[pick],
                blockers=BLOCKERS[pick],
                mood=3 + (seed + offset) % 3,
                source="slack" if offset % 2 else "board",
                created_at=starts - timedelta(minutes=20),
                updated_at=starts - timedelta(minutes=20),
            )
        )
    db.session.add_all(
        Attendance(standup_id=standup.id, user_id=u.id, present=u.id != absent, marked_at=started)
        for u in people
    )
    pick = seed % len(ACTIONS)
    owner = people[(seed + 1) % len(people)] if people else None
    db.session.add(
        ActionItem(
            team_id=team.id,
            standup_id=standup.id,
            text=ACTIONS[pick],
            owner_id=owner.id if owner else None,
            due_on=on + timedelta(days=2),
            created_by_id=facilitator.id if facilitator else None,
            created_at=started + timedelta(minutes=5),
            # Older ones are done; the last couple stay open and show up on today's agenda.
            done_at=started + timedelta(days=1) if seed % 3 else None,
        )
    )
    if DECISIONS[pick]:
        db.session.add(Decision(standup_id=standup.id, text=DECISIONS[pick], created_at=started))
    if TOPICS[pick]:
        db.session.add(
            ParkingLotItem(
                team_id=team.id,
                standup_id=standup.id,
                topic=TOPICS[pick],
                created_at=started,
                discussed_at=started + duration,
                discussed_standup_id=standup.id,
            )
        )
    db.session.flush()
    standup.summary = agenda.jsonable(briefs.summary_for(standup))
