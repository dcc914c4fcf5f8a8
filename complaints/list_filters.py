"""What the open list's filters mean in SQL: the view, category, channel and sort a query string
asks for (``Filters``), and the conditions they put on a statement (``filtered``), including which
of them the index a list walks serves itself (``served``) and how the overdue view is tested so
that SQLite walks the index it is listed by (``overdue``). The list itself is ``listing``."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from complaints.models import Complaint
from core.database import unindexed
from core.extensions import db
from core.inputs import int_arg

MAX_PAGE = 200  # offset pagination stays cheap only so deep; narrow the filters to go further
VIEWS = ("all", "mine", "unowned", "overdue")
SORT_KEYS = {  # each sort's key, unique, and whether the list runs down it
    "due": ((Complaint.due_at, Complaint.id), False),
    "newest": ((Complaint.opened_at, Complaint.id), True),
    "oldest": ((Complaint.opened_at, Complaint.id), False),
}
SORTS = {
    name: tuple(column.desc() for column in key) if down else key
    for name, (key, down) in SORT_KEYS.items()
}


def stored_sort_key(sort: str):
    """``sort``'s first key column as stored, with no conversion per row: SQLite's text, which
    its ORDER BY compares as Python does, or PostgreSQL's timestamps; read with the ids of rows
    whose page is cut in Python (``listing._from_the_matches``), compared only with each other."""
    return sa.type_coerce(SORT_KEYS[sort][0][0], sa.String)


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
    def narrowed(self) -> bool:
        """Whether anything but the search narrows the open list (a view, a category, a channel)."""
        return self.view != "all" or bool(self.category_id) or bool(self.channel)

    @property
    def short_query(self) -> bool:
        """A search too short for the trigram indexes: it finds client names that start with it."""
        return bool(self.q) and len(self.q.replace("%", "").replace("_", "")) < 3


def filtered(statement, filters: Filters, viewer_id: int, now: datetime):
    """``statement`` under the list's filters."""
    return statement.where(*conditions(filters, viewer_id, now))


def conditions(filters: Filters, viewer_id: int, now: datetime) -> list:
    """The list's filters, as conditions on a complaint."""
    found = []
    if filters.view == "mine":
        found.append(Complaint.owner_id == viewer_id)
    elif filters.view == "unowned":
        found.append(Complaint.owner_id.is_(None))
    elif filters.view == "overdue":
        found.append(overdue(filters.sort, now))
    if filters.category_id is not None:
        found.append(Complaint.category_id == filters.category_id)
    if filters.channel is not None:
        found.append(Complaint.channel == filters.channel)
    return found


def served(filters: Filters) -> Filters:
    """The filters the search's walks count their rows under (``listing._walked_directly``); the
    rest are tested on each row, as the search is. Counted under every filter, the first 20,000
    rows of "delivery" in category 3 ended 260,000 open complaints on at a million: 205 ms a page
    on SQLite, 19 ms counted among the open. A manager's own and nobody's are counted under:
    their own indexes serve them, but for nobody's listed by deadline, where each row is tested;
    counted among all the open there, the few unowned rarely held a page, and the search read
    all its matches instead ("delivery" in category 3: 320 ms, counted among nobody's 35). The
    overdue are counted under when listed by deadline (a range of the deadline index)."""
    serves = {"all": True, "mine": True, "unowned": True, "overdue": filters.sort == "due"}
    return Filters(view=filters.view if serves[filters.view] else "all", sort=filters.sort)


def on_the_walked_index(filters: Filters, viewer_id: int, now: datetime) -> list:
    """SQLite: the list's filters as a walk of the index it counted its rows in (``served``)
    tests them. The view chooses that index (or, the overdue listed by opening, is kept from
    choosing one: ``overdue``); a category and a channel are written
    ``+category_id = ?`` and ``+channel = ?`` (``unindexed``), tested on the index's own entries
    (they carry both columns, migration 0027) and never chosen as the walk's index themselves.
    Left to choose, SQLite walked a channel's 33,334 open complaints for a manager's 27,273 by
    the row: "coupon" in one category and one channel, 48 ms of SQL at a million; 3 ms."""
    found = conditions(Filters(view=filters.view, sort=filters.sort), viewer_id, now)
    if filters.category_id is not None:
        found.append(unindexed(Complaint.category_id) == filters.category_id)
    if filters.channel is not None:
        found.append(unindexed(Complaint.channel) == filters.channel)
    return found


def some_unserved(filters: Filters) -> bool:
    """Whether some of the list's filters are tested on each row of the walked index (``served``)."""
    unserved = filters.category_id is not None or filters.channel is not None
    return unserved or served(filters).view != filters.view


def walks_by_opening(sort: str) -> bool:
    """Whether the list, in ``sort``'s order, walks the opening index and tests the other filters
    on each row, however many rows they pass: SQLite listed by opening (the overdue kept from the
    deadline index by ``overdue``; a category and a channel by SQLite's own choice, which prefers
    an index in the list's order). ``listing._list_statement`` first sees whether the walk could
    be long. PostgreSQL chooses by its statistics."""
    return sort != "due" and db.session.get_bind().dialect.name == "sqlite"


def overdue(sort: str, now):
    """The overdue view's test. Listed by opening, SQLite is kept from the deadline index by
    writing it ``+due_at < ?`` (SQLite's documented way to take a term from the index choice),
    so it walks the opening index in order and stops after a page. Given ``due_at < ?`` it read
    every overdue complaint from the deadline index, each with its last contact, and sorted them
    all for one page: 299,181 at a million, 1.1 s a page; walked, 0.4 ms. Whether the walk is
    short is ``few_rows.in_rare_filter``'s to see first. PostgreSQL chooses by its statistics: its
    histogram of the deadlines says how many are overdue."""
    if not walks_by_opening(sort):
        return Complaint.due_at < now
    return unindexed(Complaint.due_at) < now
