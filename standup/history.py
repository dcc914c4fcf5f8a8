"""Past stand-ups of a team: search, filters, and the CSV export (reads only, fixed queries)."""

import csv
import io
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from core.extensions import db
from core.models import Team, User
from core.spreadsheet import neutralise
from standup.models import (
    ActionItem,
    Attendance,
    CheckIn,
    Decision,
    ParkingLotItem,
    Standup,
)

PAGE_SIZE = 30
EXPORT_MAX_DAYS = 366


@dataclass
class HistoryRow:
    standup: Standup
    check_ins: int
    action_items: int
    decisions: int


@dataclass
class HistoryPage:
    rows: list[HistoryRow]
    has_next: bool
    page: int

    @classmethod
    def empty(cls) -> "HistoryPage":
        """What a page shows while its filters are invalid: nothing, on page one."""
        return cls([], False, 1)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _count(model, *where):
    return (
        sa.select(sa.func.count())
        .select_from(model)
        .where(model.standup_id == Standup.id, *where)
        .correlate(Standup)
        .scalar_subquery()
    )


def search(
    team: Team,
    q: str | None = None,
    person_id: int | None = None,
    start: date | None = None,
    end: date | None = None,
    page: int = 1,
) -> HistoryPage:
    """Past stand-ups, newest first, matching a text (check-ins, action items, topics, decisions,
    agenda) and a person (checked in, attended, or owns an action item from it). One query."""
    statement = sa.select(
        Standup,
        _count(CheckIn),
        _count(ActionItem),
        _count(Decision),
    ).where(Standup.team_id == team.id, Standup.status == "ended")
    if start:
        statement = statement.where(Standup.on >= start)
    if end:
        statement = statement.where(Standup.on <= end)
    if q:
        pattern = _like(q)

        def has(model, *columns):
            return (
                sa.exists()
                .where(
                    model.standup_id == Standup.id,
                    sa.or_(*(c.ilike(pattern, escape="\\") for c in columns)),
                )
                .correlate(Standup)
            )

        statement = statement.where(
            sa.or_(
                has(CheckIn, CheckIn.yesterday, CheckIn.today, CheckIn.blockers),
                has(ActionItem, ActionItem.text),
                has(ParkingLotItem, ParkingLotItem.topic),
                has(Decision, Decision.text),
            )
        )
    if person_id:
        statement = statement.where(
            sa.or_(
                sa.exists()
                .where(CheckIn.standup_id == Standup.id, CheckIn.user_id == person_id)
                .correlate(Standup),
                sa.exists()
                .where(
                    Attendance.standup_id == Standup.id,
                    Attendance.user_id == person_id,
                    Attendance.present.is_(True),
                )
                .correlate(Standup),
                sa.exists()
                .where(ActionItem.standup_id == Standup.id, ActionItem.owner_id == person_id)
                .correlate(Standup),
            )
        )
    page = max(1, min(page, 500))
    statement = (
        statement.order_by(Standup.on.desc()).limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)
    )
    rows = [HistoryRow(*row) for row in db.session.execute(statement).unique()]
    return HistoryPage(rows=rows[:PAGE_SIZE], has_next=len(rows) > PAGE_SIZE, page=page)


HEADER = [
    "record",
    "date",
    "person",
    "yesterday",
    "today",
    "blockers",
    "mood",
    "action_item",
    "owner",
    "due_on",
    "done_at",
]


def export_csv(
    team: Team, start: date, end: date, q: str | None = None, person_id: int | None = None
) -> str:
    """Check-ins and action items of ``[start, end]`` as CSV, formulas neutralised. Two queries.

    The page's filters apply too: a person keeps their own check-ins and the action items they
    own; a text keeps the check-ins and action items that contain it.
    """
    check_in_filters, action_filters = [], []
    if person_id:
        check_in_filters.append(CheckIn.user_id == person_id)
        action_filters.append(ActionItem.owner_id == person_id)
    if q:
        pattern = _like(q)
        check_in_filters.append(
            sa.or_(
                *(
                    column.ilike(pattern, escape="\\")
                    for column in (CheckIn.yesterday, CheckIn.today, CheckIn.blockers)
                )
            )
        )
        action_filters.append(ActionItem.text.ilike(pattern, escape="\\"))
    check_ins = db.session.execute(
        sa.select(
            Standup.on, User.name, CheckIn.yesterday, CheckIn.today, CheckIn.blockers, CheckIn.mood
        )
        .join(Standup, Standup.id == CheckIn.standup_id)
        .join(User, User.id == CheckIn.user_id)
        .where(Standup.team_id == team.id, Standup.on >= start, Standup.on <= end)
        .where(*check_in_filters)
        .order_by(Standup.on, User.name)
    ).all()
    actions = db.session.execute(
        sa.select(Standup.on, User.name, ActionItem.text, ActionItem.due_on, ActionItem.done_at)
        .join(Standup, Standup.id == ActionItem.standup_id)
        .outerjoin(User, User.id == ActionItem.owner_id)
        .where(Standup.team_id == team.id, Standup.on >= start, Standup.on <= end)
        .where(*action_filters)
        .order_by(Standup.on, ActionItem.id)
    ).all()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for on, name, yesterday, today, blockers, mood in check_ins:
        row = ["check_in", on.isoformat(), name, yesterday, today, blockers, mood, "", "", "", ""]
        writer.writerow([neutralise(cell) for cell in row])
    for on, owner, text, due_on, done_at in actions:
        row = [
            "action_item",
            on.isoformat(),
            "",
            "",
            "",
            "",
            "",
            text,
            owner or "",
            due_on.isoformat() if due_on else "",
            done_at.isoformat() if done_at else "",
        ]
        writer.writerow([neutralise(cell) for cell in row])
    return out.getvalue()
