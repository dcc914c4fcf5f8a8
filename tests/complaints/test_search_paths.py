"""The open list's search takes one of two ways, by how many open complaints match (issue #16):
with at most ``listing.FEW_MATCHES`` the page is cut from the matches read first, with more the
list's index is walked testing each row. Either way, on both databases, the pages are exactly
those of a plain filter over the raw rows, in the list's order, page after page."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from complaints import listing, search_pieces
from complaints.listing import Filters, open_complaints
from complaints.models import Category, Complaint
from core.database import utcnow
from core.extensions import db
from core.models import Client
from tests.support.queries import count_statements, plan_of

# (summary, client name, status, channel, owned, due in hours: overdue below 0); open unless the
# status says not.
ROWS = [
    ("Parcel arrived late", "Ana Lima", "new", "phone", True, -5),
    ("LATE delivery again", "Bob Stone", "contacting", "email", False, 1),
    ("Courier was late", "Ana Souza", "resolved", "phone", False, 2),
    ("Курьер опоздал", "Иван Late", "new", "phone", False, 3),
    ("Damaged box", "Latearia Ltda", "reopened", "email", True, 4),
    ("Refund asked", "Zoë Müller", "new", "phone", False, -6),
    ("Late, late, late", "Anabela Reis", "resolving", "phone", False, 3),
    ("Refund not late", "Eve Late", "closed", "email", False, 0),
    ("Café frio, late", "Анна Late", "contacting", "phone", True, 7),
]
QUERIES = ["late", "LATE", "курьер", "refund", "ana", "An", "An", "Zo", "nothing here"]
FILTERS = [
    {},
    {"channel": "phone"},
    {"view": "unowned"},
    {"view": "mine", "sort": "newest"},
    {"sort": "oldest"},
    {"view": "overdue", "sort": "newest"},
]


@pytest.fixture
def rows(app, db_session, make_client, make_complaint, make_user, monkeypatch):
    """The rows, and a manager's id. A channel's few open complaints are not tested one by one
    (``few_rows.matches_in_rare_filter``), and a walk that tests a filter goes no further than
    one that does not, unless a test says so: the ways in here are the search's own."""
    monkeypatch.setattr(listing, "NARROWED_SEARCH", 0)
    monkeypatch.setattr(listing, "FILTERED_WALK", 1)
    me = make_user("manager")
    now = utcnow()
    made = []
    for i, (summary, name, status, channel, owned, hours) in enumerate(ROWS):
        made.append(
            make_complaint(
                opened_at=now - timedelta(days=9 - i),
                due_at=now + timedelta(hours=hours),  # ties (3 h) fall back to the id
                summary=summary,
                client_id=make_client(name=name).id,
                status=status,
                channel=channel,
                owner_id=me.id if owned else None,
            ).id
        )
    return me.id, made


def plain_filter(q: str, filters: dict, viewer_id: int) -> list[int]:
    """The list by its meaning, from the raw rows: open, the filters, the search (summary or
    client name contains ``q`` in any letter case; under three characters, the name starts with
    it), in the list's order."""
    needle = q.lower()
    found = []
    for complaint in db.session.scalars(db.select(Complaint)):
        name = db.session.get(Client, complaint.client_id).name.lower()
        if len(needle) < 3:
            hit = name.startswith(needle)
        else:
            hit = needle in complaint.summary_words.lower() or needle in name
        view = filters.get("view")
        owned = complaint.owner_id
        if not (complaint.is_open and hit):
            continue
        if (view == "mine" and owned != viewer_id) or (view == "unowned" and owned is not None):
            continue
        if view == "overdue" and complaint.due_at >= utcnow():
            continue
        if filters.get("channel") not in (None, complaint.channel):
            continue
        if filters.get("category_id") not in (None, complaint.category_id):
            continue
        found.append(complaint)
    sort = filters.get("sort", "due")
    if sort == "newest":
        found.sort(key=lambda c: (c.opened_at, c.id), reverse=True)
    else:
        found.sort(key=lambda c: (c.due_at if sort == "due" else c.opened_at, c.id))
    return [c.id for c in found]


def every_other_in_a_category(made: list[int]) -> int:
    """A new category given to every other row (some a walk drops, some it tests): its id."""
    category = Category(name="Late parcels")
    db.session.add(category)
    db.session.flush()
    for complaint_id in made[::2]:
        db.session.get(Complaint, complaint_id).category_id = category.id
    db.session.flush()
    return category.id


def listed(q: str, filters: dict, viewer_id: int) -> list[int]:
    """Every page of the list, in order (pages of two, so paging is exercised)."""
    shown, page = [], 1
    while True:
        found = open_complaints(Filters(q=q, page=page, **filters), viewer_id, utcnow())
        shown += [item.id for item in found.items]
        if not found.has_next:
            return shown
        page += 1


@pytest.mark.parametrize("few", [*range(9), 1000])
@pytest.mark.parametrize("filters", FILTERS, ids=str)
def test_both_ways_list_what_a_plain_filter_over_the_rows_lists(
    app, rows, monkeypatch, few, filters
):
    """``few`` moves the switch across every count of open matches these rows have (0 to 8, a
    complaint found by summary and by client counted once or twice; 0 always walks, 1000 always
    cuts from the matches): the result never changes."""
    viewer_id, _ = rows
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    monkeypatch.setattr(listing, "FEW_MATCHES", few)
    for q in QUERIES:
        assert listed(q, filters, viewer_id) == plain_filter(q, filters, viewer_id), q


@pytest.mark.parametrize("bound", [0, 1, 2, 3, 5, 8])
@pytest.mark.parametrize("filters", FILTERS, ids=str)
@pytest.mark.parametrize("common", [False, True], ids=["many matches", "common in the sample"])
@pytest.mark.parametrize("many", [0, 1000], ids=["walked", "cut from the matches"])
def test_the_direct_walk_and_its_fallback_list_what_a_plain_filter_lists(
    app, rows, monkeypatch, bound, filters, common, many
):
    """A search with many matches walks the list testing each row itself, but no further than
    ``DIRECT_WALK`` rows of it; past them the list is walked as before. A query the sample finds
    often (``search_pieces.looks_dense``; here every query found once) is walked for before its
    matches are read. ``bound`` moves that end across every row of the list (pages of two): the
    result never changes, either way in; nor when, common, past the bound the page is cut from
    the matches (``MANY_MATCHES``) instead."""
    viewer_id, _ = rows
    monkeypatch.setattr(listing, "MANY_MATCHES", many)
    if common:
        monkeypatch.setattr(search_pieces, "MIN_ROWS", 0)
        monkeypatch.setattr(search_pieces, "MIN_LENGTH", 3)
        monkeypatch.setattr(search_pieces, "COMMON_IN", 1)
    else:
        monkeypatch.setattr(listing, "FEW_MATCHES", 0)
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    monkeypatch.setattr(listing, "DIRECT_WALK", bound)
    for q in QUERIES:
        assert listed(q, filters, viewer_id) == plain_filter(q, filters, viewer_id), q


def _statements_of_the_late_page(app, viewer_id: int) -> list[str]:
    """The statements that list the first page of a search for "late" (checked right)."""
    with count_statements(app) as counter:
        page = open_complaints(Filters(q="late"), viewer_id, utcnow())
    assert [c.id for c in page.items] == plain_filter("late", {}, viewer_id)[:2]
    return counter.statements


def test_past_the_direct_walk_the_list_is_walked_as_the_planner_sees_fit(app, rows, monkeypatch):
    """Within ``DIRECT_WALK`` rows the page is found by testing rows alone; past them the list
    statement itself tests the search (SQLite: membership in FTS5's matches; PostgreSQL
    ``ILIKE``), the same page either way."""
    viewer_id, _ = rows
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    monkeypatch.setattr(listing, "FEW_MATCHES", 0)

    def fell_back(bound: int) -> bool:
        monkeypatch.setattr(listing, "DIRECT_WALK", bound)
        return any(
            "clients.name, complaints.summary" in s and ("fts_" in s or "LIKE" in s)
            for s in _statements_of_the_late_page(app, viewer_id)
        )

    assert not fell_back(len(ROWS))  # the list's every row: a page is within them
    assert fell_back(1)  # one row holds no page of two


def test_a_common_query_without_a_page_in_the_direct_walk_is_cut_from_its_matches(
    app, rows, monkeypatch
):
    """Found often in the sample, but no page within ``DIRECT_WALK`` rows: the matches lie
    further down, and with at most ``MANY_MATCHES`` of them the page is cut from them, the list
    never walked as the planner sees fit; with more it is. The same page either way."""
    viewer_id, _ = rows
    monkeypatch.setattr(search_pieces, "MIN_ROWS", 0)
    monkeypatch.setattr(search_pieces, "MIN_LENGTH", 3)
    monkeypatch.setattr(search_pieces, "COMMON_IN", 1)
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    monkeypatch.setattr(listing, "DIRECT_WALK", 1)  # one row holds no page of two
    matches = len(plain_filter("late", {}, viewer_id))

    def fell_back(many: int) -> bool:
        monkeypatch.setattr(listing, "MANY_MATCHES", many)
        statements = _statements_of_the_late_page(app, viewer_id)
        assert any("CAST(complaints.is_open AS INTEGER)" in s for s in statements)
        return any(
            "clients.name, complaints.summary" in s and ("fts_" in s or "LIKE" in s)
            for s in statements
        )

    assert not fell_back(2 * matches)  # a complaint found by summary and client counts twice
    assert fell_back(matches - 1)


def test_a_common_query_is_walked_for_without_reading_its_matches(app, rows, monkeypatch):
    """Found often in the sample, a query's page comes from the walk alone: the search's
    indexes are not asked whether the matches are few (a million-entry list for a common word).
    Found too rarely, they are."""
    viewer_id, _ = rows
    monkeypatch.setattr(search_pieces, "MIN_ROWS", 0)
    monkeypatch.setattr(search_pieces, "MIN_LENGTH", 3)
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)

    def matches_read(common_in: int) -> bool:
        monkeypatch.setattr(search_pieces, "COMMON_IN", common_in)
        monkeypatch.setattr(search_pieces, "DENSE_IN", common_in)  # no guess by the walk's length
        statements = _statements_of_the_late_page(app, viewer_id)
        # the read of the open matches: the open condition as an expression no index serves
        return any("CAST(complaints.is_open AS INTEGER)" in s for s in statements)

    # The sample is spread over the keys down from the newest, which is one of these rows and
    # says "late": in a database whose ids run high it may hold no other.
    in_sample = sum("late" in summary for summary in search_pieces.read_sample("late"))
    assert in_sample >= 1
    assert not matches_read(in_sample)
    assert matches_read(in_sample + 1)


@pytest.mark.parametrize("q", ["refund", "ana", "An"])
def test_the_switch_sits_at_few_matches(app, rows, monkeypatch, q):
    """At exactly ``FEW_MATCHES`` open matches the page is cut from them; one fewer allowed and
    the list is walked. These queries find each complaint one way only: one found by its
    summary and its client counts twice, which only moves the switch towards the walk."""
    viewer_id, _ = rows
    matches = len(plain_filter(q, {}, viewer_id))
    cut = []

    def cut_from(filters, found):
        cut.append(len(found))
        return from_the_matches(filters, found)

    from_the_matches = listing._from_the_matches
    monkeypatch.setattr(listing, "_from_the_matches", cut_from)

    def walked(few: int) -> bool:
        monkeypatch.setattr(listing, "FEW_MATCHES", few)
        cut.clear()
        page = open_complaints(Filters(q=q), viewer_id, utcnow())
        shown = [item.id for item in page.items]
        assert shown == plain_filter(q, {}, viewer_id)[: listing.PAGE_SIZE]
        return not cut

    assert not walked(matches) and not walked(matches + 1)
    assert walked(matches - 1)


def _first_statement(app, filters: Filters, viewer_id: int):
    """The read of the open matches (after the clients found by name, read on their own)."""
    with count_statements(app) as counter:
        open_complaints(filters, viewer_id, utcnow())
    read = [
        (statement, parameters)
        for statement, parameters in zip(counter.statements, counter.parameters, strict=True)
        if "CAST(complaints.is_open AS INTEGER)" in statement
    ]
    return read[0]


def test_the_matches_are_read_from_the_search_indexes_under_any_filter(app, rows):
    """SQLite reads the open matches from the FTS5 tables first, even with a filter that has an
    index of its own: walking the channel's index and asking FTS5 about each row costs 5 ms a
    row at a million (4.5 s for "courier" among overdue phone complaints). PostgreSQL tests rows
    itself and may start from either index; it scans no table."""
    viewer_id, _ = rows
    filters = Filters(q="late", channel="phone", view="overdue")
    plan = plan_of(app, *_first_statement(app, filters, viewer_id), conditions_only=True)
    assert "SCAN complaints\n" not in plan + "\n" and "Seq Scan on complaints" not in plan, plan
    if "Index Cond" in plan:  # PostgreSQL
        return
    lines = plan.splitlines()
    for table in ("fts_complaint_summaries", "fts_client_names"):
        scan = next(i for i, line in enumerate(lines) if f"SCAN {table}" in line)
        assert "SEARCH complaints" in lines[scan + 1], plan  # then each match by its key
    assert "ix_complaints_insights_channel" not in plan, plan


def test_the_walk_follows_the_open_index(app, rows, monkeypatch):
    """With many matches the list walks its own index in order (and stops after a page)."""
    viewer_id, _ = rows
    monkeypatch.setattr(listing, "FEW_MATCHES", 0)
    with count_statements(app) as counter:
        open_complaints(Filters(q="late"), viewer_id, utcnow())
    found = [  # the walk tests the search on each row in the list's order (SQLite: ids only)
        (statement, parameters)
        for statement, parameters in zip(counter.statements, counter.parameters, strict=True)
        if "LIKE" in statement and "ORDER BY" in statement
    ]
    plan = plan_of(app, *found[0], ordered=True)
    assert "ix_complaints_is_open_due_at" in plan or "is_open = true" in plan, plan
    assert "Seq Scan on complaints" not in plan and "SCAN complaints\n" not in plan + "\n", plan


@pytest.mark.parametrize(
    ("filters", "index"),
    [
        ({"channel": "phone"}, "ix_complaints_is_open_due_at"),
        ({"view": "mine", "channel": "phone"}, "ix_complaints_owner_id_is_open_due_at"),
        ({"channel": "email", "sort": "newest"}, "ix_complaints_is_open_opened_at"),
        (
            {"view": "mine", "channel": "phone", "sort": "oldest"},
            "ix_complaints_owner_id_is_open_opened_at",
        ),
    ],
    ids=str,
)
def test_the_direct_walk_tests_a_channel_and_a_category_on_the_index_it_counted(
    app, rows, monkeypatch, filters, index
):
    """SQLite walks the index whose rows the walk counted (``list_filters.served``) and tests a
    channel and a category on that index's own entries (``on_the_walked_index``; the index
    carries both, migration 0027), reading only the rows that pass. Left to choose, it walked a
    channel's index for a manager's own, by the row: "coupon" in one category and one channel,
    48 ms of SQL at a million; 3 ms. PostgreSQL walks a prefix of the same index (the rows it
    counted), testing the filters on its entries."""
    viewer_id, made = rows
    filters = {**filters, "category_id": every_other_in_a_category(made)}
    monkeypatch.setattr(listing, "FEW_MATCHES", 0)
    with count_statements(app) as counter:
        open_complaints(Filters(q="late", **filters), viewer_id, utcnow())
    ran = list(zip(counter.statements, counter.parameters, strict=True))
    if db.session.get_bind().dialect.name == "sqlite":
        walk = [(s, p) for s, p in ran if "LIKE" in s and "ORDER BY" in s]
        assert "(+ complaints.channel) = ?" in walk[0][0], walk[0][0]
        assert "(+ complaints.category_id) = ?" in walk[0][0], walk[0][0]
        plan = plan_of(app, *walk[0])
        assert plan.startswith(f"SEARCH complaints USING INDEX {index} "), plan
        assert "TEMP B-TREE" not in plan, plan
    indexes = sa.inspect(db.session.connection()).get_indexes("complaints")
    columns = next(found["column_names"] for found in indexes if found["name"] == index)
    assert {"category_id", "channel"} <= set(columns), columns
    assert listed("late", filters, viewer_id) == plain_filter("late", filters, viewer_id)


@pytest.mark.parametrize(
    ("filters", "index"),
    [
        ({"view": "mine", "channel": "phone"}, "ix_complaints_owner_id_is_open_due_at"),
        ({"channel": "phone", "sort": "newest"}, "ix_complaints_is_open_opened_at"),
        ({"view": "mine"}, "ix_complaints_owner_id_is_open_due_at"),
    ],
    ids=str,
)
def test_a_walk_that_saw_the_whole_list_is_the_result(app, rows, monkeypatch, filters, index):
    """A direct walk whose bound holds the whole list saw every match, however few: its page is
    the result, never read again from the search index. PostgreSQL read all the open matches of
    "coupon" in a category and a channel after walking a manager's 27,273 open complaints at a
    million (32 ms more). Its walk reads the list's entries from the index alone, the sort key
    and the category and channel the index carries (migration 0027), and tests the filters
    there: only a complaint that passes is read, to test the search."""
    viewer_id, made = rows
    filters = {**filters, "category_id": every_other_in_a_category(made)}
    monkeypatch.setattr(listing, "FEW_NAMES", 0)  # "late" names more clients: walked at once
    with count_statements(app) as counter:
        page = open_complaints(Filters(q="late", **filters), viewer_id, utcnow())
    assert [item.id for item in page.items] == plain_filter("late", filters, viewer_id)
    searched = [s for s in counter.statements if "LIKE" in s and "FROM complaints" in s]
    assert len(searched) == 1, searched  # the walk, and nothing after it
    if db.session.get_bind().dialect.name == "postgresql":
        walk = searched[0]
        prefix = walk.split("FROM (SELECT ", 1)[1].split(" \nFROM complaints", 1)[0]
        read = {column.split(" AS ")[1] for column in prefix.split(", ")}
        indexes = sa.inspect(db.session.connection()).get_indexes("complaints")
        columns = next(found["column_names"] for found in indexes if found["name"] == index)
        assert read <= set(columns), (read, columns)
        assert "anon_1.category_id = " in walk and "complaints.category_id = " not in walk
        assert "JOIN LATERAL" in walk  # a row read by its key, never a scan hashed against them


@pytest.mark.parametrize("few", [1, 2])
def test_a_complaint_found_twice_never_hides_another(
    app, db_session, make_client, make_complaint, monkeypatch, few
):
    """The first read stops after ``FEW_MATCHES + 1`` rows, where a complaint found by its summary
    and by its client fills two: only a read that stopped short has every match."""
    both = make_complaint(summary="Vase broken", client_id=make_client(name="Vase Keeper").id)
    by_name = make_complaint(summary="Other thing", client_id=make_client(name="Vasev").id)
    monkeypatch.setattr(listing, "FEW_MATCHES", few)
    page = open_complaints(Filters(q="vase"), 0, utcnow())
    assert {item.id for item in page.items} == {both.id, by_name.id}


@pytest.mark.parametrize("few_names", [0, 1000])
def test_the_direct_walk_folds_what_fts5_folds(
    app, db_session, make_client, make_complaint, make_user, monkeypatch, few_names
):
    """The direct walk tests rows as FTS5 matches them: a Kelvin sign is a "k" and a long s an
    "s" to both (in a summary or a client's name, tested by itself or, on SQLite, by membership
    in the clients FTS5 finds: ``FEW_NAMES``). Its pages equal those of the walk that asks the
    search index (``DIRECT_WALK`` 0), on both databases."""
    viewer_id = make_user("manager").id
    for summary, name in [
        ("\u212aiosk closed", "Ana"),
        ("kiosk CLOSED", "Bia"),
        ("The ki\u017fo", "Kio\u017fk \u212aiosk"),
        ("nothing", "Kiosk Ltda"),
    ]:
        make_complaint(summary=summary, client_id=make_client(name=name).id, status="new")
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    monkeypatch.setattr(listing, "FEW_MATCHES", 0)
    monkeypatch.setattr(listing, "FEW_NAMES", few_names)
    by_index = {}
    for bound in (0, 1000):
        monkeypatch.setattr(listing, "DIRECT_WALK", bound)
        by_index[bound] = {q: listed(q, {}, viewer_id) for q in ("kiosk", "kioskk", "ki\u017fo")}
    assert by_index[1000] == by_index[0]
    if db_session.get_bind().dialect.name == "sqlite":
        assert len(by_index[0]["kiosk"]) == 4


@pytest.mark.parametrize(
    "filters",
    [
        {"channel": "phone"},
        {"view": "mine"},
        {"view": "unowned"},
        {"view": "mine", "channel": "phone"},
    ],
    ids=str,
)
def test_the_page_cut_from_the_matches_looks_them_up_by_key_under_any_filter(
    app, rows, monkeypatch, filters
):
    """SQLite, given ``id IN (...)`` and a filter with an index of its own, walked that index to
    test the ids (24 ms for 41 ids among a manager's phone complaints at a million): the page's
    read carries no filter (the read of the matches applied them), so its ids are looked up by
    key. The page is the plain filter's."""
    viewer_id, _ = rows
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    with count_statements(app) as counter:
        open_complaints(Filters(q="late", **filters), viewer_id, utcnow())
    cut = [
        (statement, parameters)
        for statement, parameters in zip(counter.statements, counter.parameters, strict=True)
        if statement.startswith("SELECT complaints.id, clients.name")
    ]
    assert listed("late", filters, viewer_id) == plain_filter("late", filters, viewer_id)
    plan = plan_of(app, *cut[0])
    if "SEARCH" not in plan and "SCAN" not in plan:  # PostgreSQL: by key, or a tiny table
        assert "Seq Scan on complaints" not in plan, plan
        return
    assert "ix_complaints_" not in plan, plan
    assert "SEARCH complaints USING INTEGER PRIMARY KEY (rowid=?)" in plan, plan


def test_the_overdue_view_cut_from_the_matches_is_the_plain_filters(
    app, rows, make_client, make_complaint, monkeypatch
):
    """The overdue view's ``due_at < now`` is one of the tests no index serves on SQLite when the
    page is cut from the matches (``+due_at``): the same rows, in the same order, either way."""
    viewer_id, _ = rows
    now = utcnow()
    for hours in (3, 1, 2):
        make_complaint(
            summary=f"Overdue parcel {hours}",
            client_id=make_client(name=f"Late payer {hours}").id,
            due_at=now - timedelta(hours=hours),
        )
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    found = listed("late", {"view": "overdue"}, viewer_id)
    assert found == plain_filter("late", {"view": "overdue"}, viewer_id)
    assert len(found) == 4  # these three, and ROWS' "Parcel arrived late"


@pytest.mark.parametrize("sort", ["due", "newest", "oldest"])
def test_the_page_is_cut_from_the_matches_read_with_their_sort_keys(app, rows, monkeypatch, sort):
    """The read of the matches brings each one's sort key, so the page is cut from them without
    looking them up again: the page's read binds the page's ids alone (and one more, to tell
    that there is a next page), each looked up by its key. Every page is the plain filter's."""
    viewer_id, _ = rows
    monkeypatch.setattr(listing, "FEW_MATCHES", 1000)
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    expected = plain_filter("late", {"sort": sort}, viewer_id)
    assert len(expected) > 3
    with count_statements(app) as counter:
        page = open_complaints(Filters(q="late", sort=sort), viewer_id, utcnow())
    assert [item.id for item in page.items] == expected[:2] and page.has_next
    assert listed("late", {"sort": sort}, viewer_id) == expected
    key = "due_at" if sort == "due" else "opened_at"
    [matches] = [s for s in counter.statements if "UNION ALL" in s]
    assert f"complaints.{key}" in matches.split("UNION ALL")[0].split("FROM")[0], matches
    [(statement, parameters)] = [
        (s, p)
        for s, p in zip(counter.statements, counter.parameters, strict=True)
        if s.startswith("SELECT complaints.id, clients.name")
    ]
    values = list(parameters.values() if isinstance(parameters, dict) else parameters)
    assert sorted(value for value in values if isinstance(value, int)) == sorted(expected[:3])
    plan = plan_of(app, statement, parameters)
    if "SEARCH" in plan or "SCAN" in plan:  # SQLite
        assert "SEARCH complaints USING INTEGER PRIMARY KEY (rowid=?)" in plan, plan


@pytest.mark.parametrize(
    ("filters", "counted_under"),
    [
        ({"channel": "phone"}, None),
        ({"view": "mine"}, "owner_id = "),
        ({"view": "unowned", "sort": "newest"}, "owner_id IS NULL"),
        ({"view": "unowned"}, "owner_id IS NULL"),
        ({"view": "overdue"}, "due_at < "),
        ({"view": "overdue", "sort": "newest"}, None),
    ],
    ids=str,
)
def test_the_direct_walk_counts_its_rows_in_the_index_it_walks(
    app, rows, monkeypatch, filters, counted_under
):
    """The direct walk's bound counts rows of the index the list walks, under the filters that
    index serves (``list_filters.served``); a channel, a category and a view it passes by are
    tested on each row. Counted under every filter, the first 20,000 rows of "delivery" in one
    category ended 260,000 open complaints on at a million (141 ms to find, on SQLite)."""
    viewer_id, _ = rows
    monkeypatch.setattr(listing, "FEW_MATCHES", 0)
    monkeypatch.setattr(listing, "FILTERED_WALK", 4)
    monkeypatch.setattr(listing, "DIRECT_WALK", 1)
    with count_statements(app) as counter:
        open_complaints(Filters(q="late", **filters), viewer_id, utcnow())
    # SQLite reads the bound's end row first; PostgreSQL walks a prefix of that many index entries
    if db.session.get_bind().dialect.name == "sqlite":  # one row, or 4 when a filter is tested
        ran = zip(counter.statements, counter.parameters, strict=True)
        offsets = [parameters[-1] for statement, parameters in ran if "OFFSET" in statement]
        assert (4 if counted_under is None else 1) in offsets, offsets
    ends = (
        "SELECT complaints.due_at, complaints.id \n",
        "SELECT complaints.opened_at, complaints.id \n",
    )
    bounded = [s for s in counter.statements if s.startswith(ends) and "OFFSET" in s]
    walks = [s for s in counter.statements if s.startswith("SELECT anon_1.id \nFROM (SELECT")]
    prefixes = [walk.split("FROM (", 1)[1] for walk in walks]
    bounded += [prefix.split("WHERE", 1)[1].split("ORDER BY", 1)[0] for prefix in prefixes]
    assert bounded, counter.statements
    for counted in bounded:
        assert "channel" not in counted and "category" not in counted
        if counted_under is None:
            assert "owner_id" not in counted and "due_at <" not in counted, counted
        else:
            assert counted_under in counted, counted
    assert listed("late", filters, viewer_id) == plain_filter("late", filters, viewer_id)


@pytest.mark.parametrize(
    "filters",
    [
        {"channel": "phone"},
        {"channel": "email", "sort": "newest"},
        {"channel": "phone", "view": "unowned", "sort": "oldest"},
        {"channel": "phone", "view": "overdue"},
    ],
    ids=str,
)
def test_a_search_in_a_filter_with_few_open_complaints_tests_them_alone(
    app, rows, monkeypatch, filters
):
    """A channel or the overdue view that leaves at most ``NARROWED_SEARCH`` open complaints
    (these rows: 5 by phone, 2 by e-mail, 2 overdue): a search tests those complaints one by
    one, never reading the summaries' search index; with more it searches as before. The result
    never changes."""
    viewer_id, _ = rows
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    open_in_it = 5 if filters["channel"] == "phone" else 2
    if filters.get("view") == "overdue":  # 2 open overdue: the rarer filter decides
        open_in_it = min(open_in_it, 2)
    for few in (0, 1, 2, 4, 5, 1000):
        monkeypatch.setattr(listing, "NARROWED_SEARCH", few)
        for q in QUERIES:
            assert listed(q, filters, viewer_id) == plain_filter(q, filters, viewer_id), (few, q)
        with count_statements(app) as counter:
            open_complaints(Filters(q="late", **filters), viewer_id, utcnow())
        searched = any(
            "fts_complaint_summaries" in s or "CAST(complaints.is_open AS INTEGER)" in s
            for s in counter.statements
        )
        assert searched == (open_in_it > few), few
