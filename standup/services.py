"""Stand-up rules: preparing the day's meeting, check-ins, live mode, ending, summaries, settings.

Every write happens here, and each public function that changes something commits once (a request or
a job is one transaction). Functions other packages call take and return plain values or dataclasses:
``prepare_standups``, ``auto_end_standups``, ``reminders_due``, ``record_check_in``, ``summary_for``,
``today_for`` and ``open_action_items``.
"""

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import has_request_context, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from core.database import utcnow
from core.errors import RuleError
from core.extensions import db
from core.models import Team, User
from core.signals import standup_ended
from core.urls import external_url
from standup import agenda, schedule
from standup.models import (
    ActionItem,
    AgendaItem,
    Attendance,
    AwayDay,
    CheckIn,
    Decision,
    Holiday,
    ParkingLotItem,
    RotationEntry,
    Standup,
)

log = logging.getLogger(__name__)

TEXT_MAX = 2000
ITEM_TEXT_MAX = 500
AWAY_RANGE_MAX_DAYS = 62


# The faces Slack's check-in offers (🙂😐😟), on the board's 1–5 scale.
EMOJI_MOODS = {"🙂": 4, "😐": 3, "😟": 2}


class StandupError(RuleError):
    """A stand-up rule said no (see ``core.errors.RuleError``)."""


# --- plain data other packages receive -------------------------------------------------------


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


# --- loading helpers (each one query) ---------------------------------------------------------


def team_by_slug(slug: str) -> Team | None:
    return db.session.scalar(sa.select(Team).where(Team.slug == slug))


def teams() -> list[Team]:
    """The teams that hold stand-ups: archived ones keep their history but are left out."""
    return list(
        db.session.scalars(sa.select(Team).where(Team.archived_at.is_(None)).order_by(Team.name))
    )


def standup_on(team_id: int, on: date) -> Standup | None:
    return db.session.scalar(sa.select(Standup).where(Standup.team_id == team_id, Standup.on == on))


def _holidays(team_ids: Iterable[int], dates: Iterable[date]) -> dict[int, set[date]]:
    team_ids, dates = list(set(team_ids)), list(set(dates))
    found: dict[int, set[date]] = defaultdict(set)
    if not team_ids or not dates:
        return found
    rows = db.session.execute(
        sa.select(Holiday.team_id, Holiday.on).where(
            Holiday.team_id.in_(team_ids), Holiday.on.in_(dates)
        )
    )
    for team_id, on in rows:
        found[team_id].add(on)
    return found


def holidays_of(team_id: int) -> list[Holiday]:
    return list(
        db.session.scalars(
            sa.select(Holiday).where(Holiday.team_id == team_id).order_by(Holiday.on)
        )
    )


def members(team_ids: Iterable[int]) -> list[User]:
    """Active members of the teams, in rotation order (people outside the rotation after, by name)."""
    team_ids = list(set(team_ids))
    if not team_ids:
        return []
    statement = (
        sa.select(User)
        .outerjoin(
            RotationEntry,
            sa.and_(RotationEntry.user_id == User.id, RotationEntry.team_id == User.team_id),
        )
        .where(User.team_id.in_(team_ids), User.active.is_(True))
        .order_by(RotationEntry.position.is_(None), RotationEntry.position, User.name, User.id)
    )
    return list(db.session.scalars(statement).unique())


def rotation_of(team_id: int) -> list[int]:
    """User ids of the facilitator rotation, in order (active members of the team only)."""
    statement = (
        sa.select(RotationEntry.user_id)
        .join(User, User.id == RotationEntry.user_id)
        .where(RotationEntry.team_id == team_id, User.team_id == team_id, User.active.is_(True))
        .order_by(RotationEntry.position)
    )
    return list(db.session.scalars(statement))


def _away(user_ids: Iterable[int], on: date) -> set[int]:
    user_ids = list(set(user_ids))
    if not user_ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(AwayDay.user_id).where(AwayDay.user_id.in_(user_ids), AwayDay.on == on)
        )
    )


def _items(standup_id: int) -> list[AgendaItem]:
    return list(
        db.session.scalars(
            sa.select(AgendaItem)
            .where(AgendaItem.standup_id == standup_id)
            .order_by(AgendaItem.position, AgendaItem.id)
        )
    )


def _open_action_items(team_id: int, now: datetime) -> list[dict]:
    rows = db.session.execute(
        sa.select(
            ActionItem.id, ActionItem.text, User.name, ActionItem.due_on, ActionItem.created_at
        )
        .outerjoin(User, User.id == ActionItem.owner_id)
        .where(ActionItem.team_id == team_id, ActionItem.done_at.is_(None))
        .order_by(ActionItem.created_at, ActionItem.id)
    )
    return [
        {
            "id": row.id,
            "text": row.text,
            "owner_name": row.name,
            "due_on": row.due_on.isoformat() if row.due_on else None,
            "age_days": max(0, (now - row.created_at).days),
        }
        for row in rows
    ]


def _open_topics(team_id: int) -> list[dict]:
    rows = db.session.execute(
        sa.select(ParkingLotItem.id, ParkingLotItem.topic)
        .where(ParkingLotItem.team_id == team_id, ParkingLotItem.discussed_at.is_(None))
        .order_by(ParkingLotItem.created_at, ParkingLotItem.id)
    )
    return [{"id": row.id, "topic": row.topic} for row in rows]


def _previous(team_id: int, on: date) -> Standup | None:
    return db.session.scalar(
        sa.select(Standup)
        .where(Standup.team_id == team_id, Standup.on < on)
        .order_by(Standup.on.desc())
        .limit(1)
    )


def _touch(standup: Standup) -> None:
    """Every visible change bumps the version the watching screens poll for."""
    standup.version = (standup.version or 0) + 1


# --- preparing ----------------------------------------------------------------------------------


def _inputs(
    team: Team, standup: Standup, now: datetime, previous: Standup | None
) -> agenda.AgendaInputs:
    people = members([team.id])
    away = _away([u.id for u in people], standup.on)
    unreached = []
    if previous is not None:
        unreached = [
            item
            for item in _items(previous.id)
            if item.started_at is None and item.kind in agenda.CARRIED_KINDS
        ]
    return agenda.AgendaInputs(
        team=team,
        on=standup.on,
        since=standup.since_at,
        now=now,
        members=[(u.id, u.name) for u in people if u.id not in away],
        open_action_items=_open_action_items(team.id, now),
        open_topics=_open_topics(team.id),
        unreached=unreached,
        previous_on=previous.on if previous is not None else None,
    )


def _apply_plan(
    standup: Standup, existing: list[AgendaItem], plans: list[agenda.ItemPlan]
) -> list[AgendaItem]:
    """Make the stand-up's unstarted items match ``plans``, keeping timeboxes people edited."""
    by_key = {(item.kind, item.carried_from_id): item for item in existing}
    kept: list[AgendaItem] = []
    for plan in plans:
        item = by_key.pop((plan.kind, plan.carried_from_id), None)
        if item is None:
            item = AgendaItem(
                standup_id=standup.id,
                kind=plan.kind,
                carried_from_id=plan.carried_from_id,
                position=0,
                timebox_seconds=0,
            )
            db.session.add(item)
        item.title, item.refs = plan.title[:300], plan.refs
        kept.append(item)
    for leftover in by_key.values():
        db.session.delete(leftover)
    fixed = set()
    for index, item in enumerate(kept):
        if item.timebox_edited:
            plans[index].timebox_seconds = item.timebox_seconds
            fixed.add(index)
    agenda.fit(plans, standup.timebox_seconds, fixed)
    for position, (item, plan) in enumerate(zip(kept, plans, strict=True)):
        item.position = position
        item.timebox_seconds = plan.timebox_seconds
    return kept


def _facilitator_for(team: Team, on: date, previous: Standup | None) -> int | None:
    rotation = rotation_of(team.id)
    if not rotation:
        rotation = [u.id for u in members([team.id])]
    away = _away(rotation, on)
    return schedule.next_facilitator(
        rotation, previous.facilitator_id if previous is not None else None, away
    )


def _ensure(team: Team, on: date, now: datetime) -> tuple[Standup, bool]:
    """Today's stand-up for ``team``, created with its agenda if missing; (standup, created)."""
    existing = standup_on(team.id, on)
    if existing is not None:
        return existing, False
    previous = _previous(team.id, on)
    if previous is not None and previous.status != "ended":
        _end(previous, now, "not_held" if previous.started_at is None else "timebox")
    if previous is not None:
        since = previous.started_at or previous.starts_at
    else:
        holidays = _holidays([team.id], [on - timedelta(days=n) for n in range(1, 15)])[team.id]
        since = schedule.starts_at(team, schedule.previous_workday(team, on, holidays))
    standup = Standup(
        team_id=team.id,
        on=on,
        status="planned",
        starts_at=schedule.starts_at(team, on),
        since_at=min(since, now),
        timebox_seconds=team.timebox_minutes * 60,
        facilitator_id=_facilitator_for(team, on, previous),
    )
    try:
        with db.session.begin_nested():
            db.session.add(standup)
            db.session.flush()
    except IntegrityError:
        # Someone else (the job, another screen) created it a moment ago: use theirs.
        return standup_on(team.id, on), False
    _apply_plan(standup, [], agenda.build(_inputs(team, standup, now, previous)))
    db.session.flush()
    return standup, True


def prepare_standups(at: datetime) -> list[Standup]:
    """The ``standup-prepare`` job: create today's stand-up for every team that meets today.

    "Today" is each team's local date at ``at``; teams on a non-workday or a holiday get none.
    Idempotent: returns only the stand-ups this call created (a second run returns ``[]``).
    """
    all_teams = teams()
    local = {team.id: schedule.local_date(team, at) for team in all_teams}
    holidays = _holidays(local.keys(), local.values())
    created = []
    for team in all_teams:
        on = local[team.id]
        if not schedule.is_workday(team, on, holidays[team.id]):
            continue
        standup, new = _ensure(team, on, at)
        if new:
            created.append(standup)
    db.session.commit()
    return created


def open_board(team: Team, on: date, now: datetime) -> Standup | None:
    """The stand-up shown on the board for ``on``: ended lazily if overdue, prepared if due today.

    Opening the board does what the jobs would have done, so a missed job run never leaves the
    team without today's agenda or with yesterday's meeting still open.
    """
    changed = bool(_auto_end([team], now))
    standup = standup_on(team.id, on)
    if standup is None and team.archived_at is None and on == schedule.local_date(team, now):
        holidays = _holidays([team.id], [on])[team.id]
        if schedule.is_workday(team, on, holidays):
            standup, changed = _ensure(team, on, now)
    if changed:
        db.session.commit()
    return standup


# --- ending ------------------------------------------------------------------------------------


def _auto_end(candidates: list[Team] | None, at: datetime) -> list[Standup]:
    statement = sa.select(Standup).where(Standup.status != "ended").order_by(Standup.on)
    if candidates is not None:
        statement = statement.where(Standup.team_id.in_([t.id for t in candidates]))
    ended = []
    for standup in db.session.scalars(statement).all():
        if (
            standup.status == "live"
            and standup.auto_end_at is not None
            and standup.auto_end_at <= at
        ):
            _end(standup, standup.auto_end_at, "timebox")
            ended.append(standup)
        elif standup.on < schedule.local_date(standup.team, at):
            # The day is over and nobody ran (or ended) it: close it so nothing waits on it.
            _end(standup, at, "not_held" if standup.started_at is None else "timebox")
            ended.append(standup)
    return ended


def auto_end_standups(at: datetime) -> list[Standup]:
    """End stand-ups past their timebox plus grace, and planned ones whose day has passed.

    Unreached items stay unreached on the ended stand-up; the next one carries them forward.
    """
    ended = _auto_end(None, at)
    db.session.commit()
    return ended


def _end(standup: Standup, now: datetime, reason: str, actor_id: int | None = None) -> None:
    items = _items(standup.id)
    for item in items:
        if item.started_at is not None and item.ended_at is None:
            item.ended_at = now
    if any(item.kind == "parking_lot" and item.started_at is not None for item in items):
        _mark_topics_discussed(standup, now)
    standup.status = "ended"
    standup.ended_at = now
    standup.end_reason = reason
    standup.ended_by_id = actor_id
    standup.current_position = None
    _touch(standup)
    db.session.flush()
    summary = summary_for(standup)
    standup.summary = agenda.jsonable(summary)
    standup_ended.send(None, standup=standup, summary=summary)


def _mark_topics_discussed(standup: Standup, now: datetime) -> None:
    db.session.execute(
        sa.update(ParkingLotItem)
        .where(
            ParkingLotItem.team_id == standup.team_id,
            ParkingLotItem.discussed_at.is_(None),
        )
        .values(discussed_at=now, discussed_standup_id=standup.id)
    )


def board_url(team_slug: str, on: date) -> str:
    values = {"slug": team_slug, "on": on.isoformat()}
    if has_request_context():
        return url_for("standup.board", _external=True, **values)
    return external_url("standup.board", **values)


def summary_for(standup: Standup) -> StandupSummary:
    """Attendance, duration against the timebox, decisions, new action items, blockers, check-ins."""
    team = standup.team
    people = members([team.id])
    away = _away([u.id for u in people], standup.on)
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
        blockers=[(c.user.name, c.blockers) for c in check_ins if c.blockers.strip()],
        check_ins=[(c.user.name, c.yesterday, c.today, c.blockers, c.mood) for c in check_ins],
        decisions=decisions,
        url=board_url(team.slug, standup.on),
        team_name=team.name,
    )


# --- permissions ------------------------------------------------------------------------------


def can_contribute(user: User, standup: Standup) -> bool:
    """Team members (and managers of any team) add action items, topics and decisions."""
    return user.team_id == standup.team_id or user.has_role("manager")


def can_facilitate(user: User, standup: Standup, away_ids: set[int] | None = None) -> bool:
    """The facilitator runs the meeting; a manager may too, and any member when the facilitator
    is away (or there is none), so a meeting is never stuck waiting for one person."""
    if user.id == standup.facilitator_id or user.has_role("manager"):
        return True
    if user.team_id != standup.team_id:
        return False
    if standup.facilitator_id is None:
        return True
    if away_ids is None:
        away_ids = _away([standup.facilitator_id], standup.on)
    return standup.facilitator_id in away_ids


def _require_facilitator(user: User, standup: Standup) -> None:
    if not can_facilitate(user, standup):
        raise StandupError(_("Only the facilitator or a manager runs the meeting."))


def _require_contributor(user: User, standup: Standup) -> None:
    if not can_contribute(user, standup):
        raise StandupError(_("Only members of this team can add to its stand-up."))


def _require_not_ended(standup: Standup) -> None:
    if standup.status == "ended":
        raise StandupError(_("This stand-up has ended."))


# --- check-ins ----------------------------------------------------------------------------------


def _clean(text: str | None, field: str, limit: int = TEXT_MAX) -> str:
    text = (text or "").strip()
    if len(text) > limit:
        raise StandupError(_("Keep it under %(n)d characters.", n=limit), field)
    return text


def _mood_from_text(text: str) -> int | None:
    """ "4" or "🙂" as 4; empty as None; anything else as -1, which the range check refuses."""
    text = text.strip()
    if not text:
        return None
    if text in EMOJI_MOODS:
        return EMOJI_MOODS[text]
    return int(text) if len(text) == 1 and text in "12345" else -1


def record_check_in(
    user: User,
    yesterday: str | None,
    today: str | None,
    blockers: str | None,
    mood: int | str | None,
    on: date | None = None,
    source: str = "slack",
) -> CheckIn:
    """Check ``user`` in to their team's stand-up on ``on`` (default: the team's today); commits.

    Editable until the meeting ends. ``source`` says where it came from ("slack" or "board").
    Raises ``StandupError`` with a ``message`` fit to show the person (or to answer in Slack).
    """
    team = user.team
    if team is None:
        raise StandupError(_("You are not in a team yet, so there is no stand-up to check in to."))
    now = utcnow()
    local_today = schedule.local_date(team, now)
    on = on or local_today
    yesterday = _clean(yesterday, "yesterday")
    today = _clean(today, "today")
    blockers = _clean(blockers, "blockers")
    if not today:
        raise StandupError(_("Say what you will do today."), "today")
    if isinstance(mood, str):  # Slack hands the mood over as text: a digit or one of its faces
        mood = _mood_from_text(mood)
    if mood is not None and (
        isinstance(mood, bool) or not isinstance(mood, int) or not 1 <= mood <= 5
    ):
        raise StandupError(_("Mood is a number from 1 to 5."), "mood")
    standup = standup_on(team.id, on)
    if standup is None:
        holidays = _holidays([team.id], [on])[team.id]
        if on != local_today or not schedule.is_workday(team, on, holidays):
            raise StandupError(_("There is no stand-up for %(team)s on that day.", team=team.name))
        standup, _created = _ensure(team, on, now)
    _require_not_ended(standup)
    check_in = db.session.scalar(
        sa.select(CheckIn).where(CheckIn.standup_id == standup.id, CheckIn.user_id == user.id)
    )
    if check_in is None:
        check_in = CheckIn(standup_id=standup.id, user_id=user.id, created_at=now)
        db.session.add(check_in)
    check_in.yesterday, check_in.today, check_in.blockers = yesterday, today, blockers
    check_in.mood, check_in.source, check_in.updated_at = mood, source, now
    if standup.status == "live":
        _set_attendance(standup, user.id, True, user.id, now)
    _touch(standup)
    db.session.commit()
    return check_in


# --- live mode ----------------------------------------------------------------------------------


def _set_attendance(standup: Standup, user_id: int, present: bool, actor_id: int, now: datetime):
    row = db.session.scalar(
        sa.select(Attendance).where(
            Attendance.standup_id == standup.id, Attendance.user_id == user_id
        )
    )
    if row is None:
        row = Attendance(standup_id=standup.id, user_id=user_id)
        db.session.add(row)
    row.present, row.marked_at, row.marked_by_id = present, now, actor_id
    return row


def start_standup(standup: Standup, actor: User, now: datetime | None = None) -> Standup:
    """Start the meeting: refresh the agenda's data, start the first item and the clocks."""
    now = now or utcnow()
    _require_facilitator(actor, standup)
    if standup.status != "planned":
        raise StandupError(_("This stand-up has already started."))
    if standup.on != schedule.local_date(standup.team, now):
        raise StandupError(_("A stand-up can only be started on its own day."))
    team = standup.team
    items = _items(standup.id)
    # Refresh the snapshots up to this moment; the previous stand-up's unreached items stay carried.
    previous = _previous(team.id, standup.on)
    standup.timebox_seconds = team.timebox_minutes * 60
    items = _apply_plan(standup, items, agenda.build(_inputs(team, standup, now, previous)))
    standup.status = "live"
    standup.started_at = now
    standup.started_by_id = actor.id
    standup.auto_end_at = now + timedelta(
        seconds=standup.timebox_seconds, minutes=team.grace_minutes
    )
    if items:
        items[0].started_at = now
        standup.current_position = items[0].position
    checked_in = set(
        db.session.scalars(sa.select(CheckIn.user_id).where(CheckIn.standup_id == standup.id))
    )
    people = members([team.id])
    away = _away([u.id for u in people], standup.on)
    for user in people:
        if user.id not in away:
            here = user.id in checked_in or user.id == actor.id
            db.session.add(
                Attendance(
                    standup_id=standup.id, user_id=user.id, present=here, marked_by_id=actor.id
                )
            )
    if actor.id not in {u.id for u in people}:
        db.session.add(
            Attendance(standup_id=standup.id, user_id=actor.id, present=True, marked_by_id=actor.id)
        )
    _touch(standup)
    db.session.commit()
    return standup


def next_item(
    standup: Standup, actor: User, expected_position: int | None, now: datetime | None = None
) -> Standup:
    """Close the current item and open the next one.

    ``expected_position`` is the item the person saw as current: if another screen already moved
    on, this click does nothing instead of skipping an item nobody discussed.
    """
    now = now or utcnow()
    _require_facilitator(actor, standup)
    if standup.status != "live":
        raise StandupError(_("The meeting is not running."))
    if expected_position is not None and expected_position != standup.current_position:
        return standup
    items = _items(standup.id)
    current = next((i for i in items if i.position == standup.current_position), None)
    if current is None:
        return standup
    current.ended_at = now
    if current.kind == "parking_lot":
        _mark_topics_discussed(standup, now)
    following = next((i for i in items if i.position > current.position), None)
    if following is not None:
        following.started_at = now
        standup.current_position = following.position
    else:
        standup.current_position = None
    _touch(standup)
    db.session.commit()
    return standup


def end_standup(standup: Standup, actor: User, now: datetime | None = None) -> Standup:
    """The facilitator ends the meeting; the summary is stored and handed to Slack (by signal)."""
    now = now or utcnow()
    _require_facilitator(actor, standup)
    _require_not_ended(standup)
    _end(standup, now, "facilitator" if standup.started_at else "not_held", actor.id)
    db.session.commit()
    return standup


def set_attendance(standup: Standup, actor: User, user_id: int, present: bool) -> None:
    _require_facilitator(actor, standup)
    _require_not_ended(standup)
    person = db.session.get(User, user_id)
    if person is None or (person.team_id != standup.team_id and user_id != actor.id):
        raise StandupError(_("That person is not in this team."))
    _set_attendance(standup, user_id, present, actor.id, utcnow())
    _touch(standup)
    db.session.commit()


def set_item_timebox(standup: Standup, actor: User, item_id: int, seconds: int) -> AgendaItem:
    """Change one item's timebox, as long as the whole agenda still fits the meeting's timebox."""
    _require_facilitator(actor, standup)
    _require_not_ended(standup)
    items = _items(standup.id)
    item = next((i for i in items if i.id == item_id), None)
    if item is None:
        raise StandupError(_("This agenda item is not part of this stand-up."))
    if seconds < 0:
        raise StandupError(_("A timebox cannot be negative."), "minutes")
    others = sum(i.timebox_seconds for i in items if i.id != item_id)
    if others + seconds > standup.timebox_seconds:
        room = max(0, standup.timebox_seconds - others)
        raise StandupError(
            _(
                "That would run past the %(total)d-minute timebox: at most %(room)s here, "
                "or shorten another item first.",
                total=standup.timebox_seconds // 60,
                room=f"{room // 60}:{room % 60:02d}",
            ),
            "minutes",
        )
    item.timebox_seconds = seconds
    item.timebox_edited = True
    _touch(standup)
    db.session.commit()
    return item


def add_action_item(
    standup: Standup, actor: User, text: str, owner_id: int | None, due_on: date | None
) -> ActionItem:
    _require_contributor(actor, standup)
    _require_not_ended(standup)
    text = _clean(text, "text", ITEM_TEXT_MAX)
    if not text:
        raise StandupError(_("Write what needs doing."), "text")
    if owner_id:
        owner = db.session.get(User, owner_id)
        if owner is None or not owner.active or owner.team_id != standup.team_id:
            raise StandupError(_("Choose someone from this team."), "owner_id")
    if due_on is not None and due_on < standup.on:
        raise StandupError(_("The due date cannot be before the stand-up."), "due_on")
    item = ActionItem(
        team_id=standup.team_id,
        standup_id=standup.id,
        text=text,
        owner_id=owner_id or None,
        due_on=due_on,
        created_by_id=actor.id,
    )
    db.session.add(item)
    _touch(standup)
    db.session.commit()
    return item


def action_item(item_id: int) -> ActionItem | None:
    return db.session.get(ActionItem, item_id)


def complete_action_item(item_id: int, actor: User) -> ActionItem:
    item = db.session.get(ActionItem, item_id)
    if item is None:
        raise StandupError(_("This action item does not exist."))
    if (
        actor.team_id != item.team_id
        and not actor.has_role("manager")
        and actor.id != item.owner_id
    ):
        raise StandupError(_("Only members of this team can close its action items."))
    if item.done_at is None:
        item.done_at, item.done_by_id = utcnow(), actor.id
        db.session.execute(
            sa.update(Standup)
            .where(Standup.team_id == item.team_id, Standup.status != "ended")
            .values(version=Standup.version + 1)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    return item


def add_topic(standup: Standup, actor: User, topic: str) -> ParkingLotItem:
    _require_contributor(actor, standup)
    _require_not_ended(standup)
    topic = _clean(topic, "topic", ITEM_TEXT_MAX)
    if not topic:
        raise StandupError(_("Write the topic."), "topic")
    item = ParkingLotItem(
        team_id=standup.team_id, standup_id=standup.id, topic=topic, raised_by_id=actor.id
    )
    db.session.add(item)
    _touch(standup)
    db.session.commit()
    return item


def add_decision(standup: Standup, actor: User, text: str) -> Decision:
    _require_contributor(actor, standup)
    _require_not_ended(standup)
    text = _clean(text, "text", ITEM_TEXT_MAX)
    if not text:
        raise StandupError(_("Write the decision."), "text")
    decision = Decision(standup_id=standup.id, text=text, created_by_id=actor.id)
    db.session.add(decision)
    _touch(standup)
    db.session.commit()
    return decision


# --- what other pages and Slack read ------------------------------------------------------------


def reminders_due(at: datetime, minutes_before: int) -> list[ReminderBrief]:
    """Teams whose stand-up starts within ``minutes_before`` of ``at`` and has not started yet.

    ``missing`` lists members who are neither away nor checked in: the only people to remind.
    Non-workdays and holidays give no reminder at all. Six queries however many teams.
    """
    all_teams = teams()
    local = {team.id: schedule.local_date(team, at) for team in all_teams}
    holidays = _holidays(local.keys(), local.values())
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
    people = members([t.id for t, _on, _s in due])
    away_by_day: dict[date, set[int]] = {}
    for day in {on for _t, on, _s in due}:
        away_by_day[day] = _away([u.id for u in people], day)
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
        local_start = start.astimezone(schedule.zone(team.timezone))
        headline = _(
            "Stand-up at %(time)s: %(done)d of %(total)d checked in",
            time=local_start.strftime("%H:%M"),
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
    if not schedule.is_workday(team, on, _holidays([team.id], [on])[team.id]):
        return None
    standup = standup_on(team.id, on)
    checked_in = False
    if standup is not None:
        checked_in = (
            db.session.scalar(
                sa.select(CheckIn.id).where(
                    CheckIn.standup_id == standup.id, CheckIn.user_id == user.id
                )
            )
            is not None
        )
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
    briefs = []
    for item, on in rows:
        briefs.append(
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
        )
    return briefs


# --- settings and days away ---------------------------------------------------------------------


def update_team_settings(
    team: Team,
    actor: User,
    *,
    name: str,
    slack_channel: str | None,
    standup_time,
    timezone: str,
    workdays: Iterable[str],
    timebox_minutes: int,
    grace_minutes: int | None,
    holidays: list[tuple[date, str | None]],
    rotation_emails: list[str],
) -> Team:
    """Save a team's schedule, holidays and rotation (managers only); commits.

    A planned stand-up of today follows the new time and timebox at once; a running one keeps the
    rules it started with.
    """
    if not actor.has_role("manager"):
        raise StandupError(_("Only managers change a team's stand-up settings."))
    timezone = timezone.strip()
    if not schedule.is_valid_timezone(timezone):
        raise StandupError(_("Unknown timezone; use a name like Europe/Moscow."), "timezone")
    days = "".join(sorted({d for d in workdays if d in "1234567" and len(d) == 1}))
    if not days:
        raise StandupError(_("Choose at least one workday."), "workdays")
    if not 5 <= timebox_minutes <= 60:
        raise StandupError(_("The timebox is 5 to 60 minutes."), "timebox_minutes")
    people = (
        {
            u.email.lower(): u
            for u in db.session.scalars(sa.select(User).where(User.email.in_(rotation_emails)))
        }
        if rotation_emails
        else {}
    )
    unknown = [e for e in rotation_emails if e not in people or people[e].team_id != team.id]
    if unknown:
        raise StandupError(
            _("Not members of this team: %(emails)s", emails=", ".join(unknown)), "rotation"
        )
    team.name = name.strip()
    team.slack_channel = (slack_channel or "").strip() or None
    team.standup_time = standup_time
    team.timezone = timezone
    team.workdays = days
    team.timebox_minutes = timebox_minutes
    team.grace_minutes = grace_minutes if grace_minutes is not None else team.grace_minutes
    db.session.execute(sa.delete(Holiday).where(Holiday.team_id == team.id))
    db.session.add_all(Holiday(team_id=team.id, on=on, name=label) for on, label in holidays)
    db.session.execute(sa.delete(RotationEntry).where(RotationEntry.team_id == team.id))
    db.session.add_all(
        RotationEntry(team_id=team.id, user_id=people[email].id, position=index)
        for index, email in enumerate(rotation_emails)
    )
    today = standup_on(team.id, schedule.local_date(team, utcnow()))
    if today is not None and today.status == "planned":
        today.starts_at = schedule.starts_at(team, today.on)
        today.timebox_seconds = timebox_minutes * 60
        _apply_plan(
            today,
            _items(today.id),
            [
                agenda.ItemPlan(
                    i.kind,
                    i.title,
                    i.refs,
                    i.timebox_seconds or 1,
                    i.timebox_seconds,
                    i.carried_from_id,
                )
                for i in _items(today.id)
            ],
        )
        _touch(today)
    db.session.commit()
    return team


def rotation_emails(team_id: int) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(User.email)
            .join(RotationEntry, RotationEntry.user_id == User.id)
            .where(RotationEntry.team_id == team_id)
            .order_by(RotationEntry.position)
        )
    )


def away_days_of(user_id: int, from_on: date) -> list[AwayDay]:
    return list(
        db.session.scalars(
            sa.select(AwayDay)
            .where(AwayDay.user_id == user_id, AwayDay.on >= from_on)
            .order_by(AwayDay.on)
        )
    )


def mark_away(user: User, start: date, end: date | None) -> int:
    """Mark ``user`` away from ``start`` to ``end`` (inclusive); returns the days newly marked."""
    end = end or start
    if end < start:
        raise StandupError(_("The last day cannot be before the first."), "end")
    if (end - start).days >= AWAY_RANGE_MAX_DAYS:
        raise StandupError(_("Mark at most two months at a time."), "end")
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    known = set(
        db.session.scalars(
            sa.select(AwayDay.on).where(AwayDay.user_id == user.id, AwayDay.on.in_(days))
        )
    )
    new = [AwayDay(user_id=user.id, on=day) for day in days if day not in known]
    db.session.add_all(new)
    db.session.commit()
    return len(new)


def unmark_away(user: User, away_id: int) -> None:
    row = db.session.get(AwayDay, away_id)
    if row is None or row.user_id != user.id:
        raise StandupError(_("That day is not marked as away for you."))
    db.session.delete(row)
    db.session.commit()


def team_of(team_id: int) -> Team | None:
    return db.session.get(Team, team_id)
