"""Stand-ups as other packages read them: Today, Slack (reminders, summaries), the scheduler.

Plain frozen dataclasses, never ORM objects, so a caller cannot lazy-load or change a stand-up by
accident, and a Slack message built from them carries only what the team may see. Each function is
a fixed number of queries however many teams, members or items there are. Reading never prepares a
stand-up: that is a write, in ``standup.services``.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import format_time
from flask_babel import gettext as _

from core.database import utcnow
from core.extensions import db
from core.i18n import speaking
from core.models import Team, User
from core.urls import external_url
from standup import queries, schedule
from standup.models import ActionItem, Attendance, CheckIn, Decision, ParkingLotItem, Standup
from standup.rules import is_blocker


@dataclass(frozen=True)
class ReminderBrief:
    team_id: int
    team_name: str
    channel: str | None
    standup_on: date
    starts_at: datetime
    headline: str
    missing: list[tuple[int, str, str | None]]  # (user_id, name, slack_user_id)
    team_slug: str | None = None


@dataclass(frozen=True)
class StandupSummary:
    team_id: int
    channel: str | None
    standup_on: date
    duration_seconds: int
    timebox_seconds: int
    attended: list[str]
    absent: list[str]
    action_items: list[tuple[str, str | None, date | None]]  # (text, owner_name, due_on)
    blockers: list[tuple[str, str]]  # (name, text)
    check_ins: list[
        tuple[str, str, str, str, int | None]
    ]  # (name, yesterday, today, blockers, mood)
    decisions: list[str]
    url: str
    team_name: str = ""
    # Added for issue #17 (defaults keep older callers and stored summaries valid):
    held: bool = True  # False: the day passed (or it was ended) without the meeting starting
    parking_lot: tuple[str, ...] = ()  # topics raised at this stand-up for after it
    # Agenda items the meeting never reached: (kind, refs), refs only for carried items (what
    # ``titles.unreached_title`` writes their title from, in the reader's language). Summaries stored
    # before issue #13 hold (kind, title text) instead; ``unreached_title`` shows both.
    unreached: list[tuple[str, dict | str]] = field(default_factory=list)


@dataclass(frozen=True)
class TodayStandup:
    team_id: int
    team_name: str
    standup_on: date
    status: str  # planned | live | ended
    starts_at: datetime
    checked_in: bool
    url: str


@dataclass(frozen=True)
class ActionItemBrief:
    id: int
    text: str
    owner_id: int | None
    owner_name: str | None
    due_on: date | None
    standup_on: date
    team_id: int
    age_days: int
    overdue: bool


def board_url(team_slug: str, on: date) -> str:
    """The board's full address on HUDDLE_BASE_URL (Slack links need it absolute)."""
    return external_url("standup.board", slug=team_slug, on=on.isoformat())


def summary_for(standup: Standup) -> StandupSummary:
    """Attendance, duration against the timebox, decisions, new action items, blockers, check-ins."""
    team = standup.team
    people = queries.members([team.id])
    away = queries.away_on([u.id for u in people], standup.on)
    marked = db.session.execute(
        sa.select(Attendance.user_id, Attendance.present, User.name)
        .join(User, User.id == Attendance.user_id)
        .where(Attendance.standup_id == standup.id)
    ).all()
    present = {row.user_id: row.present for row in marked}
    order = {u.id: index for index, u in enumerate(people)}
    attended = [
        row.name
        for row in sorted(marked, key=lambda r: (order.get(r.user_id, len(order)), r.name))
        if row.present
    ]
    absent = [u.name for u in people if u.id not in away and not present.get(u.id)]
    check_ins = list(
        db.session.scalars(
            sa.select(CheckIn)
            .where(CheckIn.standup_id == standup.id)
            .order_by(CheckIn.created_at, CheckIn.id)
        ).unique()
    )
    check_ins.sort(key=lambda c: order.get(c.user_id, len(order)))
    actions = db.session.execute(
        sa.select(ActionItem.text, User.name, ActionItem.due_on)
        .outerjoin(User, User.id == ActionItem.owner_id)
        .where(ActionItem.standup_id == standup.id)
        .order_by(ActionItem.created_at, ActionItem.id)
    ).all()
    decisions = list(
        db.session.scalars(
            sa.select(Decision.text)
            .where(Decision.standup_id == standup.id)
            .order_by(Decision.created_at, Decision.id)
        )
    )
    parking_lot = tuple(
        db.session.scalars(
            sa.select(ParkingLotItem.topic)
            .where(ParkingLotItem.standup_id == standup.id)
            .order_by(ParkingLotItem.created_at, ParkingLotItem.id)
        )
    )
    held = standup.started_at is not None
    unreached = [
        (item.kind, dict(item.refs or {}) if item.kind == "carried" else {})
        for item in queries.agenda_items(standup.id)
        if held and item.started_at is None
    ]
    duration = 0
    if standup.started_at is not None and standup.ended_at is not None:
        duration = int((standup.ended_at - standup.started_at).total_seconds())
    return StandupSummary(
        team_id=team.id,
        channel=team.slack_channel,
        standup_on=standup.on,
        duration_seconds=duration,
        timebox_seconds=standup.timebox_seconds,
        attended=attended,
        absent=absent,
        action_items=[(row[0], row[1], row[2]) for row in actions],
        blockers=[(c.user.name, c.blockers) for c in check_ins if is_blocker(c.blockers)],
        check_ins=[(c.user.name, c.yesterday, c.today, c.blockers, c.mood) for c in check_ins],
        decisions=decisions,
        url=board_url(team.slug, standup.on),
        team_name=team.name,
        held=held,
        parking_lot=parking_lot,
        unreached=unreached,
    )


def reminders_due(at: datetime, minutes_before: int) -> list[ReminderBrief]:
    """Teams whose stand-up starts within ``minutes_before`` of ``at`` and has not started yet.

    ``missing`` lists members who are neither away nor checked in: the only people to remind.
    Non-workdays and holidays give no reminder at all. Six queries however many teams.
    """
    all_teams = queries.teams()
    local = {team.id: schedule.local_date(team, at) for team in all_teams}
    holidays = queries.holiday_dates(local.keys(), local.values())
    due: list[tuple[Team, date, datetime]] = []
    for team in all_teams:
        on = local[team.id]
        if not schedule.is_workday(team, on, holidays[team.id]):
            continue
        start = schedule.starts_at(team, on)
        if start - timedelta(minutes=minutes_before) <= at < start:
            due.append((team, on, start))
    if not due:
        return []
    standups = {
        s.team_id: s
        for s in db.session.scalars(
            sa.select(Standup).where(
                sa.or_(*(sa.and_(Standup.team_id == t.id, Standup.on == on) for t, on, _s in due))
            )
        )
    }
    people = queries.members([t.id for t, _on, _s in due])
    away_by_day: dict[date, set[int]] = {}
    for day in {on for _t, on, _s in due}:
        away_by_day[day] = queries.away_on([u.id for u in people], day)
    checked = set(
        db.session.execute(
            sa.select(CheckIn.standup_id, CheckIn.user_id).where(
                CheckIn.standup_id.in_([s.id for s in standups.values()] or [0])
            )
        )
    )
    briefs = []
    for team, on, start in due:
        standup = standups.get(team.id)
        if standup is not None and standup.status != "planned":
            continue
        expected = [u for u in people if u.team_id == team.id and u.id not in away_by_day[on]]
        missing = [
            (u.id, u.name, u.slack_user_id)
            for u in expected
            if standup is None or (standup.id, u.id) not in checked
        ]
        # Read in the team's Slack channel: its language, the start in its timezone.
        with speaking(team.locale, team.timezone):
            headline = _(
                "Stand-up at %(time)s: %(done)d of %(total)d checked in",
                time=format_time(start, "short"),
                done=len(expected) - len(missing),
                total=len(expected),
            )
        briefs.append(
            ReminderBrief(
                team.id, team.name, team.slack_channel, on, start, headline, missing, team.slug
            )
        )
    return briefs


def today_for(user: User, now: datetime) -> TodayStandup | None:
    """The user's team stand-up today, for the Today page (reads only: never prepares it)."""
    team = user.team
    if team is None:
        return None
    on = schedule.local_date(team, now)
    if not schedule.is_workday(team, on, queries.holiday_dates([team.id], [on])[team.id]):
        return None
    standup = queries.standup_on(team.id, on)
    checked_in = standup is not None and user.id in queries.checked_in_ids(standup.id)
    return TodayStandup(
        team_id=team.id,
        team_name=team.name,
        standup_on=on,
        status=standup.status if standup is not None else "planned",
        starts_at=standup.starts_at if standup is not None else schedule.starts_at(team, on),
        checked_in=checked_in,
        url=board_url(team.slug, on),
    )


def open_action_items(user_id: int) -> list[ActionItemBrief]:
    """A person's open action items from every stand-up, the nearest due date first."""
    now = utcnow()
    rows = db.session.execute(
        sa.select(ActionItem, Standup.on)
        .join(Standup, Standup.id == ActionItem.standup_id)
        .where(ActionItem.owner_id == user_id, ActionItem.done_at.is_(None))
        .order_by(ActionItem.due_on.is_(None), ActionItem.due_on, ActionItem.created_at)
    ).unique()
    return [
        ActionItemBrief(
            id=item.id,
            text=item.text,
            owner_id=item.owner_id,
            owner_name=item.owner.name if item.owner else None,
            due_on=item.due_on,
            standup_on=on,
            team_id=item.team_id,
            age_days=max(0, (now - item.created_at).days),
            overdue=item.due_on is not None and item.due_on < now.date(),
        )
        for item, on in rows
    ]
