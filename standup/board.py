"""What the board shows, loaded in a fixed number of queries (reads only; writes are in services).

The agenda's data sections are snapshots stored on the agenda items, so the board never queries the
complaint tables: its cost does not depend on how many complaints exist (tests count statements).

Polling cost, measured by ``tests/standup/test_queries.py``: a watching screen asks every three
seconds "anything newer than version N?". While nothing changed the answer is ``204 No Content`` (0
bytes of body) after two queries: the session's user and one indexed lookup of the stand-up's
version (``poll_state``). When something changed it is the live fragment, about 5 kB for an agenda
whose current item lists five complaints, after five queries, plus one request for the panels below
it. The whole board is twelve queries, the same with 3 or 30 complaints, members and action items.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from core.extensions import db
from core.models import Team, User
from standup import queries, rules
from standup.models import (
    ActionItem,
    AgendaItem,
    Attendance,
    CheckIn,
    Decision,
    ParkingLotItem,
    Standup,
)

AMBER_AT = 1.0  # over the timebox
RED_AT = 1.5  # half as long again


def overtime_class(elapsed_seconds: float, timebox_seconds: int) -> str:
    if timebox_seconds <= 0:
        return "over-red" if elapsed_seconds > 0 else ""
    ratio = elapsed_seconds / timebox_seconds
    if ratio > RED_AT:
        return "over-red"
    if ratio > AMBER_AT:
        return "over-amber"
    return ""


@dataclass
class MemberRow:
    user: User
    away: bool
    check_in: CheckIn | None
    present: bool | None  # None: attendance not taken (yet)


@dataclass
class Live:
    team: Team
    standup: Standup | None
    on: date
    items: list[AgendaItem]
    now: datetime
    can_facilitate: bool = False
    undo_until: datetime | None = None  # set while this viewer may still reopen the ended meeting
    # Set while anyone (a facilitator) may still reopen it: every screen keeps polling till then.
    reopenable_until: datetime | None = None

    @property
    def current(self) -> AgendaItem | None:
        if self.standup is None or self.standup.current_position is None:
            return None
        return next((i for i in self.items if i.position == self.standup.current_position), None)

    def item_state(self, item: AgendaItem) -> str:
        if item.ended_at is not None:
            return "done"
        if item.started_at is not None:
            return "current"
        return "upcoming"

    def item_class(self, item: AgendaItem) -> str:
        if item.started_at is None:
            return ""
        end = item.ended_at or self.now
        return overtime_class((end - item.started_at).total_seconds(), item.timebox_seconds)

    def overtime_seconds(self, item: AgendaItem) -> int:
        """How far past its timebox an item ran (0 within it), shown in words on the current one."""
        if item.started_at is None:
            return 0
        elapsed = ((item.ended_at or self.now) - item.started_at).total_seconds()
        return max(0, int(elapsed) - item.timebox_seconds)

    @property
    def meeting_class(self) -> str:
        s = self.standup
        if s is None or s.started_at is None:
            return ""
        end = s.ended_at or self.now
        return overtime_class((end - s.started_at).total_seconds(), s.timebox_seconds)

    @property
    def planned_seconds(self) -> int:
        return sum(i.timebox_seconds for i in self.items)


@dataclass
class Board:
    live: Live
    members: list[MemberRow] = field(default_factory=list)
    action_items: list[ActionItem] = field(default_factory=list)
    topics: list[ParkingLotItem] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    viewer_check_in: CheckIn | None = None
    can_contribute: bool = False

    @property
    def standup(self) -> Standup | None:
        return self.live.standup

    @property
    def checked_in(self) -> list[MemberRow]:
        return [m for m in self.members if m.check_in is not None]

    @property
    def waiting(self) -> list[MemberRow]:
        return [m for m in self.members if m.check_in is None and not m.away]


def load_live(team: Team, standup: Standup | None, on: date, viewer: User, now: datetime) -> Live:
    items = queries.agenda_items(standup.id) if standup is not None else []
    live = Live(team=team, standup=standup, on=on, items=items, now=now)
    if standup is not None and standup.status != "ended":
        live.can_facilitate = rules.can_facilitate(viewer, standup)
    until = rules.undo_until(standup) if standup is not None else None
    if until is not None and now < until:
        live.reopenable_until = until
        if rules.can_facilitate(viewer, standup):
            live.undo_until = until
    return live


# Built once, values bound when run (see ``standup.queries``): the board's cost is Python (#16).
_CHECK_INS = sa.select(CheckIn).where(CheckIn.standup_id == sa.bindparam("standup_id"))
_PRESENT = sa.select(Attendance.user_id, Attendance.present).where(
    Attendance.standup_id == sa.bindparam("standup_id")
)
_DECISIONS = (
    sa.select(Decision)
    .where(Decision.standup_id == sa.bindparam("standup_id"))
    .order_by(Decision.created_at, Decision.id)
)
_ACTION_ITEMS = (
    sa.select(ActionItem)
    .where(
        ActionItem.team_id == sa.bindparam("team_id"),
        sa.or_(ActionItem.done_at.is_(None), ActionItem.standup_id == sa.bindparam("standup_id")),
    )
    .order_by(ActionItem.done_at.is_not(None), ActionItem.created_at, ActionItem.id)
)
_TOPICS = (
    sa.select(ParkingLotItem)
    .where(
        ParkingLotItem.team_id == sa.bindparam("team_id"),
        sa.or_(
            ParkingLotItem.discussed_at.is_(None),
            ParkingLotItem.standup_id == sa.bindparam("standup_id"),
            ParkingLotItem.discussed_standup_id == sa.bindparam("standup_id"),
        ),
    )
    .order_by(ParkingLotItem.created_at, ParkingLotItem.id)
)


def load_board(team: Team, standup: Standup | None, on: date, viewer: User, now: datetime) -> Board:
    live = load_live(team, standup, on, viewer, now)
    board = Board(live=live)
    people = queries.members([team.id])
    away = queries.away_on([u.id for u in people], on)
    check_ins: dict[int, CheckIn] = {}
    present: dict[int, bool] = {}
    if standup is not None:
        this = {"standup_id": standup.id}
        check_ins = {c.user_id: c for c in db.session.scalars(_CHECK_INS, this).unique()}
        present = {user_id: here for user_id, here in db.session.execute(_PRESENT, this)}
        board.decisions = list(db.session.scalars(_DECISIONS, this))
        board.can_contribute = rules.can_contribute(viewer, standup)
    board.members = [
        MemberRow(u, u.id in away, check_ins.get(u.id), present.get(u.id)) for u in people
    ]
    board.viewer_check_in = check_ins.get(viewer.id)
    this_team = {"team_id": team.id, "standup_id": standup.id if standup is not None else 0}
    board.action_items = list(db.session.scalars(_ACTION_ITEMS, this_team).unique())
    board.topics = list(db.session.scalars(_TOPICS, this_team).unique())
    return board


def poll_state(slug: str, on: date) -> tuple[int, str, datetime | None] | None:
    """(version, status, auto_end_at) of one stand-up in a single indexed lookup, for polling."""
    row = db.session.execute(
        sa.select(Standup.version, Standup.status, Standup.auto_end_at)
        .join(Team, Team.id == Standup.team_id)
        .where(Team.slug == slug, Standup.on == on)
    ).first()
    return tuple(row) if row is not None else None
