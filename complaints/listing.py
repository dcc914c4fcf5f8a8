"""The complaint lists: the open list everyone sees (filters, search and sort as one query for one
page), and a manager's own follow-ups for today."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from complaints.briefs import ComplaintBrief, brief_select, fetch_briefs, unanswered_attempts
from complaints.models import IS_OPEN, Complaint
from core.away import away_on
from core.extensions import db
from core.inputs import int_arg
from core.models import Client
from core.prefixes import name_starts_with

PAGE_SIZE = 50
MAX_PAGE = 200  # offset pagination stays cheap only so deep; narrow the filters to go further
FOLLOW_UP_LIMIT = 200
FEW_MATCHES = 1000  # a search with at most this many matches lists from them (SQLite)
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

    @property
    def short_query(self) -> bool:
        """A search too short for the trigram indexes: it finds client names that start with it."""
        return bool(self.q) and len(self.q.replace("%", "").replace("_", "")) < 3


@dataclass
class Page:
    items: list[ComplaintBrief]
    has_next: bool
    filters: Filters
    # Owners of these complaints who are away on the viewer's today: flagged "owner away" (#17).
    owners_away: set[int] = field(default_factory=set)
    # Calls that did not reach the client since the last that did, per complaint (#17).
    attempts: dict[int, int] = field(default_factory=dict)


def open_complaints(
    filters: Filters, viewer_id: int, now: datetime, today: date | None = None
) -> Page:
    """One page of the open list (one query), which of its owners are away on the viewer's
    ``today`` (one more; the UTC date of ``now`` unless told) and its unanswered attempts (one)."""
    items = fetch_briefs(_list_statement(filters, viewer_id, now), now)
    shown = items[:PAGE_SIZE]
    return Page(
        items=shown,
        has_next=len(items) > PAGE_SIZE,
        filters=filters,
        owners_away=away_on((c.owner_id for c in shown), today or now.date()),
        attempts=unanswered_attempts(c.id for c in shown),
    )


def _list_statement(filters: Filters, viewer_id: int, now: datetime):
    q = filters.q and filters.q.replace("%", "").replace("_", "")
    matching = matching_ids(q) if q else None
    if matching is not None and db.session.get_bind().dialect.name == "sqlite" and _few(matching):
        return _from_the_matches(filters, matching, viewer_id, now)
    statement = _filtered(brief_select().where(IS_OPEN), filters, viewer_id, now)
    if matching is not None:
        statement = statement.where(Complaint.id.in_(matching))
    return _one_page(statement, filters)


def _few(matching) -> bool:
    """Whether a search matches at most ``FEW_MATCHES`` complaints (SQLite: the list then starts
    from them). One query that stops counting past the limit: the branches of the search's UNION
    are counted as a UNION ALL, which SQLite streams (a UNION collects every match first: 130 ms
    for a word in every eighth summary at a million), so a complaint found both by its summary
    and by its client counts twice, which only errs towards the walk."""
    if isinstance(matching, sa.CompoundSelect):
        matching = sa.union_all(*matching.selects)
    counted = sa.select(sa.func.count()).select_from(matching.limit(FEW_MATCHES + 1).subquery())
    return db.session.scalar(counted) <= FEW_MATCHES


def _from_the_matches(filters: Filters, matching, viewer_id: int, now: datetime):
    """A search with few matches on SQLite: the page's ids from the matches, then their rows.

    Otherwise SQLite walks the open complaints in the list's order (``ix_complaints_is_open_due_at``)
    and probes the matches for each: 125 ms at a million complaints for a name four complaints
    have. Here the open condition is an expression no index serves (``CAST(is_open AS INTEGER)``),
    so the matches drive (rowid look-ups), only their ids are sorted and cut, and the page's
    columns are read for the page alone. With many matches the walk finds a page quickly and
    stays (a word in every eighth summary would cost a row read per match here).
    """
    still_open = sa.cast(Complaint.is_open, sa.Integer) == 1
    ids = _filtered(sa.select(Complaint.id).where(still_open), filters, viewer_id, now)
    ids = _one_page(ids.where(Complaint.id.in_(matching)), filters)
    return brief_select().where(Complaint.id.in_(ids)).order_by(*SORTS[filters.sort])


def _filtered(statement, filters: Filters, viewer_id: int, now: datetime):
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
    return statement


def _one_page(statement, filters: Filters):
    return (
        statement.order_by(*SORTS[filters.sort])
        .limit(PAGE_SIZE + 1)
        .offset((filters.page - 1) * PAGE_SIZE)
    )


def matching_ids(q: str):
    """The ids of complaints that a search for ``q`` finds, always from an index, never a scan.

    From three characters on: complaints whose summary or client name *contains* ``q`` in any
    letter case — on SQLite through the FTS5 trigram tables (a quoted phrase is a substring match
    there), on PostgreSQL through ``ILIKE`` served by the pg_trgm GIN indexes (migration 0012).
    (The caller drops ``%`` and ``_`` from ``q`` as it always did; nothing left means no search.)

    Below three characters no trigram index can help, and a substring scan grows with the tables;
    a short query finds the complaints of clients whose name *starts with* it (``Ma`` finds
    "Mariana Lopes"), answered by ranges on the plain ``ix_clients_name`` index like the client
    directory's search. The search field's hint says so.
    """
    if len(q) < 3:
        named = sa.select(Client.id).where(name_starts_with(Client.name, q))
        return sa.select(Complaint.id).where(Complaint.client_id.in_(named))
    complaint, client = aliased(Complaint), aliased(Client)
    if db.session.get_bind().dialect.name == "sqlite":
        phrase = '"' + q.replace('"', '""') + '"'
        summaries, names = sa.table("fts_complaint_summaries"), sa.table("fts_client_names")
        summary_hit = sa.literal_column("fts_complaint_summaries").match(phrase)
        name_hit = sa.literal_column("fts_client_names").match(phrase)
        by_summary = sa.select(sa.literal_column("rowid")).select_from(summaries).where(summary_hit)
        client_ids = sa.select(sa.literal_column("rowid")).select_from(names).where(name_hit)
    else:
        by_summary = sa.select(complaint.id).where(complaint.summary.icontains(q, autoescape=True))
        client_ids = sa.select(client.id).where(client.name.icontains(q, autoescape=True))
    by_client = sa.select(complaint.id).where(complaint.client_id.in_(client_ids))
    return sa.union(by_summary, by_client)


@dataclass
class FollowUps:
    overdue: list[ComplaintBrief]
    due_today: list[ComplaintBrief]


def my_follow_ups(owner_id: int, now: datetime, zone) -> FollowUps:
    """A manager's open complaints overdue or due before the end of their today, most overdue first.

    ``zone`` is the viewer's timezone (pytz, as Flask-Babel gives it): "today" is theirs, not the
    server's.
    """
    tomorrow = now.astimezone(zone).date() + timedelta(days=1)
    end_of_today = zone.localize(datetime.combine(tomorrow, time())).astimezone(UTC)
    statement = (
        brief_select()
        .where(
            Complaint.owner_id == owner_id,
            IS_OPEN,
            Complaint.due_at < end_of_today,
        )
        .order_by(Complaint.due_at, Complaint.id)
        .limit(FOLLOW_UP_LIMIT)
    )
    items = fetch_briefs(statement, now)
    return FollowUps(
        overdue=[c for c in items if c.due_at < now],
        due_today=[c for c in items if c.due_at >= now],
    )


def one(complaint_id: int, now: datetime) -> ComplaintBrief | None:
    """One row of the list, re-rendered in place after "I'll call them"."""
    found = fetch_briefs(brief_select().where(Complaint.id == complaint_id), now)
    return found[0] if found else None
