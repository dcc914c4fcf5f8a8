"""A long search asks the trigram index for its rarest parts and tests the whole query on the rows
they find (``complaints.search_pieces``, issue #16): which parts, and that the list is the same
either way, on both databases."""

import sqlite3
from datetime import timedelta

import pytest
import sqlalchemy as sa

from complaints import listing, search_pieces
from complaints.listing import Filters, open_complaints
from complaints.models import Complaint
from complaints.search_pieces import rare_pieces
from core.database import utcnow
from tests.complaints.test_search_paths import (  # noqa: F401 (rows: the fixture)
    FILTERS,
    QUERIES,
    listed,
    plain_filter,
    rows,
)
from tests.support.queries import count_statements, plan_of

# Summaries like the benchmark's: eight words, 97 cases; "courier (case 42)" is 1 row in 776.
WORDS = ("parcel", "courier", "refund", "invoice", "delivery", "coupon", "damaged", "missing")
BENCH_LIKE = [
    f"complaint {n} about a {WORDS[n % 8]} (case {(n // 8) % 97})" for n in range(0, 200_000, 787)
]
# The benchmark's sample at a million: "complaint 13" (1 complaint in 90) twice in 256
MILLION_LIKE = [
    f"complaint {n} about a {WORDS[n % 8]} (case {(n // 8) % 97})"
    for n in range(1_000_000, 0, -3907)
]
# Rows whose summaries share most trigrams, so the parts are tested where they leave work to do.
MORE_ROWS = [
    ("Courier late (case 42)", "Ana Dias"),
    ("courier LATE (case 4)", "Rui Late"),
    ("Coupon late (case 42)", "Eva Cruz"),
    ('He said "late" (case 7)', "Ian Moss"),
    ("Посылка late опоздала", "Oleg Popov"),
]
LONG_QUERIES = [
    "courier late (case 42)",
    "courier late",
    "late (case 42)",
    "(case 42)",
    "case 4",
    '"late" (case',
    "ate (cas",
    "late опоздала",
    "arrived late",
    "late, late",
    "Café frio",
    "nothing here at all",
]


@pytest.fixture
def sampled(monkeypatch):
    """This sample, as ``read_sample`` gives it (and the list reads it); and (SQLite) the parts
    taken to find few rows, whatever FTS5 would say."""

    def use(summaries):
        sample = [s.lower() for s in summaries]
        monkeypatch.setattr(listing, "read_sample", lambda q: sample)
        monkeypatch.setattr(search_pieces, "_fts_finds_more", lambda asked, *limits: False)
        return sample

    return use


def test_sqlite_asks_for_two_rare_trigrams_that_do_not_overlap(sampled):
    sample = sampled(BENCH_LIKE)
    pieces = rare_pieces("courier (case 42)", "sqlite", sample)
    assert pieces is not None and len(pieces) == 2
    rare, other = pieces
    assert rare in {"42)", " 42"}  # the case number's, the rarest
    assert other in {"our", "uri", "rie", "ier", "er ", "r ("}  # courier's, not coupon's "cou"


def test_postgresql_asks_for_words_with_their_edges(sampled):
    sample = sampled(BENCH_LIKE)
    assert rare_pieces("courier (case 42)", "postgresql", sample) == [" 42)", "courier "]


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_the_whole_query_when_nothing_is_rare_or_it_is_short(sampled, dialect):
    sample = sampled(BENCH_LIKE)
    assert rare_pieces("about a parcel", dialect, sample) is None  # one row in 8 is not few
    assert rare_pieces("case", dialect, sample) is None  # short: its few trigrams cost little
    assert (
        rare_pieces("zzzzzz", dialect, sample) is None
    )  # one part only: it would be the whole query


def test_postgresql_asks_for_one_rare_word_alone_when_no_pair_pays(sampled):
    """ "Complaint 13": no pair pays (the second word, "complaint", is in every row), but GIN's
    lists of "complaint" would be read for nothing, so PostgreSQL asks for " 13" alone and tests
    the whole query on its rows. A word found in 1 row in 8 ("about a parcel") has too many rows
    to test twice; and FTS5, whose phrase finds the rows exactly, asks for the whole query."""
    sample = sampled(MILLION_LIKE)
    assert rare_pieces("Complaint 13", "postgresql", sample) == [" 13"]
    assert rare_pieces("complaint 99", "postgresql", sample) == [" 99"]
    assert rare_pieces("about a parcel", "postgresql", sample) is None
    assert rare_pieces("Complaint 13", "sqlite", sample) is None
    assert rare_pieces("courier (case 42)", "postgresql", sample) == [" 42)", "courier "]


@pytest.mark.parametrize("few", [0, 1000])
def test_the_rows_of_one_word_are_tested_for_the_whole_query(
    app, db_session, make_client, make_complaint, monkeypatch, sampled, few
):
    """Asked for " 13" alone, PostgreSQL's index finds every row holding it ("(case 13)" too);
    each is tested for the whole query, so the list is what a plain filter lists, walked or cut
    from the matches read, on both databases."""
    sample = sampled(MILLION_LIKE)
    monkeypatch.setattr(search_pieces, "MIN_ROWS", 0)
    monkeypatch.setattr(listing, "FEW_MATCHES", few)
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    monkeypatch.setattr(search_pieces, "DENSE_IN", search_pieces.COMMON_IN)  # matches read
    viewer_id = 0
    for summary in [
        "Complaint 13 about a parcel (case 1)",
        "COMPLAINT 130 about a refund (case 16)",
        "Complaint 2 about a coupon (case 13)",
        "complaint  13, twice spaced",
        "Complaint 1300 about a delivery (case 65)",
        "complaint 7 (case 13) again",
    ]:
        make_complaint(summary=summary, client_id=make_client().id)
    dialect = db_session.get_bind().dialect.name
    asked = rare_pieces("Complaint 13", dialect, sample)
    assert asked == ([" 13"] if dialect == "postgresql" else None)
    with count_statements(app) as counter:
        found = listed("Complaint 13", {}, viewer_id)
    assert found == plain_filter("Complaint 13", {}, viewer_id)
    assert len(found) == 3
    if dialect == "postgresql" and few:  # the matches were read, from the word alone
        assert any(" 13" in str(p) and "Complaint 13" in str(p) for p in counter.parameters)


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_the_whole_query_when_its_trigrams_are_all_rare(sampled, dialect):
    """Their lists are short: the phrase reads them in less than testing rows would take."""
    sample = sampled(BENCH_LIKE)
    assert rare_pieces("qwerty uiop", dialect, sample) is None


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_two_parts_of_one_common_word_are_not_asked_for(sampled, dialect):
    """Each part of "delivery" is in 1 row in 8 but they come together, so asking for two of them
    would leave every delivery to test: the sample counts the rows holding both."""
    sample = sampled(BENCH_LIKE)
    assert rare_pieces("delivery", dialect, sample) is None
    assert rare_pieces("about a delivery", dialect, sample) is None


def test_the_second_part_is_the_one_least_often_found_with_the_first(sampled):
    """Every trigram of "qwerty" and of "uiop" is in half the rows, never together: the second
    part is not another of the first's word, so the two leave no row to test."""
    summaries = ["qwerty x", "y uiop"] * 100
    sample = sampled(summaries)
    first, second = rare_pieces("qwerty uiop", "sqlite", sample)
    assert not any(first in row and second in row for row in summaries)


def test_sqlite_tests_only_ascii_queries_on_rows(sampled):
    """``LIKE`` folds ASCII letters only, FTS5 folds Cyrillic and accents too: a query that is not
    ASCII asks FTS5 for the whole phrase."""
    sample = sampled(["курьер опоздал"] * 10)
    assert rare_pieces("курьер (дело 42)", "sqlite", sample) is None


def test_postgresql_words_are_ascii_letters_and_digits(sampled, monkeypatch):
    """Every part gives pg_trgm at least one trigram in any locale: three ASCII letters or digits,
    or a word whose start (or end, after two) the query shows."""
    sample = sampled(["nothing alike"] * 10)
    monkeypatch.setattr(search_pieces, "ROW_COST", -1)  # parts whenever there are two
    assert rare_pieces("курьер опоздал", "postgresql", sample) is None
    assert rare_pieces("a курьер 7 zz", "postgresql", sample) == [" 7 ", " zz"]
    assert search_pieces._words("x 42)") == [(" 42)", 2, 4)]  # "x" alone: no known start
    assert search_pieces._words("ab") == []
    # A letter beyond ASCII may be part of the word in the database's locale: no known edge.
    assert search_pieces._words("é4 éab cd") == [("ab ", 4, 6), (" cd", 7, 9)]


def test_fts5_folds_to_ascii_only_ascii_the_kelvin_sign_and_the_long_s():
    """The rows the parts find are tested with ``LIKE`` after folding the two non-ASCII
    characters FTS5's trigram tokenizer folds to ASCII letters; this asks FTS5 itself (every
    character of the Basic Multilingual Plane, its only folded plane besides Deseret's letters,
    which fold to Deseret), so a SQLite that folds another fails here."""
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE VIRTUAL TABLE f USING fts5(x, tokenize='trigram')")
    connection.execute("CREATE VIRTUAL TABLE v USING fts5vocab(f, 'instance')")
    codes = [c for c in range(0x80, 0x10000) if not 0xD800 <= c < 0xE000]
    connection.execute("INSERT INTO f(rowid, x) VALUES (1, ?)", ("".join(map(chr, codes)),))
    to_ascii = {
        codes[offset]
        for term, offset in connection.execute("SELECT term, offset FROM v")
        if term[0].isascii()
    }
    assert to_ascii == {ord(search_pieces.KELVIN), ord(search_pieces.LONG_S)}


@pytest.fixture
def more_rows(app, rows, make_client, make_complaint):  # noqa: F811 (the imported fixture)
    viewer_id, _ = rows
    now = utcnow()
    for i, (summary, name) in enumerate(MORE_ROWS):
        make_complaint(
            opened_at=now - timedelta(days=20 + i),
            due_at=now + timedelta(hours=10 + i),
            summary=summary,
            client_id=make_client(name=name).id,
            status="new",
            channel="phone" if i % 2 else "email",
        )
    return viewer_id


@pytest.mark.parametrize("few", [0, 2, 1000])
@pytest.mark.parametrize("filters", FILTERS, ids=str)
def test_the_parts_list_what_a_plain_filter_over_the_rows_lists(
    app, more_rows, monkeypatch, few, filters
):
    """Parts asked for whenever there are two (``ROW_COST`` below nothing), from three characters
    on: every page of every query equals the plain filter, walked or cut from the matches."""
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    monkeypatch.setattr(listing, "FEW_MATCHES", few)
    monkeypatch.setattr(search_pieces, "ROW_COST", -1)
    monkeypatch.setattr(search_pieces, "MIN_LENGTH", 3)
    monkeypatch.setattr(search_pieces, "MIN_ROWS", 0)
    monkeypatch.setattr(search_pieces, "DENSE_IN", search_pieces.COMMON_IN)  # matches read more
    asked = []

    def spied(q: str, dialect: str, sample: list[str], narrowed: bool = False):
        asked.append(rare_pieces(q, dialect, sample, narrowed))
        return asked[-1]

    monkeypatch.setattr(listing, "rare_pieces", spied)
    for q in [*QUERIES, *LONG_QUERIES]:
        assert listed(q, filters, more_rows) == plain_filter(q, filters, more_rows), q
    assert sum(bool(pieces) for pieces in asked) >= 8, asked  # the parts were asked for


@pytest.mark.parametrize("q", ["kiosk near station", "KIOSK NEAR"])
def test_sqlite_rows_folded_like_fts5(app, db_session, make_client, make_complaint, monkeypatch, q):
    """A summary with the Kelvin sign and the long s, which FTS5 folds to "k" and "s": found the
    same with the parts as with the whole phrase (on PostgreSQL ``ILIKE`` decides both ways)."""
    found = make_complaint(summary="The \u212aiosk near ſtation", client_id=make_client().id)
    make_complaint(summary="A kiosk far away", client_id=make_client().id)
    monkeypatch.setattr(search_pieces, "MIN_LENGTH", 3)
    monkeypatch.setattr(search_pieces, "MIN_ROWS", 0)
    pages = []
    for row_cost in (10**9, -1):  # never parts, parts whenever there are two
        monkeypatch.setattr(search_pieces, "ROW_COST", row_cost)
        pages.append([item.id for item in open_complaints(Filters(q=q), 0, utcnow()).items])
    assert pages[0] == pages[1]
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        assert pages[0] == [found.id]


@pytest.mark.parametrize("few", [0, 1000])
def test_rows_with_every_part_but_not_the_query_are_not_found(
    app, db_session, make_client, make_complaint, monkeypatch, sampled, few
):
    """The parts of "qwerty uiop" (SQLite "qwe" and "rty", PostgreSQL "qwerty " and " uiop") are
    all in rows that do not contain the query: the whole query is tested on each row."""
    sample = sampled(["nothing alike"] * 200)
    monkeypatch.setattr(search_pieces, "ROW_COST", -1)
    dialect = db_session.get_bind().dialect.name
    assert rare_pieces("qwerty uiop", dialect, sample) in (["qwe", "rty"], ["qwerty ", " uiop"])
    monkeypatch.setattr(listing, "FEW_MATCHES", few)
    found = [
        make_complaint(summary=summary, client_id=make_client(name=name).id).id
        for summary, name in [
            ("QWERTY Uiop here", "Ana"),
            ("qwerty  uiop", "Bea"),
            ("uiop qwerty", "Qwe Rty"),
            ("Other", "Qwerty uiop Ltd"),
        ]
    ]
    page = open_complaints(Filters(q="qwerty uiop"), 0, utcnow())
    assert {item.id for item in page.items} == {found[0], found[3]}


def test_the_parts_are_read_from_the_search_index_under_any_filter(app, more_rows, monkeypatch):
    """Asked for its parts, the search still starts from the search index and looks each row up
    by its key, even with a filter that has an index of its own (as the whole query does,
    ``test_search_paths``); PostgreSQL scans no table."""
    monkeypatch.setattr(search_pieces, "ROW_COST", -1)
    monkeypatch.setattr(search_pieces, "MIN_ROWS", 0)
    filters = Filters(q="courier late (case 42)", channel="phone", view="overdue")
    with count_statements(app) as counter:
        open_complaints(filters, more_rows, utcnow())
    statement, parameters = next(
        (statement, parameters)
        for statement, parameters in zip(counter.statements, counter.parameters, strict=True)
        if "UNION ALL" in statement and "CAST(complaints.is_open" in statement
    )
    plan = plan_of(app, statement, parameters, conditions_only=True)
    assert "Seq Scan on complaints" not in plan and "SCAN complaints\n" not in plan + "\n", plan
    if "Index Cond" in plan:  # PostgreSQL: the parts, not the whole query, ask the index
        assert "'%courier late (case 42)%'" not in plan.split("Index Cond")[1].split("\n")[0]
        # and the whole query is tested on open rows only (it was tested on every row found)
        [whole_test] = [line for line in plan.splitlines() if "courier late (case 42)" in line]
        assert "CASE WHEN ((is_open)::integer = 1) THEN" in whole_test, plan
        return
    assert " AND " in str(parameters[0]), parameters  # FTS5 is asked for the parts
    lines = plan.splitlines()
    scan = next(i for i, line in enumerate(lines) if "SCAN fts_complaint_summaries" in line)
    assert "SEARCH complaints" in lines[scan + 1], plan
    assert "ix_complaints_insights_channel" not in plan, plan


def test_sqlite_asks_for_the_parts_only_when_they_find_few_rows_postgresql_without_counting(
    app, db_session, make_client, make_complaint, monkeypatch
):
    """FTS5 counts what the parts find (no further than ``FOUND_AT_MOST``) before they are asked
    for: the sample cannot see whether the whole phrase's rows lie together, which makes the
    phrase cheap. PostgreSQL reads a bitmap of the candidates, where counting them costs the read
    itself: it asks for the parts without a count."""
    dialect = db_session.get_bind().dialect.name
    summaries = ["qwerty  uiop", "qwerty uiop", "qwe rty", "uiop, qwerty"]
    for summary in summaries:
        make_complaint(summary=summary, client_id=make_client().id)
    monkeypatch.setattr(search_pieces, "ROW_COST", -1)  # parts whenever there are two
    monkeypatch.setattr(search_pieces, "MIN_ROWS", 0)
    sample = search_pieces.read_sample("qwerty uiop")
    pieces = rare_pieces("qwerty uiop", dialect, sample)
    assert pieces is not None
    if dialect != "sqlite":
        monkeypatch.setattr(search_pieces, "FOUND_AT_MOST", 0)
        assert rare_pieces("qwerty uiop", dialect, sample) == pieces
        return
    found = sum(all(piece in summary for piece in pieces) for summary in summaries)
    assert found >= 1
    assert search_pieces._fts_finds_more(search_pieces.fts_and(pieces), found - 1)
    assert not search_pieces._fts_finds_more(search_pieces.fts_and(pieces), found)
    monkeypatch.setattr(search_pieces, "FOUND_AT_MOST", found - 1)
    assert rare_pieces("qwerty uiop", dialect, sample) is None
    # A narrowed list's filter drops most of what the parts find: they may find more
    monkeypatch.setattr(search_pieces, "NARROWED_FOUND_AT_MOST", found)
    assert rare_pieces("qwerty uiop", dialect, sample, narrowed=True) == pieces
    monkeypatch.setattr(search_pieces, "NARROWED_FOUND_AT_MOST", found - 1)
    assert rare_pieces("qwerty uiop", dialect, sample, narrowed=True) is None


@pytest.mark.parametrize(
    ("q", "dialect"), [("delivery (case 9", "sqlite"), ("about a delivery", "postgresql")]
)
def test_a_narrowed_list_counts_only_the_rows_the_parts_find_beyond_the_query(sampled, q, dialect):
    """The parts of these find about the query's own rows (in the benchmark's summaries): on the
    whole list testing them costs more than the whole query's lists, whose read stops at its
    limit; on a narrowed one the whole query's rows are all fetched and tested anyway, so the
    parts, which read fewer index entries, are asked for."""
    sample = sampled(BENCH_LIKE)
    assert rare_pieces(q, dialect, sample) is None
    pieces = rare_pieces(q, dialect, sample, narrowed=True)
    assert pieces is not None and len(pieces) == 2
    assert all(piece.lower() in q.lower() for piece in pieces)


def test_sqlite_lets_the_parts_find_more_when_the_phrase_reads_its_whole_lists(
    app, db_session, make_client, make_complaint, monkeypatch
):
    """A phrase whose rarest trigram the sample finds three times or more, not side by side, has
    rows on every page of its lists, which FTS5 then reads whole: the parts may find as many rows
    as half those entries cost (``_lists_read_whole``; here, testing a row costs next to
    nothing), more than ``FOUND_AT_MOST``. Found side by side, its rows may lie together and the
    phrase be cheap: ``FOUND_AT_MOST`` holds. PostgreSQL does not count."""
    dialect = db_session.get_bind().dialect.name
    summaries = ["qwerty  uiop", "qwerty uiop", "qwe rty", "uiop, qwerty"]
    for summary in summaries:
        make_complaint(summary=summary, client_id=make_client().id)
    monkeypatch.setattr(search_pieces, "ROW_COST", 1e-9)  # parts whenever there are two
    spread = ["qwerty uiop", "other"] * 3
    together = ["qwerty uiop"] * 3 + ["other"] * 3
    pieces = rare_pieces("qwerty uiop", dialect, spread)
    assert pieces is not None
    found = sum(all(piece in summary for piece in pieces) for summary in summaries)
    monkeypatch.setattr(search_pieces, "FOUND_AT_MOST", found - 1)
    assert rare_pieces("qwerty uiop", dialect, spread) == pieces
    together_pieces = rare_pieces("qwerty uiop", dialect, together)
    assert together_pieces == (None if dialect == "sqlite" else pieces)


def test_no_sample_from_a_small_table(app, db_session, make_client, make_complaint, monkeypatch):
    """Under ``MIN_ROWS`` every trigram's list is short: the whole query, no sample read. A
    query under ``MIN_LENGTH`` is estimated by neither estimate: none read either."""
    make_complaint(summary="qwerty uiop", client_id=make_client().id)
    monkeypatch.setattr(search_pieces, "ROW_COST", -1)
    assert search_pieces.read_sample("qwerty uiop") == []
    assert rare_pieces("qwerty uiop", db_session.get_bind().dialect.name, []) is None
    monkeypatch.setattr(search_pieces, "MIN_ROWS", 0)
    assert search_pieces.read_sample("qwerty uiop") == ["qwerty uiop"]
    with count_statements(app) as counter:
        assert search_pieces.read_sample("qwert") == []
    assert counter.statements == []


def test_the_sample_is_read_newest_key_first(
    app, db_session, make_client, make_complaint, monkeypatch
):
    """Neighbours in the sample are neighbours in the table (``lie_together`` reads them so),
    whatever order the rows were written in."""
    monkeypatch.setattr(search_pieces, "MIN_ROWS", 0)
    top = (db_session.scalar(sa.select(sa.func.max(Complaint.id))) or 0) + 10_000
    stride = top // search_pieces.SAMPLE | 1  # the sample's keys: top, top - stride, ...
    for k in (3, 0, 5, 1, 6, 2, 4):
        summary = f"Summary number {k}"
        make_complaint(id=top - k * stride, summary=summary, client_id=make_client().id)
    assert search_pieces.read_sample("summary")[:7] == [f"summary number {k}" for k in range(7)]
