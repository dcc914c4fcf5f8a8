"""The stand-up's building-block reads, shared by its writes, its briefs, its pages and its API.

Each function is one query (or none) however many rows it returns, and none of them writes, so a
caller can combine them and still count its queries. What other packages read lives in
``standup.briefs`` (plain dataclasses); these return the package's own rows.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime

import sqlalchemy as sa

from core.away import away_on
from core.extensions import db
from core.models import AwayDay, Team, User
from standup import agenda, schedule
from standup.models import (
    ActionItem,
    AgendaItem,
    Attendance,
    CheckIn,
    Holiday,
    ParkingLotItem,
    RotationEntry,
    Standup,
)

# --- teams and their days -------------------------------------------------------------------------


def team_of(team_id: int) -> Team | None:
    return db.session.get(Team, team_id)


def teams() -> list[Team]:
    """The teams that hold stand-ups: archived ones keep their history but are left out."""
    return list(
        db.session.scalars(sa.select(Team).where(Team.archived_at.is_(None)).order_by(Team.name))
    )


def holiday_dates(team_ids: Iterable[int], dates: Iterable[date]) -> dict[int, set[date]]:
    """Which of ``dates`` are holidays, per team (every team id answers, with an empty set)."""
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


# --- people ---------------------------------------------------------------------------------------


# The board's statements are built once, with their values bound when run: building a select
# costs more Python than SQLite takes to answer it, and the board runs a dozen (issue #16).
_MEMBERS = (
    sa.select(User)
    .outerjoin(
        RotationEntry,
        sa.and_(RotationEntry.user_id == User.id, RotationEntry.team_id == User.team_id),
    )
    .where(User.team_id.in_(sa.bindparam("team_ids", expanding=True)), User.active.is_(True))
    .order_by(RotationEntry.position.is_(None), RotationEntry.position, User.name, User.id)
)


def members(team_ids: Iterable[int]) -> list[User]:
    """Active members of the teams, in rotation order (people outside the rotation after, by name)."""
    team_ids = list(set(team_ids))
    if not team_ids:
        return []
    return list(db.session.scalars(_MEMBERS, {"team_ids": team_ids}).unique())


def rotation_of(team_id: int) -> list[int]:
    """User ids of the facilitator rotation, in order (active members of the team only)."""
    statement = (
        sa.select(RotationEntry.user_id)
        .join(User, User.id == RotationEntry.user_id)
        .where(RotationEntry.team_id == team_id, User.team_id == team_id, User.active.is_(True))
        .order_by(RotationEntry.position)
    )
    return list(db.session.scalars(statement))


def rotation_emails(team_id: int) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(User.email)
            .join(RotationEntry, RotationEntry.user_id == User.id)
            .where(RotationEntry.team_id == team_id)
            .order_by(RotationEntry.position)
        )
    )


def users_by_email(emails: Iterable[str]) -> dict[str, User]:
    """The people with these e-mails, by lower-cased e-mail (nobody for an empty list)."""
    emails = list(emails)
    if not emails:
        return {}
    found = db.session.scalars(sa.select(User).where(User.email.in_(emails)))
    return {u.email.lower(): u for u in found}


def away_dates(user_id: int, days: Iterable[date]) -> set[date]:
    """Which of ``days`` this person already marked as away."""
    return set(
        db.session.scalars(
            sa.select(AwayDay.on).where(AwayDay.user_id == user_id, AwayDay.on.in_(list(days)))
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


def facilitator_for(team: Team, on: date, previous: Standup | None) -> int | None:
    """Who runs the stand-up on ``on``: the next in the rotation (or among the members) not away."""
    rotation = rotation_of(team.id)
    if not rotation:
        rotation = [u.id for u in members([team.id])]
    return schedule.next_facilitator(
        rotation,
        previous.facilitator_id if previous is not None else None,
        away_on(rotation, on),
    )


# --- stand-ups and what they hold -------------------------------------------------------------------


_STANDUP_ON = sa.select(Standup).where(
    Standup.team_id == sa.bindparam("team_id"), Standup.on == sa.bindparam("on")
)


def standup_on(team_id: int, on: date) -> Standup | None:
    return db.session.scalar(_STANDUP_ON, {"team_id": team_id, "on": on})


def previous_standup(team_id: int, on: date) -> Standup | None:
    """The team's last stand-up before ``on`` (whatever its status)."""
    return db.session.scalar(
        sa.select(Standup)
        .where(Standup.team_id == team_id, Standup.on < on)
        .order_by(Standup.on.desc())
        .limit(1)
    )


_UNENDED = sa.select(Standup).where(Standup.status != "ended").order_by(Standup.on)
_UNENDED_OF_TEAMS = _UNENDED.where(Standup.team_id.in_(sa.bindparam("team_ids", expanding=True)))


def unended_standups(team_ids: list[int] | None = None) -> list[Standup]:
    """Stand-ups not ended yet, oldest day first: of these teams, or of every team (None)."""
    if team_ids is None:
        return list(db.session.scalars(_UNENDED))
    return list(db.session.scalars(_UNENDED_OF_TEAMS, {"team_ids": list(team_ids)}))


_AGENDA = (
    sa.select(AgendaItem)
    .where(AgendaItem.standup_id == sa.bindparam("standup_id"))
    .order_by(AgendaItem.position, AgendaItem.id)
)


def agenda_items(standup_id: int) -> list[AgendaItem]:
    return list(db.session.scalars(_AGENDA, {"standup_id": standup_id}))


def checked_in_ids(standup_id: int) -> set[int]:
    """The people who have checked in to this stand-up."""
    return set(
        db.session.scalars(sa.select(CheckIn.user_id).where(CheckIn.standup_id == standup_id))
    )


def marked_attendance(standup_id: int) -> set[int]:
    """Whose attendance the facilitator has marked already (possibly before the start)."""
    return set(
        db.session.scalars(sa.select(Attendance.user_id).where(Attendance.standup_id == standup_id))
    )


def open_action_item_refs(team_id: int, now: datetime) -> list[dict]:
    """The team's open action items as the agenda (and the API) show them, oldest first."""
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


def open_topic_refs(team_id: int) -> list[dict]:
    """The team's parking-lot topics not discussed yet, as the agenda (and the API) show them."""
    rows = db.session.execute(
        sa.select(ParkingLotItem.id, ParkingLotItem.topic)
        .where(ParkingLotItem.team_id == team_id, ParkingLotItem.discussed_at.is_(None))
        .order_by(ParkingLotItem.created_at, ParkingLotItem.id)
    )
    return [{"id": row.id, "topic": row.topic} for row in rows]


def agenda_inputs(
    team: Team, standup: Standup, now: datetime, previous: Standup | None
) -> agenda.AgendaInputs:
    """What ``agenda.build`` needs besides the complaints and wishes (it reads those itself)."""
    people = members([team.id])
    away = away_on([u.id for u in people], standup.on)
    unreached = []
    if previous is not None:
        unreached = [
            item
            for item in agenda_items(previous.id)
            if item.started_at is None and item.kind in agenda.CARRIED_KINDS
        ]
    return agenda.AgendaInputs(
        team=team,
        on=standup.on,
        since=standup.since_at,
        now=now,
        members=[(u.id, u.name) for u in people if u.id not in away],
        open_action_items=open_action_item_refs(team.id, now),
        open_topics=open_topic_refs(team.id),
        unreached=unreached,
        previous_on=previous.on if previous is not None else None,
    )
