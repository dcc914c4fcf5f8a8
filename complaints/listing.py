"""The open complaint list everyone sees: filters, search and sort as one query for one page."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from complaints.briefs import ComplaintBrief, _brief_select
from complaints.models import OPEN_STATUSES, Complaint
from core.extensions import db
from core.inputs import int_arg
from core.models import Client

PAGE_SIZE = 50
MAX_PAGE = 200  # offset pagination stays cheap only so deep; narrow the filters to go further
FOLLOW_UP_LIMIT = 200
VIEWS = ("all", "mine", "unowned", "overdue")
SORTS = {
    "due": (Complaint.due_at, Complaint.id),
    "newest": (Complaint.opened_at.desc(), Complaint.id.desc()),
    "oldest": (Complaint.opened_at, Complaint.id),
}


@dataclass
class Filters:
    view: str = "all"
    category_id: int | None = None
    channel: str | None = None
    q: str | None = None
    sort: str = "due"
    page: int = 1

    @classmethod
    def from_args(cls, args) -> "Filters":
        """Read filters from a query string; anything unknown falls back to the default, never a 500."""

        view = args.get("view", "all")
        sort = args.get("sort", "due")
        return cls(
            view=view if view in VIEWS else "all",
            category_id=int_arg("category", args=args),
            channel=(args.get("channel") or None),
            q=(args.get("q") or "").strip()[:100] or None,
            sort=sort if sort in SORTS else "due",
            page=int_arg("page", 1, high=MAX_PAGE, args=args),
        )


@dataclass
class Page:
    items: list[ComplaintBrief]
    has_next: bool
    filters: Filters


def _select():
    """The briefs' columns plus the client id, so each row links to its client's page."""
    return _brief_select().add_columns(Complaint.client_id)


def _briefs(statement, now: datetime) -> list[ComplaintBrief]:
    return [
        ComplaintBrief(
            *row[:-1], age_days=max(0, (now - row.opened_at).days), client_id=row.client_id
        )
        for row in db.session.execute(statement)
    ]


def open_complaints(filters: Filters, viewer_id: int, now: datetime) -> Page:
    items = _briefs(_list_statement(filters, viewer_id, now), now)
    return Page(items=items[:PAGE_SIZE], has_next=len(items) > PAGE_SIZE, filters=filters)


def _list_statement(filters: Filters, viewer_id: int, now: datetime):
    statement = _select().where(Complaint.status.in_(OPEN_STATUSES))
    if filters.view == "mine":
        statement = statement.where(Complaint.owner_id == viewer_id)
    elif filters.view == "unowned":
        statement = statement.where(Complaint.owner_id.is_(None))
    elif filters.view == "overdue":
        statement = statement.where(Complaint.due_at < now)
    if filters.category_id:
        statement = statement.where(Complaint.category_id == filters.category_id)
    if filters.channel:
        statement = statement.where(Complaint.channel == filters.channel)
    if filters.q:
        pattern = f"%{filters.q.replace('%', '').replace('_', '')}%"
        statement = statement.where(
            sa.or_(Complaint.summary.ilike(pattern), Client.name.ilike(pattern))
        )
    return (
        statement.order_by(*SORTS[filters.sort])
        .limit(PAGE_SIZE + 1)
        .offset((filters.page - 1) * PAGE_SIZE)
    )


def follow_ups(owner_id: int, now: datetime, end_of_today: datetime) -> list[ComplaintBrief]:
    """A manager's open complaints due before the end of their today (overdue ones first).

    ``end_of_today`` is the viewer's local midnight in UTC: "today" is theirs, not the server's.
    """
    statement = (
        _select()
        .where(
            Complaint.owner_id == owner_id,
            Complaint.status.in_(OPEN_STATUSES),
            Complaint.due_at < end_of_today,
        )
        .order_by(Complaint.due_at, Complaint.id)
        .limit(FOLLOW_UP_LIMIT)
    )
    return _briefs(statement, now)


def one(complaint_id: int, now: datetime) -> ComplaintBrief | None:
    """One row of the list, re-rendered in place after "I'll call them"."""
    found = _briefs(_select().where(Complaint.id == complaint_id), now)
    return found[0] if found else None
