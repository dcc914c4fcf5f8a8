"""The open list's page cut from the few complaints its narrowest filter leaves (issue #16).

SQLite lists by opening walking the opening index and testing the other filters on each row
(``list_filters.walks_by_opening``): quick when the rows that pass are common, a walk of every
open complaint when they are rare (a category nobody uses, a channel, the overdue of a team that
keeps up). So those are counted first, from their own index and stopped past ``at_most``; when
they are that few, their ids are read with their sort keys and the page is cut from them
(``listing._from_the_matches``). A search in such a category tests its few complaints one by one
instead of reading every match of a common word from the search index (both databases).
"""

from dataclasses import replace
from datetime import datetime

import sqlalchemy as sa

from complaints.list_filters import SORT_KEYS, Filters, filtered
from complaints.models import IS_OPEN, Complaint
from complaints.search_pieces import folded_contains
from core.extensions import db
from core.models import Client


def in_rare_filter(filters: Filters, viewer_id: int, now: datetime, at_most: int) -> dict | None:
    """SQLite, a category or a channel listed by opening: the ids and sort keys of its open
    complaints under all the filters, when it has at most ``at_most`` (``_rare_filter``).
    ``None`` when both have more, or neither is asked: then a page's rows are at least one in
    every few dozen open complaints (at a million, page 1 within the first ~3,000) and the walk
    finds it soon. A category with no open complaint walked all 300,000 open complaints at a
    million for an empty page: 116 ms."""
    narrowing = _rare_filter(filters, at_most)
    if narrowing is None:
        return None
    rows = sa.select(Complaint.id).where(IS_OPEN, narrowing)
    return _keys_of(rows, filters, viewer_id, now, at_most)


def matches_in_rare_filter(
    q: str, named: list[int] | None, filters: Filters, viewer_id: int, now: datetime, at_most: int
) -> dict | None:
    """A search in a category or a channel with at most ``at_most`` open complaints
    (``_rare_filter``), on either database: the ids and sort keys of its matches, each of those
    complaints tested as ``listing._walked_directly`` tests a row (on SQLite for an ASCII query
    only; ``None`` otherwise). Read from the search index, every match of a common word was read
    to find the few in the category: "delivery" in an empty category at a million, 125,000
    matches, 289 ms a page."""
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    if len(q) < 3 or (sqlite and not q.isascii()):
        return None
    narrowing = _rare_filter(filters, at_most)
    if narrowing is None:
        return None
    rows = sa.select(Complaint.id).where(IS_OPEN, narrowing)
    contains = folded_contains if sqlite else _icontains
    if named is None:
        rows = rows.join(Client, Client.id == Complaint.client_id)
        by_name = [contains(Client.name, q)]
    else:
        by_name = [Complaint.client_id.in_(named)] if named else []
    rows = rows.where(sa.or_(contains(Complaint.summary_words, q), *by_name))
    return _keys_of(rows, filters, viewer_id, now, at_most)


def few_overdue(filters: Filters, viewer_id: int, now: datetime, at_most: int) -> dict | None:
    """SQLite, the overdue view listed by opening: the overdue complaints' ids and sort keys,
    when the walk by opening (``list_filters.overdue``) could be long and they are at most
    ``at_most``; ``None`` when the walk is the way (at most two short reads decide).

    Before the page the walk passes the open complaints that are not yet due; a team that keeps
    up has few overdue and every new complaint not yet due. Those are counted first, stopped past
    ``at_most``, from the deadline index alone: when they are that few, the walk passes at most
    that many (the benchmark's million: 819). Otherwise the overdue are read from the deadline
    index, stopped past ``at_most``, and the page is cut from them when that is all (walked, a
    page of the oldest few overdue passed 300,000 open complaints at a million: 112 ms). With
    many of both, the walk it is: it passes at most the open list, and the page's overdue
    complaints are among the first ``at_most`` of either."""
    if not _more_than(at_most, sa.select(Complaint.id).where(IS_OPEN, Complaint.due_at >= now)):
        return None
    overdue = sa.select(Complaint.id).where(IS_OPEN, Complaint.due_at < now)
    return _keys_of(overdue, replace(filters, view="all"), viewer_id, now, at_most)


def _rare_filter(filters: Filters, at_most: int):
    """The list's category, or else its channel, as a condition, when it has at most
    ``at_most`` open complaints: counted from its own index (``(category_id, is_open, due_at,
    id)``), stopped past that many (1 ms at a million)."""
    narrowings = []
    if filters.category_id is not None:
        narrowings.append(Complaint.category_id == filters.category_id)
    if filters.channel is not None:
        narrowings.append(Complaint.channel == filters.channel)
    for narrowing in narrowings:
        if not _more_than(at_most, sa.select(Complaint.id).where(IS_OPEN, narrowing)):
            return narrowing
    return None


def _more_than(many: int, statement) -> bool:
    """Whether ``statement`` finds more than ``many`` rows (read no further)."""
    counted = sa.select(sa.func.count()).select_from(statement.limit(many + 1).subquery())
    return db.session.scalar(counted) > many


def _keys_of(statement, filters: Filters, viewer_id: int, now: datetime, at_most: int):
    """The ids ``statement`` finds under the list's filters, each with the list's sort key as
    stored (as ``listing._open_matches`` reads them); ``None`` when they are more than
    ``at_most``."""
    key = sa.type_coerce(SORT_KEYS[filters.sort][0][0], sa.String)
    statement = filtered(statement.add_columns(key), filters, viewer_id, now)
    keys = {row.id: row[1] for row in db.session.execute(statement.limit(at_most + 1))}
    return keys if len(keys) <= at_most else None


def _icontains(column, q: str):
    """PostgreSQL: ``column`` contains ``q`` in any letter case (``ILIKE``, as the list's walks)."""
    return column.icontains(q, autoescape=True)
