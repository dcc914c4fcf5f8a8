"""Demo stand-ups: a week of history for both teams, a rotation, a holiday, and today's agenda.

Everything goes through the public services, each told the moment it happened (``now=``), so the
history keeps the same rules as a real week: each past workday is prepared, checked in to, run item
by item and ended by its facilitator, and its summary is the one ending stores. Ending also queues
that summary for the team's Slack channel, as a real meeting would. Idempotent: a day that already
has a stand-up is left alone, so running ``huddle demo`` again adds nothing.
"""

from datetime import date, datetime, timedelta

from core.database import utcnow
from core.demo import DemoContext
from core.models import Team, User
from standup import queries, schedule, services

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
        _settings(team, people, now)
        today = schedule.local_date(team, now)
        for index, back in enumerate(range(HISTORY_DAYS, 0, -1)):
            _past_standup(team, people, today - timedelta(days=back), index + len(slug), now)
        services.prepare_standup(team, now)


def _settings(team: Team, people: list[User], now: datetime) -> None:
    """A rotation in name order and a holiday ahead, saved by the team's manager."""
    rotation = queries.rotation_emails(team.id)
    holidays = [(h.on, h.name) for h in queries.holidays_of(team.id)]
    christmas = _christmas_ahead(team, now)
    known = christmas in {on for on, _name in holidays}
    manager = next((u for u in people if u.has_role("manager")), None)
    if (rotation and known) or manager is None:
        return
    services.update_team_settings(
        team,
        manager,
        name=team.name,
        slack_channel=team.slack_channel,
        standup_time=team.standup_time,
        timezone=team.timezone,
        workdays=list(team.workdays),
        timebox_minutes=team.timebox_minutes,
        grace_minutes=team.grace_minutes,
        holidays=holidays if known else [*holidays, (christmas, "Christmas")],
        rotation_emails=rotation or [u.email.lower() for u in people],
    )


def _christmas_ahead(team: Team, now: datetime) -> date:
    """The next 25 December, so the settings page shows a holiday and the schedule skips it."""
    today = schedule.local_date(team, now)
    christmas = date(today.year, 12, 25)
    return christmas if christmas >= today else christmas.replace(year=today.year + 1)


def _past_standup(team: Team, people: list[User], on: date, seed: int, now: datetime) -> None:
    """One past day, held the way the team holds it: check-ins, the meeting, an action item."""
    starts = schedule.starts_at(team, on)
    standup = services.prepare_standup(team, starts - timedelta(hours=1))
    by_id = {u.id: u for u in people}
    if standup is None or standup.facilitator_id not in by_id:
        return  # not a workday, or that day is already there
    facilitator = by_id[standup.facilitator_id]
    others = [u for u in people if u is not facilitator]
    absent = others[seed % len(others)] if len(people) > 2 else None
    present = [u for u in people if u is not absent]
    for offset, person in enumerate(present):
        pick = (seed + offset) % len(TODAY)
        services.record_check_in(
            person,
            YESTERDAY[pick],
            TODAY[pick],
            BLOCKERS[pick],
            3 + (seed + offset) % 3,
            on=on,
            source="slack" if offset % 2 else "board",
            now=starts - timedelta(minutes=20 - offset),
        )

    started = starts + timedelta(minutes=seed % 4)
    duration = timedelta(minutes=11 + seed % 7)  # some days overrun the 15 minutes a little
    services.start_standup(standup, facilitator, now=started)
    pick = seed % len(ACTIONS)
    owner = people[(seed + 1) % len(people)]
    action = services.add_action_item(
        standup,
        facilitator,
        ACTIONS[pick],
        owner.id,
        on + timedelta(days=2),
        now=started + timedelta(minutes=5),
    )
    if DECISIONS[pick]:
        services.add_decision(standup, facilitator, DECISIONS[pick], now=started)
    if TOPICS[pick]:
        services.add_topic(standup, facilitator, TOPICS[pick], now=started)
    step = duration / max(len(queries.agenda_items(standup.id)), 1)
    clock = started
    while standup.current_position is not None:
        clock += step
        services.next_item(standup, facilitator, standup.current_position, now=clock)
    services.end_standup(standup, facilitator, now=started + duration)
    done = started + timedelta(days=1)
    if seed % 3 and done <= now:  # most are done the next day; the rest are on today's agenda
        services.complete_action_item(action.id, owner, now=done)
