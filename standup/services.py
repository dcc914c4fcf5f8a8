"""Stand-up writes: preparing the day's meeting, check-ins, live mode, ending, team settings.

Every change to a stand-up happens here, and each public function that changes something commits
once (a request or a job is one transaction); the helpers they share never commit. Services check
roles themselves, because Slack and the jobs call them too. Reads live in ``standup.queries`` (the
package's own lookups) and ``standup.briefs`` (what other packages read).

Functions that take ``now`` act at that moment (default: the present), so a job, a test or the demo
can play a day through the same rules.
"""

from collections.abc import Iterable
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from core import audit
from core.database import hold_row, utcnow, write_apart
from core.extensions import db
from core.models import Team, User
from core.signals import standup_ended
from standup import agenda, briefs, queries, rules, schedule, settings_trail
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
from standup.rules import StandupError, StandupForbidden, StandupNotFound

# --- preparing ----------------------------------------------------------------------------------


def _hold(standup: Standup) -> None:
    """Hold the stand-up's row to the commit and read it again: of two writes at once that add a
    row when missing (check-in, attendance), the second finds the first's (PostgreSQL: a 500)."""
    hold_row(db.session, Standup, standup.id)
    db.session.refresh(standup)


def _touch(standup: Standup) -> None:
    """Every visible change bumps the version the watching screens poll for."""
    standup.version = (standup.version or 0) + 1


def _publish(standup: Standup, row):
    """Add what someone raised in the meeting and commit it with a version bump, so screens show it."""
    db.session.add(row)
    _touch(standup)
    db.session.commit()
    return row


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
        item.refs = plan.refs
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


def _ensure(team: Team, on: date, now: datetime) -> tuple[Standup, bool]:
    """The team's stand-up on ``on``, created with its agenda if missing; (standup, created)."""
    existing = queries.standup_on(team.id, on)
    if existing is not None:
        return existing, False
    previous = queries.previous_standup(team.id, on)
    if previous is not None and previous.status != "ended":
        _end(previous, now, "not_held" if previous.started_at is None else "timebox")
    if previous is not None:
        since = previous.started_at or previous.starts_at
    else:
        before = [on - timedelta(days=n) for n in range(1, 15)]
        holidays = queries.holiday_dates([team.id], before)[team.id]
        since = schedule.starts_at(team, schedule.previous_workday(team, on, holidays))
    standup = Standup(
        team_id=team.id,
        on=on,
        status="planned",
        starts_at=schedule.starts_at(team, on),
        since_at=min(since, now),
        timebox_seconds=team.timebox_minutes * 60,
        facilitator_id=queries.facilitator_for(team, on, previous),
    )
    try:
        with db.session.begin_nested():
            db.session.add(standup)
            db.session.flush()
    except IntegrityError:
        # Someone else (the job, another screen) created it a moment ago: use theirs.
        return queries.standup_on(team.id, on), False
    _apply_plan(standup, [], agenda.build(queries.agenda_inputs(team, standup, now, previous)))
    db.session.flush()
    return standup, True


def _prepare(team: Team, now: datetime, holidays: Iterable[date]) -> tuple[Standup | None, bool]:
    """The team's stand-up on its local date at ``now``, unless that is not a workday for it."""
    on = schedule.local_date(team, now)
    if not schedule.is_workday(team, on, holidays):
        return None, False
    return _ensure(team, on, now)


def prepare_standups(at: datetime) -> list[Standup]:
    """The ``standup-prepare`` job: create today's stand-up for every team that meets today.

    "Today" is each team's local date at ``at``; teams on a non-workday or a holiday get none.
    Idempotent: returns only the stand-ups this call created (a second run returns ``[]``).
    """
    all_teams = queries.teams()
    local = [schedule.local_date(team, at) for team in all_teams]
    holidays = queries.holiday_dates([team.id for team in all_teams], local)
    created = []
    for team in all_teams:
        standup, new = _prepare(team, at, holidays[team.id])
        if new:
            created.append(standup)
    db.session.commit()
    return created


def prepare_standup(team: Team, at: datetime) -> Standup | None:
    """``prepare_standups`` for one team: the stand-up this call created, else None."""
    on = schedule.local_date(team, at)
    standup, new = _prepare(team, at, queries.holiday_dates([team.id], [on])[team.id])
    db.session.commit()
    return standup if new else None


def open_board(team: Team, on: date, now: datetime) -> Standup | None:
    """The stand-up shown on the board for ``on``: ended lazily if overdue, prepared if due today.

    Opening the board does what the jobs would have done, so a missed job run never leaves the
    team without today's agenda or with yesterday's meeting still open. It reads first and writes
    only when something is due, in a short write transaction of its own (``write_apart``).
    """
    unended = queries.unended_standups([team.id])
    overdue = any(_ending(standup, now) for standup in unended)
    # The day's stand-up is usually among those (planned or live): no second query for it.
    standup = next((s for s in unended if s.on == on), None) or queries.standup_on(team.id, on)
    due = standup is None and team.archived_at is None and on == schedule.local_date(team, now)
    if due:
        due = schedule.is_workday(team, on, queries.holiday_dates([team.id], [on])[team.id])
    if not (overdue or due):
        return standup
    write_apart(db.session)
    _auto_end([team.id], now)
    standup = queries.standup_on(team.id, on)
    if standup is None and team.archived_at is None and on == schedule.local_date(team, now):
        holidays = queries.holiday_dates([team.id], [on])[team.id]
        standup, _created = _prepare(team, now, holidays)
    db.session.commit()
    return standup


# --- ending ------------------------------------------------------------------------------------


def _ending(standup: Standup, at: datetime) -> tuple[datetime, str] | None:
    """When and why an unended stand-up ends by itself at ``at``, if it does."""
    if standup.status == "live" and standup.auto_end_at is not None and standup.auto_end_at <= at:
        return standup.auto_end_at, "timebox"
    if standup.on < schedule.local_date(standup.team, at):
        # The day is over and nobody ran (or ended) it: close it so nothing waits on it.
        return at, "not_held" if standup.started_at is None else "timebox"
    return None


def _auto_end(team_ids: list[int] | None, at: datetime) -> list[Standup]:
    ended = []
    for standup in queries.unended_standups(team_ids):
        if ending := _ending(standup, at):
            _end(standup, *ending)
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
    items = queries.agenda_items(standup.id)
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
    summary = briefs.summary_for(standup)
    standup.summary = agenda.jsonable(summary)
    standup_ended.send(
        current_app._get_current_object(),
        standup=standup,
        summary=summary,
        undo_until=rules.undo_until(standup),
    )


def _mark_topics_discussed(standup: Standup, now: datetime) -> None:
    db.session.execute(
        sa.update(ParkingLotItem)
        .where(
            ParkingLotItem.team_id == standup.team_id,
            ParkingLotItem.discussed_at.is_(None),
        )
        .values(discussed_at=now, discussed_standup_id=standup.id)
    )


# --- check-ins ----------------------------------------------------------------------------------


def record_check_in(
    user: User,
    yesterday: str | None,
    today: str | None,
    blockers: str | None,
    mood: int | str | None,
    on: date | None = None,
    source: str = "slack",
    now: datetime | None = None,
) -> CheckIn:
    """Check ``user`` in to their team's stand-up on ``on`` (default: the team's today); commits.

    Editable until the meeting ends. ``source`` says where it came from ("slack" or "board").
    Raises ``StandupError`` with a ``message`` fit to show the person (or to answer in Slack).
    """
    team = user.team
    if team is None:
        raise StandupError(_("You are not in a team yet, so there is no stand-up to check in to."))
    now = now or utcnow()
    local_today = schedule.local_date(team, now)
    on = on or local_today
    yesterday = rules.clean(yesterday, "yesterday")
    today = rules.clean(today, "today")
    blockers = rules.clean(blockers, "blockers")
    if not today:
        raise StandupError(_("Say what you will do today."), "today")
    mood = rules.mood(mood)
    standup = queries.standup_on(team.id, on)
    if standup is None:
        holidays = queries.holiday_dates([team.id], [on])[team.id]
        if on != local_today or not schedule.is_workday(team, on, holidays):
            raise StandupError(_("There is no stand-up for %(team)s on that day.", team=team.name))
        standup, _created = _ensure(team, on, now)
    _hold(standup)
    rules.require_not_ended(standup)
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
    rules.require_facilitator(actor, standup)
    # Read again under a row lock: of two "Start" clicks at once the second sees it started.
    # (A plain row lock first: FOR UPDATE cannot cover the eager-loaded outer joins.)
    db.session.execute(sa.select(Standup.id).where(Standup.id == standup.id).with_for_update())
    db.session.refresh(standup)
    if standup.status != "planned":
        raise StandupError(_("This stand-up has already started."))
    if standup.on != schedule.local_date(standup.team, now):
        raise StandupError(_("A stand-up can only be started on its own day."))
    team = standup.team
    items = queries.agenda_items(standup.id)
    # Refresh the snapshots up to this moment; the previous stand-up's unreached items stay carried.
    previous = queries.previous_standup(team.id, standup.on)
    standup.timebox_seconds = team.timebox_minutes * 60
    plans = agenda.build(queries.agenda_inputs(team, standup, now, previous))
    items = _apply_plan(standup, items, plans)
    standup.status = "live"
    standup.started_at = now
    standup.started_by_id = actor.id
    standup.auto_end_at = now + timedelta(
        seconds=standup.timebox_seconds, minutes=team.grace_minutes
    )
    if items:
        items[0].started_at = now
        standup.current_position = items[0].position
    # Everyone expected is marked: present if checked in (or running it), absent otherwise.
    checked_in = queries.checked_in_ids(standup.id)
    people = queries.members([team.id])
    away = queries.away_on([u.id for u in people], standup.on)
    present = {u.id: u.id in checked_in or u.id == actor.id for u in people if u.id not in away}
    if actor.id not in {u.id for u in people}:
        present[actor.id] = True  # a manager from elsewhere running it
    # Attendance marked before the start stays as the facilitator marked it.
    for user_id in queries.marked_attendance(standup.id):
        present.pop(user_id, None)
    db.session.add_all(
        Attendance(
            standup_id=standup.id,
            user_id=user_id,
            present=here,
            marked_at=now,
            marked_by_id=actor.id,
        )
        for user_id, here in present.items()
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
    rules.require_facilitator(actor, standup)
    if standup.status != "live":
        raise StandupError(_("The meeting is not running."))
    if expected_position is not None and expected_position != standup.current_position:
        return standup
    items = queries.agenda_items(standup.id)
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
    rules.require_facilitator(actor, standup)
    rules.require_not_ended(standup)
    _end(standup, now, "facilitator" if standup.started_at else "not_held", actor.id)
    audit.record(actor.id, "standup", standup.id, "ended", at=now.isoformat())
    db.session.commit()
    return standup


def set_attendance(standup: Standup, actor: User, user_id: int, present: bool) -> None:
    _hold(standup)
    rules.require_facilitator(actor, standup)
    rules.require_not_ended(standup)
    person = db.session.get(User, user_id)
    if person is None or (person.team_id != standup.team_id and user_id != actor.id):
        raise StandupError(_("That person is not in this team."))
    _set_attendance(standup, user_id, present, actor.id, utcnow())
    _touch(standup)
    db.session.commit()


def set_item_timebox(standup: Standup, actor: User, item_id: int, seconds: int) -> AgendaItem:
    """Change one item's timebox, as long as the whole agenda still fits the meeting's timebox."""
    rules.require_facilitator(actor, standup)
    rules.require_not_ended(standup)
    items = queries.agenda_items(standup.id)
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


def _addition(standup: Standup, actor: User, text: str | None, field: str, empty: str) -> str:
    """What adding anything to a stand-up asks: a contributor, a meeting not over, some text."""
    rules.require_contributor(actor, standup)
    rules.require_not_ended(standup)
    text = rules.clean(text, field, rules.ITEM_TEXT_MAX)
    if not text:
        raise StandupError(empty, field)
    return text


def add_action_item(
    standup: Standup,
    actor: User,
    text: str,
    owner_id: int | None,
    due_on: date | None,
    now: datetime | None = None,
) -> ActionItem:
    text = _addition(standup, actor, text, "text", _("Write what needs doing."))
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
        created_at=now or utcnow(),
    )
    return _publish(standup, item)


def complete_action_item(item_id: int, actor: User, now: datetime | None = None) -> ActionItem:
    """Close an action item (its team, its owner or a manager); open boards see it at once."""
    item = db.session.get(ActionItem, item_id)
    if item is None:
        raise StandupNotFound(_("This action item does not exist."))
    if (
        actor.team_id != item.team_id
        and not actor.has_role("manager")
        and actor.id != item.owner_id
    ):
        raise StandupForbidden(_("Only members of this team can close its action items."))
    if item.done_at is None:
        item.done_at, item.done_by_id = now or utcnow(), actor.id
        db.session.execute(
            sa.update(Standup)
            .where(Standup.team_id == item.team_id, Standup.status != "ended")
            .values(version=Standup.version + 1)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    return item


def add_topic(
    standup: Standup, actor: User, topic: str, now: datetime | None = None
) -> ParkingLotItem:
    topic = _addition(standup, actor, topic, "topic", _("Write the topic."))
    item = ParkingLotItem(
        team_id=standup.team_id,
        standup_id=standup.id,
        topic=topic,
        raised_by_id=actor.id,
        created_at=now or utcnow(),
    )
    return _publish(standup, item)


def add_decision(standup: Standup, actor: User, text: str, now: datetime | None = None) -> Decision:
    text = _addition(standup, actor, text, "text", _("Write the decision."))
    decision = Decision(
        standup_id=standup.id, text=text, created_by_id=actor.id, created_at=now or utcnow()
    )
    return _publish(standup, decision)


# --- settings ---------------------------------------------------------------------


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
    also_changed: dict | None = None,
) -> Team:
    """Save a team's schedule, holidays and rotation (managers only); audited, with what the
    caller changed beside (``also_changed``), as one event; commits. A planned stand-up of today
    follows the new time and timebox at once; a running one keeps the rules it started with.
    """
    if not actor.manages(team.id):
        raise StandupForbidden(_("Only this team's managers change its stand-up settings."))
    before = settings_trail.settings_of(team)
    timezone = timezone.strip()
    if not schedule.is_valid_timezone(timezone):
        raise StandupError(_("Unknown timezone; use a name like Europe/Moscow."), "timezone")
    days = "".join(sorted({d for d in workdays if d in "1234567" and len(d) == 1}))
    if not days:
        raise StandupError(_("Choose at least one workday."), "workdays")
    if not 5 <= timebox_minutes <= 60:
        raise StandupError(_("The timebox is 5 to 60 minutes."), "timebox_minutes")
    people = queries.users_by_email(rotation_emails)
    unknown = [e for e in rotation_emails if e not in people or people[e].team_id != team.id]
    if unknown:
        raise StandupError(
            _("Not members of this team: %(emails)s", emails=", ".join(unknown)), "rotation"
        )
    # Held first, a second save at once deletes the holidays and rotation the first added (on
    # PostgreSQL its delete did not see them, and its inserts clashed with them: a 500).
    hold_row(db.session, Team, team.id)
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
    settings_trail.record_changes(actor, team, before, holidays, rotation_emails, also_changed)
    today = queries.standup_on(team.id, schedule.local_date(team, utcnow()))
    if today is not None and today.status == "planned":
        today.starts_at = schedule.starts_at(team, today.on)
        today.timebox_seconds = timebox_minutes * 60
        items = queries.agenda_items(today.id)
        kept = [
            agenda.ItemPlan(
                i.kind,
                i.refs,
                i.timebox_seconds or 1,
                i.timebox_seconds,
                i.carried_from_id,
            )
            for i in items
        ]
        _apply_plan(today, items, kept)
        _touch(today)
    db.session.commit()
    return team
