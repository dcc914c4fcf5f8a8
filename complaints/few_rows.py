"""The open list's page cut from the few complaints its narrowest filter leaves (issue #16).

SQLite lists by opening walking the opening index and testing the other filters on each row
(``list_filters.walks_by_opening``): quick when the rows that pass are common, a walk of every
open complaint when they are rare (a category nobody uses, a channel, the overdue of a team that
keeps up). So those are counted first, from their own index and stopped past ``at_most``; when
they are that few, their ids are read with their sort keys and the page is cut from them
(``listing._from_the_matches``). A search in such a filter tests its few complaints one by one
instead of reading every match of a common word from the search index (both databases).
"""

from datetime import datetime

import sqlalchemy as sa

from complaints.list_filters import Filters, filtered, stored_sort_key
from complaints.models import IS_OPEN, Complaint
from complaints.search_pieces import each_row_tested, folded_contains
from core.database import counted_up_to
from core.extensions import db


def in_rare_filter(filters: Filters, viewer_id: int, now: datetime, at_most: int) -> dict | None:
    """SQLite, a category, a channel or the overdue view listed by opening: the ids and sort
    keys of the open complaints it leaves, under all the filters, when they are at most
    ``at_most`` (``_rare_filter``). ``None`` when each leaves more, or none is asked: then a
    page's rows are at least one in every few dozen open complaints (at a million, page 1 within
    the first ~3,000) and the walk finds it soon. A category with no open complaint walked all
    300,000 open complaints at a million for an empty page (116 ms), and a page of the oldest
    few overdue passed every open complaint not yet due (112 ms of SQL)."""
    narrowing = _rare_filter(filters, now, at_most)
    if narrowing is None:
        return None
    rows = sa.select(Complaint.id).where(IS_OPEN, narrowing)
    return _keys_of(rows, filters, viewer_id, now, at_most)


def matches_in_rare_filter(
    q: str, named: list[int] | None, filters: Filters, viewer_id: int, now: datetime, at_most: int
) -> dict | None:
    """A search in a category, a channel or the overdue view that leaves at most ``at_most`` open
    complaints (``_rare_filter``), on either database: the ids and sort keys of its matches,
    each of those complaints tested as ``listing._walked_directly`` tests a row (on SQLite for
    an ASCII query only; ``None`` otherwise). Read from the search index, every match of a
    common word was read to find the few in the category: "delivery" in an empty category at a
    million, 125,000 matches, 289 ms a page; among 1,994 overdue, 232 ms."""
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    if len(q) < 3 or (sqlite and not q.isascii()):
        return None
    narrowing = _rare_filter(filters, now, at_most)
    if narrowing is None:
        return None
    rows = sa.select(Complaint.id).where(IS_OPEN, narrowing)
    rows = each_row_tested(rows, q, named, folded_contains if sqlite else _icontains)
    return _keys_of(rows, filters, viewer_id, now, at_most)


def _rare_filter(filters: Filters, now: datetime, at_most: int):
    """The list's category, or else its channel, or else the overdue view, as a condition, when
    it leaves at most ``at_most`` open complaints: counted from its own index (``(category_id,
    is_open, due_at, id)``, ``(channel, ...)``, ``(is_open, due_at, id)``), stopped past that many
    (1 ms at a million)."""
    narrowings = []
    if filters.category_id is not None:
        narrowings.append(Complaint.category_id == filters.category_id)
    if filters.channel is not None:
        narrowings.append(Complaint.channel == filters.channel)
    if filters.view == "overdue":
        narrowings.append(Complaint.due_at < now)
    for narrowing in narrowings:
        rows = sa.select(Complaint.id).where(IS_OPEN, narrowing)
        if db.session.scalar(sa.select(counted_up_to(rows, at_most))) <= at_most:
            return narrowing
    return None


def _keys_of(statement, filters: Filters, viewer_id: int, now: datetime, at_most: int):
    """The ids ``statement`` finds under the list's filters, each with the list's sort key as
    stored (as ``listing._open_matches`` reads them); ``None`` when they are more than
    ``at_most``."""
    statement = filtered(
        statement.add_columns(stored_sort_key(filters.sort)), filters, viewer_id, now
    )
    keys = {row.id: row[1] for row in db.session.execute(statement.limit(at_most + 1))}
    return keys if len(keys) <= at_most else None


def _icontains(column, q: str):
    """PostgreSQL: ``column`` contains ``q`` in any letter case (``ILIKE``, as the list's walks)."""
    return column.icontains(q, autoescape=True)
