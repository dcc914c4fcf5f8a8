"""What a search's sample decides, and how SQLite's direct walk tests a row's client (issue #16):
the sample is read once per request; a query found twice in it is walked for at once when its
page looks near; the walk tests membership in the few clients FTS5 finds by name. Each decides
cost only: the pages equal a plain filter over the rows, on both databases."""

from datetime import timedelta

import pytest

from complaints import listing, search_pieces
from complaints.listing import Filters, open_complaints
from complaints.search_pieces import lie_together, looks_dense, walk_bound
from core.database import utcnow
from tests.complaints.test_search_paths import (  # noqa: F401 (rows: the fixture)
    FILTERS,
    QUERIES,
    listed,
    plain_filter,
    rows,
)
from tests.support.queries import count_statements

# "late parcel" twice in 256, apart (side by side, the matches would look together: lie_together)
ONE_IN_128 = (["about a refund"] * 100 + ["about a late parcel"]) * 2 + ["about a refund"] * 54


@pytest.fixture
def viewer_id(rows):  # noqa: F811 (the imported fixture)
    return rows[0]


def _matches_read(statements: list[str]) -> bool:
    """Whether the open matches were read (the open condition as an expression no index serves)."""
    return any("CAST(complaints.is_open AS INTEGER)" in s for s in statements)


def test_found_three_times_the_walk_is_taken_at_once_whatever_the_page():
    sample = ["a late parcel"] * 3 + ["other"] * 253
    assert looks_dense("late parcel", sample, wanted=10_001, walk_at_most=10)
    assert not looks_dense("late", sample, wanted=1, walk_at_most=10**9)  # short: never


def test_found_twice_the_walk_is_taken_when_its_page_looks_near_enough():
    """At 2 in 256 a page of 51 matches lies within about 6,528 rows: walked at once when the
    walk may test that many, not for a deeper page, nor when found once."""
    q = "LATE PARCEL"
    assert looks_dense(q, ONE_IN_128, wanted=51, walk_at_most=10_000)
    assert looks_dense(q, ONE_IN_128, wanted=51, walk_at_most=51 * 128)
    assert not looks_dense(q, ONE_IN_128, wanted=51, walk_at_most=51 * 128 - 1)
    assert not looks_dense(q, ONE_IN_128, wanted=101, walk_at_most=10_000)  # page 2
    once = ["about a late parcel"] + ["about a refund"] * 255
    assert not looks_dense(q, once, wanted=1, walk_at_most=10**9)
    assert not looks_dense(q, [], wanted=1, walk_at_most=10**9)  # no sample: no guess


def test_a_query_found_twice_is_walked_for_twice_the_rows_its_rate_needs():
    """Two hits in the sample say little about where the matches lie: the walk tests at most
    twice the rows the sample's rate needs for the page, never more than it is allowed; found
    three times or more (or never), it may walk as far as it is allowed."""
    assert walk_bound("late parcel", ONE_IN_128, wanted=51, most=20_000) == 2 * 51 * 128
    assert walk_bound("LATE PARCEL", ONE_IN_128, wanted=101, most=20_000) == 20_000
    assert walk_bound("late parcel", ["a late parcel"] * 3, wanted=51, most=20_000) == 20_000
    assert walk_bound("late parcel", ["other"] * 256, wanted=51, most=20_000) == 20_000
    assert walk_bound("late", ["late"] * 2 + ["x"] * 254, wanted=51, most=20_000) == 20_000


@pytest.fixture
def late_page(app, db_session, make_client, make_complaint, make_user, monkeypatch):
    """``late_page(late_first=False, others=10)``: ten (``others``) open "Refund asked" complaints
    and three "Parcel came late" due after them (before them with ``late_first``), listed two to a
    page; it returns ``matches_read(sample)``, whether the list searched for "late" with that
    sample read its open matches, having checked that its page and every page equal the plain
    filter's."""

    def build(late_first: bool = False, others: int = 10):
        viewer_id = make_user("manager").id
        now = utcnow()
        summaries = ["Refund asked"] * others + ["Parcel came late"] * 3
        for hours, summary in enumerate(summaries[::-1] if late_first else summaries, start=1):
            make_complaint(
                summary=summary,
                client_id=make_client(name=f"Client {hours}").id,
                due_at=now + timedelta(hours=hours),
            )
        monkeypatch.setattr(listing, "PAGE_SIZE", 2)
        monkeypatch.setattr(listing, "DIRECT_WALK", 10**6)
        monkeypatch.setattr(search_pieces, "MIN_LENGTH", 3)
        expected = plain_filter("late", {}, viewer_id)
        assert len(expected) == 3

        def matches_read(sample: list[str]) -> bool:
            monkeypatch.setattr(listing, "read_sample", lambda q: sample)
            with count_statements(app) as counter:
                page = open_complaints(Filters(q="late"), viewer_id, utcnow())
            assert [item.id for item in page.items] == expected[:2]
            assert listed("late", {}, viewer_id) == expected
            return _matches_read(counter.statements)

        return matches_read

    return build


def test_a_walk_guessed_from_two_hits_goes_on_only_as_far_as_what_it_found_says(late_page):
    """However far ``DIRECT_WALK`` lets it go, a query found twice is walked for twice the rows
    the sample's rate needs, and on from there only as far as the rate of what it found says the
    rest of the page lies (``_further``). A page of two "late" matches (three rows to find) lies
    past ten other open complaints: found twice in 3 summaries, the walk of 9 rows finds none, so
    the open matches are read; in 4, its 12 rows hold two of the three and it goes on for 8 more,
    where it used to read the matches; in 5 (15 rows) it finds the page. The pages are the plain
    filter's every time."""
    read = late_page()

    def matches_read(summaries: int) -> bool:
        return read(["late", "other", "late"] + ["other"] * (summaries - 3))

    assert matches_read(3)
    assert not matches_read(4)
    assert not matches_read(5)


def test_a_walk_goes_on_by_the_rate_of_what_it_found_within_a_direct_walk():
    """A quarter more than the rate says the rest lie within; nothing when it found none (or
    the page), or when the rest would lie more than ``DIRECT_WALK`` rows further ("delivery
    (case 9" at a million, page 3: 138 of 151 in 20,000 rows, so 2,356 more)."""
    assert listing._further(20_000, found=138, wanted=151) == 2_356
    assert listing._further(12, found=2, wanted=3) == 8
    assert listing._further(20_000, found=0, wanted=151) == 0
    assert listing._further(20_000, found=151, wanted=151) == 0  # the page is found
    assert listing._further(20_000, found=100, wanted=251) == 0  # 37,750 rows more


def test_hits_side_by_side_in_the_sample_lie_together():
    """Two or three hits next to each other, among summaries without the query, lie together;
    apart, alone, four, or most of the sample, they do not."""
    assert lie_together("late parcel", ["x", "a late parcel", "late parcel!", "x", "x"])
    assert lie_together("late parcel", ["late parcel"] * 3 + ["x"] * 253)
    assert not lie_together("late parcel", ONE_IN_128)
    assert not lie_together("late parcel", ["late parcel"] + ["x"] * 255)
    assert not lie_together("late parcel", ["late parcel"] * 4 + ["x"] * 252)
    assert not lie_together("late parcel", ["late parcel"] * 2 + ["x"] * 2)
    assert not lie_together("late parcel", ["x"] * 256)


def test_matches_found_together_are_walked_for_over_a_few_rows_per_match():
    """Lying together, the matches are either where the walk starts, nearly every row one, or
    not among its rows at all: it tests ``TOGETHER_ROWS`` rows per match wanted, on any page;
    and a list that is not narrowed walks for them at once, however deep the page."""
    together = ["x"] * 100 + ["a late parcel"] * 2 + ["x"] * 154
    assert walk_bound("late parcel", together, wanted=51, most=20_000) == 4 * 51
    assert walk_bound("late parcel", together, wanted=10_001, most=20_000) == 20_000
    assert looks_dense("late parcel", together, wanted=10_001, walk_at_most=10_000)
    assert not looks_dense("late parcel", together, wanted=51, walk_at_most=0)  # narrowed


@pytest.mark.parametrize("late_first", [True, False], ids=["at-the-start", "further-down"])
def test_matches_lying_together_are_read_unless_the_short_walk_finds_them(late_page, late_first):
    """A page of two "late" matches (three rows to find) among twelve other open complaints.
    Found side by side in a sample of 5, the walk tests 12 rows at most (``TOGETHER_ROWS`` per
    match): matches first in the list are walked to; past the twelve others (none in the walk's
    rows, so it does not go on) they are read, where two hits apart (a walk of 15 rows at their
    rate) walk to them. The pages are the plain filter's."""
    matches_read = late_page(late_first, others=12)
    assert matches_read(["other", "late", "late", "other", "other"]) is not late_first
    assert not matches_read(["other", "late", "other", "late", "other"])


def test_the_two_hit_rule_chooses_the_walk_in_the_list(app, viewer_id, monkeypatch):
    """Found twice in 256, "late" is walked for at once when a page of two (3 matches, 384 rows
    at that rate) fits within the direct walk's bound, else its matches are read first; the
    pages are the plain filter's either way."""
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    monkeypatch.setattr(search_pieces, "MIN_LENGTH", 3)
    monkeypatch.setattr(listing, "read_sample", lambda q: ONE_IN_128)
    expected = plain_filter("late", {}, viewer_id)

    def matches_read(direct_walk: int) -> bool:
        monkeypatch.setattr(listing, "DIRECT_WALK", direct_walk)
        with count_statements(app) as counter:
            page = open_complaints(Filters(q="late"), viewer_id, utcnow())
        assert [item.id for item in page.items] == expected[:2]
        assert listed("late", {}, viewer_id) == expected
        return _matches_read(counter.statements)

    assert not matches_read(384)
    assert matches_read(383)


@pytest.mark.parametrize(
    "narrowed", [{"view": "unowned"}, {"channel": "phone"}, {"sort": "oldest", "view": "mine"}]
)
def test_a_narrowed_list_reads_the_matches_of_a_query_found_twice(
    app, viewer_id, monkeypatch, narrowed
):
    """Under a filter a query found twice most likely has few matches, which the read cuts the
    page from: the list does not walk for it at once (found three times, it does)."""
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    monkeypatch.setattr(listing, "DIRECT_WALK", 10**6)
    monkeypatch.setattr(search_pieces, "MIN_LENGTH", 3)

    def matches_read(sample: list[str]) -> bool:
        monkeypatch.setattr(listing, "read_sample", lambda q: sample)
        with count_statements(app) as counter:
            open_complaints(Filters(q="late", **narrowed), viewer_id, utcnow())
        assert listed("late", narrowed, viewer_id) == plain_filter("late", narrowed, viewer_id)
        return _matches_read(counter.statements)

    assert matches_read(ONE_IN_128)
    assert not matches_read(["late", *ONE_IN_128])


@pytest.mark.parametrize("q", ["late", "courier late"])
def test_the_sample_is_read_once_per_search(app, viewer_id, monkeypatch, q):
    """Both estimates (is it dense; which parts to ask the index for) use one read of the
    sample: the newest key and the sample, one statement each, even when the list then reads
    the matches and estimates the parts."""
    monkeypatch.setattr(search_pieces, "MIN_ROWS", 0)
    monkeypatch.setattr(search_pieces, "MIN_LENGTH", 3)
    monkeypatch.setattr(search_pieces, "COMMON_IN", 10**6)  # never dense: the matches are read
    monkeypatch.setattr(search_pieces, "DENSE_IN", 10**6)
    with count_statements(app) as counter:
        open_complaints(Filters(q=q), viewer_id, utcnow())
    assert _matches_read(counter.statements)
    assert sum("WITH RECURSIVE steps" in s for s in counter.statements) == 1, counter.statements
    assert sum("max(complaints.id)" in s for s in counter.statements) == 1, counter.statements


def test_a_short_query_reads_no_sample(app, viewer_id, monkeypatch):
    monkeypatch.setattr(search_pieces, "MIN_ROWS", 0)
    with count_statements(app) as counter:
        open_complaints(Filters(q="late"), viewer_id, utcnow())  # under MIN_LENGTH
    assert not any("WITH RECURSIVE steps" in s for s in counter.statements)


@pytest.mark.parametrize("few_names", [0, 1, 3, 1000])
@pytest.mark.parametrize("filters", FILTERS, ids=str)
def test_the_direct_walk_by_name_membership_lists_what_a_plain_filter_lists(
    app, viewer_id, monkeypatch, few_names, filters
):
    """The direct walk alone (every row within its bound, the matches never read first), its
    clients tested by membership in those FTS5 finds by name or, past ``FEW_NAMES`` of them, by
    the name itself ("late" finds four clients, "ana" three, "An" is a prefix search): the
    pages equal the plain filter's."""
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    monkeypatch.setattr(listing, "FEW_MATCHES", 0)
    monkeypatch.setattr(listing, "DIRECT_WALK", 1000)
    monkeypatch.setattr(listing, "FEW_NAMES", few_names)
    for q in QUERIES:
        assert listed(q, filters, viewer_id) == plain_filter(q, filters, viewer_id), q


def test_the_walk_tests_membership_in_the_few_clients_found_by_name(app, viewer_id, monkeypatch):
    """The direct walk reads the clients found by name ("late": four) and tests each row's
    client id against them; with more than ``FEW_NAMES`` it tests the name: SQLite through a
    join to the clients, PostgreSQL by ``EXISTS`` on the row's client (never ``IN`` a subquery of
    the names, which PostgreSQL scanned per row when it expected most names to match)."""
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    monkeypatch.setattr(listing, "FEW_MATCHES", 0)
    monkeypatch.setattr(listing, "DIRECT_WALK", 1000)

    def walk(few_names: int) -> str:
        monkeypatch.setattr(listing, "FEW_NAMES", few_names)
        with count_statements(app) as counter:
            page = open_complaints(Filters(q="late"), viewer_id, utcnow())
        assert [item.id for item in page.items] == plain_filter("late", {}, viewer_id)[:2]
        return next(s for s in counter.statements if "LIKE" in s and "ORDER BY" in s)

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        assert "anon_1.client_id = ANY" in walk(4) and "EXISTS" not in walk(4)
        assert "EXISTS" in walk(3) and "ANY" not in walk(3)
        assert "IN (SELECT clients.id" not in walk(3) + walk(4)
        return
    assert "JOIN clients" not in walk(4)
    assert "complaints.client_id IN" in walk(4)
    assert "JOIN clients" in walk(3)


def test_a_query_naming_many_clients_is_walked_for_at_once(app, viewer_id, monkeypatch):
    """More than ``FEW_NAMES`` clients found by name ("late": four; "ana" three) means more
    complaints that match than that: the list walks for its page at once, its open matches never
    read first, on both databases; with as many as ``FEW_NAMES`` it reads them (pages of one:
    PostgreSQL's walk leaves a page it cannot fill to the planner)."""
    monkeypatch.setattr(listing, "PAGE_SIZE", 1)
    monkeypatch.setattr(listing, "DIRECT_WALK", 1000)

    def matches_read(q: str, few_names: int) -> bool:
        monkeypatch.setattr(listing, "FEW_NAMES", few_names)
        with count_statements(app) as counter:
            page = open_complaints(Filters(q=q), viewer_id, utcnow())
        assert [item.id for item in page.items] == plain_filter(q, {}, viewer_id)[:1]
        return _matches_read(counter.statements)

    assert not matches_read("late", 3)
    assert matches_read("late", 4)
    assert not matches_read("ana", 2)
    assert matches_read("ana", 3)


@pytest.mark.parametrize("few_names", [0, 2, 3, 4])
@pytest.mark.parametrize("filters", FILTERS, ids=str)
def test_many_clients_by_name_list_what_a_plain_filter_lists(
    app, viewer_id, monkeypatch, few_names, filters
):
    """Walked for at once as it names many clients, or not, every page is the plain filter's."""
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    monkeypatch.setattr(listing, "DIRECT_WALK", 3)
    monkeypatch.setattr(listing, "FEW_NAMES", few_names)
    for q in QUERIES:
        assert listed(q, filters, viewer_id) == plain_filter(q, filters, viewer_id), q


def test_the_clients_found_by_name_are_read_once_per_search(app, viewer_id, monkeypatch):
    """The names are read once, even when the list then reads the matches and walks (SQLite's
    read of the matches asks FTS5 for the names inside its own statement)."""
    monkeypatch.setattr(listing, "FEW_MATCHES", 0)
    with count_statements(app) as counter:
        open_complaints(Filters(q="late"), viewer_id, utcnow())
    read = "SELECT clients.id \nFROM clients"
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        read = "SELECT anon_1.rowid \nFROM (SELECT fts_client_names.rowid"
    assert sum(s.startswith(read) for s in counter.statements) == 1, counter.statements
    assert _matches_read(counter.statements)
