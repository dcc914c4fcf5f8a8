"""The open list everyone sees: filters, search and sort as one query for one page (a manager's
own follow-ups for today are ``follow_ups``)."""

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from math import ceil

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import aliased

from complaints import few_rows
from complaints.briefs import ComplaintBrief, brief_select, fetch_briefs, unanswered_attempts
from complaints.list_filters import (
    SORT_KEYS,
    SORTS,
    Filters,
    conditions,
    filtered,
    on_the_walked_index,
    served,
    some_unserved,
    stored_sort_key,
    walks_by_opening,
)
from complaints.models import IS_OPEN, Complaint
from complaints.search_pieces import (
    each_row_tested,
    folded_contains,
    fts_and,
    fts_found,
    fts_phrase,
    looks_dense,
    rare_pieces,
    read_sample,
    walk_bound,
)
from core.away import away_on
from core.database import unindexed
from core.extensions import db
from core.models import Client
from core.prefixes import name_starts_with

PAGE_SIZE = 50
FEW_MATCHES = 1000  # a search with at most this many open matches lists from them
# A dense search whose direct walk found no page lists from its open matches when at most this many
MANY_MATCHES = 5000
# A category, a channel or the overdue that leave at most this many open complaints list from them
FEW_NARROWED = 5000
FEW_NAMES = 1000  # the walks test membership in at most this many clients found by name
# Open rows a search with many matches tests one by one before the planner walks as it sees fit
DIRECT_WALK = 20_000
# ... that many times as many when it tests a filter on each row too: a row the filter drops costs
# little (on SQLite a test of the index entry), a row tested for the search several
# (``_walked_directly``)
FILTERED_WALK = 4
# A search in a filter that leaves at most this many open complaints tests them one by one
NARROWED_SEARCH = DIRECT_WALK


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
    """One page of the open list (one query; a search reads a few more first, however large the
    tables: ``_list_statement``), which of its owners are away on the viewer's ``today`` (one
    more; the UTC date of ``now`` unless told) and its unanswered attempts (one)."""
    statement, values = _list_statement(filters, viewer_id, now)
    items = fetch_briefs(statement, now, values)
    shown = items[:PAGE_SIZE]
    return Page(
        items=shown,
        has_next=len(items) > PAGE_SIZE,
        filters=filters,
        owners_away=away_on((c.owner_id for c in shown), today or now.date()),
        attempts=unanswered_attempts(c.id for c in shown),
    )


def _list_statement(filters: Filters, viewer_id: int, now: datetime) -> tuple[sa.Select, dict]:
    """The page's statement and the values it binds. Without a search it is built once per shape
    of filters (``_plain_page``). A search first reads its open matches, at most ``FEW_MATCHES + 1``
    rows (``_open_matches``): when the read stopped short it has them all and the page is cut from
    them; otherwise the list's index is walked in order, testing each row (first
    ``_walked_directly``, then ``_row_matches``), and the walk stops after a page. A query whose
    matches the sample finds dense (``search_pieces.looks_dense``) is walked for at once; when
    that walk finds no page within its bound, the matches lie together further down the list
    (or are fewer than the sample said) and the page is cut from them when there are at most
    ``MANY_MATCHES``: their read costs what they number, where the planner's walk tests every
    row before them ("Complaint 13" at a million: 11,111 matches, 3,333 open, from the 258,000th
    open row on; the walk cost 39 ms on SQLite, 570 on PostgreSQL). The sample is read once
    (``search_pieces.read_sample``) and serves both estimates. In a category, a channel or the
    overdue view that leaves at most ``NARROWED_SEARCH`` open complaints, a search tests those
    alone; with at most ``FEW_NARROWED``, SQLite lists them by opening from their ids
    (``few_rows``)."""
    q = filters.q and filters.q.replace("%", "").replace("_", "")
    if q:
        named = _few_named(q) if len(q) >= 3 else _few_starting(q)
        few = few_rows.matches_in_rare_filter(q, named, filters, viewer_id, now, NARROWED_SEARCH)
        if few is not None:
            return _from_the_matches(filters, few), {}
        sample = read_sample(q)
        wanted = filters.page * PAGE_SIZE + 1
        # Narrowed, the list's matches of a query found twice are most likely few (2,300 open at
        # a million, before the filter): cut from the matches read, not walked for at once
        walk_at_most = 0 if filters.narrowed else DIRECT_WALK
        # Most likely a page lies near: by the sample, or the query names more than FEW_NAMES
        # clients (their complaints, at least as many, match whatever the summaries say)
        dense = named is None or looks_dense(q, sample, wanted, walk_at_most)
        bound = DIRECT_WALK if named is None else walk_bound(q, sample, wanted, DIRECT_WALK)
        walked = _walked_directly(q, named, filters, viewer_id, now, bound) if dense else None
        # A short query that starts more than FEW_NAMES names: their complaints are the list's
        # many matches, and the list is walked for its page (_row_matches) without reading them
        if walked is None and not (len(q) < 3 and named is None):
            # Dense, yet no page within the direct walk: the matches lie together further down
            # the list, which the planner's walk reaches row by row (_row_matches)
            at_most = MANY_MATCHES if dense else FEW_MATCHES
            found, rows = _open_matches(q, sample, named, filters, viewer_id, now, at_most)
            if rows <= at_most:
                return _from_the_matches(filters, found), {}
            if not dense:
                walked = _walked_directly(q, named, filters, viewer_id, now, DIRECT_WALK)
        if walked is not None:
            statement = brief_select().where(Complaint.id.in_(walked))
            return statement.order_by(*SORTS[filters.sort]), {}
        statement = filtered(brief_select().where(IS_OPEN), filters, viewer_id, now)
        return _one_page(statement.where(_row_matches(q)), filters), {}
    if walks_by_opening(filters.sort):
        keys = few_rows.in_rare_filter(filters, viewer_id, now, FEW_NARROWED)
        if keys is not None:
            return _from_the_matches(filters, keys), {}
    dialect = db.session.get_bind().dialect.name
    shape = (filters.view, filters.category_id is not None, filters.channel is not None)
    values = {
        "viewer_id": viewer_id,
        "now": now,
        "category_id": filters.category_id,
        "channel": filters.channel,
        "limit": PAGE_SIZE + 1,
        "offset": (filters.page - 1) * PAGE_SIZE,
    }
    return _plain_page(dialect, *shape, filters.sort), values


@cache
def _plain_page(
    dialect: str, view: str, by_category: bool, by_channel: bool, sort: str
) -> sa.Select:
    """A page of the open list without a search, for one shape of filters on one kind of database
    (``list_filters.overdue`` differs), built once with its values bound (``_list_statement``
    gives them): building the select and its cache key anew cost 0.4 ms a request, a third of
    the list's reads (issue #16)."""
    shape = Filters(
        view=view,
        category_id=sa.bindparam("category_id") if by_category else None,
        channel=sa.bindparam("channel") if by_channel else None,
        sort=sort,
    )
    statement = filtered(
        brief_select().where(IS_OPEN), shape, sa.bindparam("viewer_id"), sa.bindparam("now")
    )
    return (
        statement.order_by(*SORTS[sort]).limit(sa.bindparam("limit")).offset(sa.bindparam("offset"))
    )


def _open_matches(
    q: str,
    sample: list[str],
    named: list[int] | None,
    filters: Filters,
    viewer_id: int,
    now: datetime,
    at_most: int = FEW_MATCHES,
) -> tuple[dict, int]:
    """The open complaints the search finds under the list's filters, stopped past ``at_most``
    (``FEW_MATCHES`` unless told; one query, no order: it streams from the search's indexes and
    stops; which parts of a long query to ask for is estimated from ``sample``; the clients
    ``named`` are bound as ids on PostgreSQL, ``None`` asks its names' index in the statement):
    their ids, each with the list's sort key as stored (``_from_the_matches`` sorts them), and
    the rows read. The rows are taken as they stream, one at a time, into a map of plain values:
    held as a list, 3,333 rows (two objects each that the garbage collector tracks) pushed
    enough of them into its oldest generation to run a full collection every ten requests or
    so, 60 ms each (SQLite "Complaint 13" at a million: p95 44 → 109 ms).

    Which way to list is a matter of cost, never of result: with at most ``FEW_MATCHES`` the page is
    cut from them (sorted by the keys read with them); with more, at least ``FEW_MATCHES`` of the
    open list's rows match, so walking it in order finds a page within about ``PAGE_SIZE /
    FEW_MATCHES`` of it (15,000 rows of 300,000 open at a million). Each branch of the search's
    UNION ALL carries the open condition and the filters itself, so both planners start from the
    search index and look the complaint up by its key; the open condition is an expression no
    B-tree serves (``CAST(is_open AS INTEGER) = 1``), else a planner betting on the LIMIT may walk
    the open index instead and test every row. PostgreSQL's index of the summaries is kept for the
    rows where that expression holds (migration 0021): GIN finds every row holding a trigram, and
    each is fetched and tested again, so "Complaint 13" at a million fetched 21,311 rows for 6,392
    open ones (SQL 22.5 → 13.3 ms; page p50 61 → 38–40 ms, with ``lie_together``). A complaint
    found both by its summary and by its client comes twice: the caller counts rows, not ids, so
    a read that filled its limit is never taken for all the matches (it only errs towards the
    walk).
    """
    # Its 1 written in the SQL, not bound: PostgreSQL's index of the summaries holds the rows
    # where this very expression holds (migration 0021), which a plan for any value cannot prove
    still_open = sa.cast(Complaint.is_open, sa.Integer) == sa.literal_column("1")
    key = stored_sort_key(filters.sort)
    branches = [
        filtered(branch.where(still_open), filters, viewer_id, now).add_columns(key)
        for branch in _match_branches(q, sample, named, filters.narrowed, still_open)
    ]
    if not branches:  # a short query that starts no client's name: nothing to read
        return {}, 0
    found = sa.union_all(*branches) if len(branches) > 1 else branches[0]
    keys, rows = {}, 0
    for complaint_id, key in db.session.execute(found.limit(at_most + 1)):
        keys[complaint_id] = key
        rows += 1
    return keys, rows


def _from_the_matches(filters: Filters, keys: dict):
    """The page cut from the open matches already read (``_open_matches``: their ids and sort
    keys, under the list's filters), sorted here as the list sorts, by key then id (the ids
    sorted first, then by key: the sort keeps the order of equal keys); then the page's columns
    read for the page's ids alone, by key.

    The read of the matches fetched each complaint's row already, to test it; its sort key comes
    with it. Sorted and cut by the database, the matches were each looked up again ("Complaint
    13" at a million, 3,333 open: 4.4 ms on SQLite, 7.7 on PostgreSQL; sorted here, 1 ms).
    """
    _, down = SORT_KEYS[filters.sort]
    ordered = sorted(sorted(keys, reverse=down), key=keys.__getitem__, reverse=down)
    page = _page_of(ordered, filters)
    return brief_select().where(Complaint.id.in_(page)).order_by(*SORTS[filters.sort])


def _walked_directly(
    q: str, named: list[int] | None, filters: Filters, viewer_id: int, now: datetime, bound: int
) -> list[int] | None:
    """A search with many open matches, of three characters or more: the page's ids from a walk
    of the open list, in order, that tests each row itself and stops after a page, but goes no
    further than the list's first ``bound`` rows (``DIRECT_WALK``, or fewer where the sample
    expects a page sooner: ``search_pieces.walk_bound``); ``None`` when those rows hold no full
    page (then ``_row_matches`` walks the list as the planner sees fit, the same page). A walk
    that found part of the page goes on from the end of its rows, as far as ``_further`` says.
    The rows are counted in the index the list walks, under the filters it serves
    (``list_filters.served``): a category or a channel is tested on each row, as the search is
    (on SQLite, on the walked index's own entries: ``list_filters.on_the_walked_index``), and the
    walk then goes ``FILTERED_WALK`` times as far (a row the filter drops costs little, a row
    tested for the search several). Counted under every filter, the end of the rows cost
    as much as the walk could ("delivery" in category 3 at a million: 141 ms to find the end of
    20,000 rows of the category); counted among all the open rows alone, a rare filter's few
    rows seldom held a page, and the search read all its matches instead ("delivery" by phone on
    a million where the phone complaints due first rarely say "delivery": 17 → 271 ms; walked
    four times as far, 22 ms).

    Many matches are usually dense, so a page is found within a few hundred rows ("courier" at a
    million: 2 ms). Otherwise the walk would test every row the matches lie beyond (1.2 s when
    they all sit at the end of the list), hence the bound. On SQLite (ASCII ``q`` only: its test
    must fold letter case as FTS5 does, ``folded_contains``) the end of those rows is found
    first, one short read of the list's index, and the walk stops before it; past it the list
    tests membership in all of FTS5's matches (90 to 270 ms at a million for common words).
    A row's client is tested by membership in the clients FTS5 finds by name (``_few_named``),
    when they are few, rather than by ``LIKE`` on the name through a join to each walked row's
    client (the same rows: FTS5 matches names as ``folded_contains`` tests them): a primary-key
    look-up and a test saved per row (the SQL of the page for "delivery (case 9" at a million,
    20 → 8 ms). PostgreSQL: ``_walked_in_a_prefix``."""
    dialect = db.session.get_bind().dialect.name
    if len(q) < 3:
        return None
    if some_unserved(filters):
        bound *= FILTERED_WALK
    if dialect == "postgresql":
        return _walked_in_a_prefix(q, named, filters, viewer_id, now, bound)
    if not q.isascii():
        return None
    key, down = SORT_KEYS[filters.sort]
    listed = filtered(sa.select(*key).where(IS_OPEN), served(filters), viewer_id, now)
    listed = listed.order_by(*SORTS[filters.sort])
    end = db.session.execute(listed.offset(bound).limit(1)).first()
    walk = sa.select(Complaint.id).where(IS_OPEN, *on_the_walked_index(filters, viewer_id, now))
    walk = each_row_tested(walk, q, named, folded_contains).order_by(*SORTS[filters.sort])

    def before(row):
        return sa.tuple_(*key) > sa.tuple_(*row) if down else sa.tuple_(*key) < sa.tuple_(*row)

    def from_(row):
        return sa.tuple_(*key) <= sa.tuple_(*row) if down else sa.tuple_(*key) >= sa.tuple_(*row)

    wanted = filters.page * PAGE_SIZE + 1
    first = walk.where(before(end)) if end is not None else walk
    ids = list(db.session.scalars(first.limit(wanted)))
    further = _further(bound, len(ids), wanted) if end is not None else 0
    if further:  # on from the end of the first rows, as far as their rate says the page lies
        last = db.session.execute(listed.offset(bound + further).limit(1)).first()
        more = walk.where(from_(end))
        more = more.where(before(last)) if last is not None else more
        ids += db.session.scalars(more.limit(wanted - len(ids)))
        end = last
    return _page_of(ids, filters) if end is None or len(ids) >= wanted else None


def _further(walked: int, found: int, wanted: int) -> int:
    """How many rows more a walk that found ``found`` of the ``wanted`` matches in its first
    ``walked`` rows goes on for: what their rate says the rest lie within, and a quarter more;
    0 (none) when it found none or all, or when that is more than ``DIRECT_WALK`` (then the
    matches are read: ``_open_matches``).

    Past the first page the open rows may hold a query's matches less often than the sample
    said: page 3 of "delivery (case 9" at a million lies within 22,000 open rows, not 20,000.
    The walk found 138 of its 151 and read the 2,000 open matches after all, where 2,356 rows
    more find the page (SQLite 136 → 48 ms, PostgreSQL 71–73 → 51–56; page 4, which PostgreSQL's
    planner then walked in full, 547–616 → 75–80).
    """
    if not 0 < found < wanted:
        return 0
    further = ceil((wanted - found) * walked / found * 1.25)
    return further if further <= DIRECT_WALK else 0


def _page_of(ids: list[int], filters: Filters) -> list[int]:
    """The page's ids (and the next one's first) from the matches in the list's order."""
    start = (filters.page - 1) * PAGE_SIZE
    return ids[start : start + PAGE_SIZE + 1]


def _few_named(q: str) -> list[int] | None:
    """The ids of the clients whose name contains ``q`` (SQLite: FTS5's trigram table;
    PostgreSQL: ``ILIKE``, which the planner answers from the names' trigram index or, when it
    expects most names to match, from the table until it has enough), or ``None`` when there are
    more than ``FEW_NAMES`` (read no further). Read once per request, for every query of three
    characters or more (0.3–0.9 ms at a million). A piece of many names ("Bench client" in the
    benchmark's half a million) is then tested on each walked row's name, as reading and binding
    them all would cost more than the walk, and the list walks for its page at once: those
    clients' complaints, more than ``FEW_NAMES``, all match."""
    if db.session.get_bind().dialect.name == "sqlite":
        found = fts_found("fts_client_names", fts_phrase(q), FEW_NAMES + 1)
        statement = sa.select(found.c.rowid)
    else:
        statement = sa.select(Client.id).where(Client.name.icontains(q, autoescape=True))
        statement = statement.limit(FEW_NAMES + 1)
    named = list(db.session.scalars(statement))
    return named if len(named) <= FEW_NAMES else None


def _few_starting(q: str) -> list[int] | None:
    """A query under three characters: the ids of the clients whose name starts with it, or
    ``None`` past ``FEW_NAMES``; their complaints are looked up by client. Joined to the name
    ranges instead, SQLite walked one manager's list reading them per row ("Be", mine: 74 s)."""
    statement = sa.select(Client.id).where(name_starts_with(Client.name, q)).limit(FEW_NAMES + 1)
    named = list(db.session.scalars(statement))
    return named if len(named) <= FEW_NAMES else None


def _any_of(ids: list[int]):
    """PostgreSQL: ``ids`` bound as one array, for ``= ANY`` (a parameter each costs more to
    render, bind and plan than the look-ups: ``_from_the_matches``)."""
    return sa.any_(sa.bindparam("named_ids", ids, type_=postgresql.ARRAY(sa.Integer)))


def _walked_in_a_prefix(
    q: str, named: list[int] | None, filters: Filters, viewer_id: int, now: datetime, bound: int
) -> list[int] | None:
    """PostgreSQL's ``_walked_directly``: the list's first ``bound`` index entries as a subquery
    with a LIMIT of its own, so the planner reads them from the list's index in order and, as
    they come in order, stops after a page (a summary by ``ILIKE`` on the row). Asked as one
    statement, the planner guesses that few rows match and reads them all to sort them (80 ms
    for "courier" at a million; this way 1 ms). A walk that found part of the page goes on with
    the entries after the bound, as many as ``_further`` says, the same way.

    The prefix holds the entries of the index walked (``list_filters.served``). With a category
    or a channel it reads them from the index alone, with the category and channel the index
    carries (migration 0027), and tests them there; only a complaint that passes is read, by its
    key, to test the search (and a view the index passes by, the overdue listed by opening).
    Reading each entry's row to test them, "coupon" in one category and one channel among a
    manager's 27,273 open complaints at a million read every one of them (29 ms); this way 233
    (12 ms). That row is read in a LATERAL subquery with an OFFSET, which the planner can neither
    flatten nor hash: as a plain join, a long query it thought rare ("about a delivery that
    never came") had it scan every complaint for the matches and hash them against the prefix
    (634 ms at a million). Without those filters every entry's row is tested, so the same walk
    of the index reads it (a look-up by key each cost twice as much: 97 against 229 ms for
    80,000 rows). A walk that found less than a page saw every match when the list ends within
    its entries (one more short read of the index, ``listed_beyond``): it is the result, where
    it was left to the search index (32 ms more for that search).

    A row's client is tested by membership in the ``named`` clients (``_few_named``, bound as one
    array, which PostgreSQL hashes) or, past ``FEW_NAMES``, by its name, looked up by key for
    that row alone (``EXISTS`` under the ``OR``: a subplan per row). Asked for ``client_id IN
    (SELECT ... ILIKE)``, the planner expected most of the half million names of "Bench client"
    to match, so it kept them in a list it could not hash and scanned it for every row tested:
    807 ms at a million (JIT compilation alone 150 ms), now 2 ms."""
    key, down = SORT_KEYS[filters.sort]
    passed_by = Filters(view=filters.view, sort=filters.sort)
    row_tests = conditions(passed_by, viewer_id, now) if served(passed_by) != passed_by else []
    carried = {"category_id": filters.category_id, "channel": filters.channel}
    carried = {column: value for column, value in carried.items() if value is not None}

    def listed(*columns):
        """The list's index entries in order, under the filters it serves, with ``columns``."""
        statement = filtered(
            sa.select(*key, *columns).where(IS_OPEN), served(filters), viewer_id, now
        )
        return statement.order_by(*SORTS[filters.sort])

    def found(summary, client_id):
        """The search on a row: its summary, or its client's name (see below)."""
        if named is None:
            by_name = sa.exists().where(
                Client.id == client_id, Client.name.icontains(q, autoescape=True)
            )
        else:
            by_name = client_id == _any_of(named)
        return sa.or_(summary.icontains(q, autoescape=True), by_name)

    def matches_in(rows: int, skipped: int, at_most: int) -> list[int]:
        """The first ``at_most`` matches, in order, of the ``rows`` after the first ``skipped``."""
        if carried:  # the entries' own columns, then each row that passes, read by its key
            columns = [getattr(Complaint, column) for column in carried]
            prefix = listed(*columns).offset(skipped).limit(rows).subquery()
            row = sa.select(sa.literal(1).label("hit")).where(
                Complaint.id == prefix.c.id,
                *row_tests,
                found(Complaint.summary_words, Complaint.client_id),
            )
            walk = sa.select(prefix.c.id).join_from(prefix, row.offset(0).lateral(), sa.true())
            walk = walk.where(*(prefix.c[column] == value for column, value in carried.items()))
        else:  # every entry's row is tested: read in the same walk of the index
            kept = sa.and_(sa.true(), *row_tests).label("kept")
            summary = Complaint.summary_words.label("summary")
            prefix = listed(summary, Complaint.client_id, kept).offset(skipped).limit(rows)
            prefix = prefix.subquery()
            walk = sa.select(prefix.c.id).where(
                prefix.c.kept, found(prefix.c.summary, prefix.c.client_id)
            )
        order = [prefix.c[column.key].desc() if down else prefix.c[column.key] for column in key]
        return list(db.session.scalars(walk.order_by(*order).limit(at_most)))

    def listed_beyond(rows: int) -> bool:
        """Whether the list has an entry past its first ``rows`` (read from the index alone)."""
        return db.session.execute(listed().offset(rows).limit(1)).first() is not None

    wanted = filters.page * PAGE_SIZE + 1
    ids = matches_in(bound, 0, wanted)
    if len(ids) >= wanted or not listed_beyond(bound):
        return _page_of(ids, filters)
    further = _further(bound, len(ids), wanted)
    if further:  # as on SQLite (``_walked_directly``)
        ids += matches_in(further, bound, wanted - len(ids))
        if len(ids) >= wanted or not listed_beyond(bound + further):
            return _page_of(ids, filters)
    return None


def _one_page(statement, filters: Filters):
    return (
        statement.order_by(*SORTS[filters.sort])
        .limit(PAGE_SIZE + 1)
        .offset((filters.page - 1) * PAGE_SIZE)
    )


def _match_branches(
    q: str, sample: list[str], named: list[int] | None, narrowed: bool, still_open
) -> list:
    """``SELECT complaints.id`` statements whose union is what a search for ``q`` finds, each
    from an index, never a scan (the caller adds the open condition and the filters to each).

    From three characters on: complaints whose summary or client name *contains* ``q`` in any
    letter case — on SQLite through the FTS5 trigram tables (a quoted phrase is a substring match
    there), on PostgreSQL through ``ILIKE`` served by the pg_trgm GIN indexes (migration 0012;
    the summaries' holds the open complaints only, migration 0021).
    (The caller drops ``%`` and ``_`` from ``q`` as it always did; nothing left means no search.)
    When a long query's trigrams are common (by ``sample``), the summaries' index is asked for
    two rarer parts of it only (``search_pieces.rare_pieces``) and the whole query is tested on
    the rows they find: on SQLite by ``folded_contains``, on PostgreSQL by ``ILIKE`` on an
    expression the index does not serve, so the planner keeps it out of the index's condition.
    The client names' branch always asks for the whole query (names are short and few match).
    PostgreSQL tests the whole query on a row found by the parts only once ``still_open`` holds
    (the caller's open condition, in a ``CASE``, the documented way to order the tests): else
    the planner, which prices both tests alike, tested every row the parts found ("Complaint 13"
    at a million: 21,000 rows, 3,333 open; 28 → 21 ms).

    Below three characters no trigram index can help, and a substring scan grows with the tables;
    a short query finds the complaints of clients whose name *starts with* it (``Ma`` finds
    "Mariana Lopes"), those clients read first by ranges on the plain ``ix_clients_name`` index
    like the client directory's search (``_few_starting``: ``named``, none when they are many and
    the list is walked instead). The search field's hint says so.
    """
    dialect = db.session.get_bind().dialect.name
    if len(q) < 3:  # the few clients whose name starts with it (``_few_starting``), by id
        if not named:
            return []
        found = Complaint.client_id == _any_of(named) if dialect == "postgresql" else None
        found = Complaint.client_id.in_(named) if found is None else found
        return [sa.select(Complaint.id).where(found)]
    pieces = rare_pieces(q, dialect, sample, narrowed)
    if dialect == "sqlite":
        summaries, names = _fts_rowids(q)
        by_summary = _from_found(summaries, Complaint.id)
        if pieces:
            asked = fts_found("fts_complaint_summaries", fts_and(pieces))
            by_summary = _from_found(asked, Complaint.id)
            by_summary = by_summary.where(folded_contains(Complaint.summary_words, q))
        return [by_summary, _from_found(names, Complaint.client_id)]
    if pieces:  # the index is asked for the pieces; the whole query is tested on what they find
        unindexed = Complaint.summary_words + ""  # an expression the trigram index does not serve
        summary_test = sa.and_(
            *(Complaint.summary_words.icontains(piece, autoescape=True) for piece in pieces),
            sa.case((still_open, unindexed.icontains(q, autoescape=True)), else_=False),
        )
    else:
        summary_test = Complaint.summary_words.icontains(q, autoescape=True)
    if named is not None:  # the clients found by name, read already (``_few_named``)
        by_name = sa.select(Complaint.id).where(Complaint.client_id == _any_of(named))
    else:
        found = sa.select(Client.id.label("rowid")).where(Client.name.icontains(q, autoescape=True))
        by_name = _from_found(found.subquery(), Complaint.client_id)
    return [sa.select(Complaint.id).where(summary_test), by_name]


def _from_found(found, key):
    """``SELECT complaints.id`` of the complaints whose ``key`` is one of ``found``'s rowids,
    driven by ``found``. On SQLite the join compares ``key`` with ``rowid + 0``, an expression, so
    the found rows cannot be looked up from the complaint: otherwise SQLite, given a filter such
    as ``channel = ?``, walks that filter's index and asks FTS5 about each row (5 ms a question
    at a million; 4.5 s for "courier" among overdue phone complaints). PostgreSQL gets the plain
    join (the expression would turn its nested loop on ``client_id`` into a hash of every open
    complaint)."""
    rowid = found.c.rowid
    if db.session.get_bind().dialect.name == "sqlite":
        rowid = rowid + 0
    return sa.select(Complaint.id).select_from(found).join(Complaint, key == rowid)


def _fts_rowids(q: str):
    """SQLite: the rowids of the summaries, and of the client names, that contain ``q``."""
    phrase = fts_phrase(q)
    return [fts_found(name, phrase) for name in ("fts_complaint_summaries", "fts_client_names")]


def _row_matches(q: str):
    """What the search finds, as a test on one row of the open list (``brief_select``: a
    complaint joined to its client), for the walk. PostgreSQL tests the row itself (``ILIKE``, the
    very operator the trigram indexes serve), so the walk stops after a page. SQLite has no
    ``lower()`` that folds as FTS5 does (Cyrillic, accents), so it tests membership in the FTS5
    matches, read once into a temporary index as the walk starts (an ASCII query whose page lies
    within ``DIRECT_WALK`` rows never gets here: ``_walked_directly``). A short query tests the
    name starts with it; on SQLite out of the index choice (``unindexed``): with statistics (an
    ``ANALYZE`` run by hand, or ``PRAGMA optimize``), SQLite read every "Be…" client's complaints
    from the name ranges and sorted them all for one page (2.6 s at a million; walked, 6.6 ms)."""
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    if len(q) < 3:
        return name_starts_with(unindexed(Client.name) if sqlite else Client.name, q)
    if sqlite:
        summaries, names = _fts_rowids(q)
        other = aliased(Complaint)  # not the walked row: the subquery is read once, not per row
        by_client = sa.select(other.id).where(other.client_id.in_(sa.select(names.c.rowid)))
        return Complaint.id.in_(sa.union_all(sa.select(summaries.c.rowid), by_client))
    return sa.or_(
        Complaint.summary.icontains(q, autoescape=True),
        Client.name.icontains(q, autoescape=True),
    )


def one(complaint_id: int, now: datetime) -> ComplaintBrief | None:
    """One row of the list, re-rendered in place after "I'll call them"."""
    found = fetch_briefs(brief_select().where(Complaint.id == complaint_id), now)
    return found[0] if found else None
