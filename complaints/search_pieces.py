"""Which parts of a long search the trigram index is asked for (issue #16).

A trigram index answers "the summary contains ``q``" by reading the list of rows of every trigram of
``q``. A trigram found in nearly every summary (``cas`` of "(case 42)") makes it read a list as
long as the table for nothing: at a million complaints "courier (case 42)" read fifteen lists, a
dozen of them a million entries long, 35–50 ms for 1,289 rows. Asked for two of its parts only
(``42)`` and ``our``) the index gives those same 1,289 rows in 2–3 ms, and testing the whole query
on each of them costs a few more. So the list asks for two parts of a long query when that costs
less (``rare_pieces``), and tests the whole query on the rows they find, in the index's own
letter-case rules (``complaints.listing``).

What each way costs is estimated from a sample of the summaries spread over the table (``SAMPLE``
rows by key, one short query after the newest key; none under ``MIN_ROWS``, where every list
is short): the index entries read (each trigram's share of the rows) and the rows left to test
(those holding both parts), one row tested costing about ``ROW_COST`` entries read (3.5 µs
against 5–7 ns on both databases). The estimate cannot see how the matches lie:
FTS5 skips the pages of a list that hold no candidate, so a phrase whose rare trigram's rows sit
together ("Complaint 999", the newest thousand) reads little (2.7 ms), while its parts may find
thousands of rows spread over the table (3,700, 8 ms and 13 more to test them). So on SQLite the
parts are only asked for once FTS5 has counted what they find, at most ``FOUND_AT_MOST`` (1.5 ms
for "courier (case 42)"), or more when the phrase's rarest trigram is found on rows spread over
the sample, where FTS5 reads its lists whole (``_lists_read_whole``). The sample decides what
the search costs, never what it finds: every part is a substring of ``q``, so the rows the parts
find hold every match.

The parts differ by database, as the indexes do. SQLite's FTS5 trigram table ANDs single
trigrams cheaply (a phrase of common trigrams is what costs), so a part is one trigram of ``q``,
and the two never overlap (sharing a character they would say little more than one). PostgreSQL's
pg_trgm takes its trigrams from the words of an ``ILIKE`` pattern, padded where the word is known
to start or end, so a part is one word of ``q`` with the characters around it (``" 42)"`` gives
the trigrams of the whole word "42"); only ASCII letters and digits count as a word's, so that
every part has at least one trigram in any locale (a pattern with none would read the whole
index).

The same sample tells a query whose matches lie densely enough down the open list
(``looks_dense``): the list then walks for its page at once instead of first asking the index
whether its matches are few. Both estimates read one sample, once per request
(``read_sample``: two short statements, the newest key and the sample, 0.2–0.4 ms of SQL at a
million): each used to read its own.
"""

import functools
import re

import sqlalchemy as sa

from complaints.models import Complaint
from core.extensions import db
from core.models import Client

SAMPLE = 256  # summaries read to estimate what each way costs
MIN_LENGTH = 6  # shorter queries have few trigrams: asking for them all costs little
ROW_COST = 500  # testing one row found costs about as much as reading this many index entries
# PostgreSQL, at a million: a row GIN finds costs 210 entries read (0.7 µs against 3.3 ns) to
# fetch and test again, and testing the whole query on it once more 140 (0.47 µs)
PG_ROW_COST, PG_TEST_COST = 210, 140
MIN_ROWS = 20_000  # below, the whole query costs about what the estimate does (1 ms)
COMMON_IN = 3  # of the sample's summaries: a query found this often is walked for at once
DENSE_IN = 2  # found this often, it is walked for at once when a page's walk looks short enough
TOGETHER_ROWS = 4  # rows walked per match wanted when the sample's hits lie together (lie_together)
FOUND_AT_MOST = 2000  # SQLite: rows the parts may find (all tested: 7 ms at most)
NARROWED_FOUND_AT_MOST = 20_000  # on a narrowed list, whose filter drops most of them (35 ms)
_WORD = re.compile(r"[A-Za-z0-9]+")


def rare_pieces(
    q: str, dialect: str, sample: list[str], narrowed: bool = False
) -> list[str] | None:
    """Two parts of ``q`` to ask the summaries' index for, or ``None`` when asking for the whole
    query costs no more (or the query is short, or on SQLite not ASCII: the test of the whole
    query on a row must fold letter case exactly as FTS5 does, and only for ASCII does ``LIKE``),
    as ``sample`` (``read_sample``) tells.

    The first part is the rarest in the sample; the second, of those apart from it, the one
    found with it in the fewest rows (two parts of one common word, found together, would leave
    that word's every row to test).

    On a ``narrowed`` list (a view, a category, a channel) the read of the matches drops most of
    what the index finds, so it rarely fills its limit and stops early: the whole query's lists
    are read to their end and each of its matches fetched and tested against the filter anyway.
    So only the rows the parts find beyond the query's own matches are counted as a cost, and
    SQLite lets the parts find up to ``NARROWED_FOUND_AT_MOST`` (each costs a look-up and the
    filter's test, about 1.7 µs, where the whole phrase of common trigrams reads its million-entry
    lists, 37 ms for "delivery (case 9" at a million). That query among a manager's phone
    complaints: 54 → 19 ms of SQL on SQLite, 65 → 16 ms on PostgreSQL (whose planner then ANDs
    the owner's index with the parts' trigrams)."""
    if len(q) < MIN_LENGTH or (dialect == "sqlite" and not q.isascii()):
        return None
    candidates = _trigrams(q) if dialect == "sqlite" else _words(q)
    if len(candidates) < 2 or not sample:
        return None

    @functools.cache
    def rows(text: str) -> int:  # the sample rows holding ``text`` (lower-cased), as bits
        return int("".join("1" if text in row else "0" for row in sample), 2)

    found = {text: rows(text.lower()) for text, _, _ in candidates}
    first = min(candidates, key=lambda c: (found[c[0]].bit_count(), c[1]))
    apart = [c for c in candidates if c[2] <= first[1] or c[1] >= first[2]]
    if not apart:
        return None
    both = {text: (found[first[0]] & found[text]).bit_count() for text, _, _ in apart}
    second = min(apart, key=lambda c: (both[c[0]], found[c[0]].bit_count(), c[1]))

    def entries(*texts: str) -> float:  # index entries read per row of the table
        trigrams = {trigram for text in texts for trigram in _trigram_texts(text)}
        return sum(rows(trigram).bit_count() for trigram in trigrams) / len(sample)

    def tested(found_rows: int, row_cost: float) -> float:  # per row of the table
        extra = found_rows - (rows(q.lower()).bit_count() if narrowed else 0)
        return max(extra, 0.5) / len(sample) * row_cost

    if entries(first[0], second[0]) + tested(both[second[0]], ROW_COST) >= entries(q):
        if dialect == "postgresql" and _one_word_pays(q, first[0], rows, entries, tested):
            return [first[0]]
        return None
    pieces = [first[0], second[0]]
    at_most = NARROWED_FOUND_AT_MOST if narrowed else FOUND_AT_MOST
    if dialect == "sqlite":
        lists = _lists_read_whole(q, rows, entries)
        if _fts_finds_more(fts_and(pieces), at_most, lists):
            return None
    return pieces


def _lists_read_whole(q: str, rows, entries) -> float:
    """SQLite: the index entries per row of the table that FTS5 surely reads for the whole
    phrase of ``q`` (its lists' whole length, as the sample says), or 0 when the phrase may be
    cheap: FTS5 skips the pages of a list holding no candidate, so a phrase whose rarest
    trigram's rows lie together reads little ("Complaint 999", 2.7 ms), which ``FOUND_AT_MOST``
    guards. Found ``COMMON_IN`` times or more and not side by side in the sample, its rows are
    on every page."""
    rarest = min((rows(trigram) for trigram in _trigram_texts(q)), key=int.bit_count)
    hits = rarest.bit_count()
    if hits < COMMON_IN or rarest.bit_length() - (rarest & -rarest).bit_length() + 1 == hits:
        return 0.0  # rare, or its hits side by side (the sample's first summary is the top bit)
    return entries(q)


def _one_word_pays(q: str, word: str, rows, entries, tested) -> bool:
    """PostgreSQL, no pair of parts paying: whether asking GIN for ``word`` alone costs less than
    the whole query. GIN's lists say only which rows hold every trigram, so each of those rows
    is fetched and tested again: the whole query's cost is its lists and the rows holding all
    its trigrams (``PG_ROW_COST`` each); the word's, its lists and its rows, each tested twice
    (by the word, then by ``q``: ``PG_ROW_COST + PG_TEST_COST``). "Complaint 13" at a million:
    the lists of "complaint", in every row, cost 27 ms of the 42 the read of its matches took;
    " 13" alone, 2 ms for 21,000 rows and 19 more to test them (the whole query on the open
    ones alone: ``listing._match_branches``)."""
    every_trigram = functools.reduce(int.__and__, map(rows, _trigram_texts(q)))
    whole = entries(q) + tested(every_trigram.bit_count(), PG_ROW_COST)
    return (
        entries(word) + tested(rows(word.lower()).bit_count(), PG_ROW_COST + PG_TEST_COST) < whole
    )


def looks_dense(q: str, sample: list[str], wanted: int, walk_at_most: int) -> bool:
    """Whether a walk of the open list most likely finds ``wanted`` matches of ``q`` (what its
    page needs) within its first ``walk_at_most`` rows, by ``sample`` (``read_sample``): then the
    list walks for its page at once, instead of first asking the index whether the matches are
    few (for "about a delivery" that reads a million-entry list: 84 ms on PostgreSQL at a
    million). A guess that decides what the search costs, never what it finds.

    Found in ``COMMON_IN`` or more of the sample's summaries, yes (1 row in 85 or more: a page
    within 4,500 rows). Found in ``DENSE_IN``, a rate of 1 in 128 that the sample measures
    poorly, yes when the rows to test for ``wanted`` matches at that rate (the open list's rows
    are the table's, so the table's rate is theirs) stay within ``walk_at_most``, which the list
    sets at its direct walk's bound (``walk_bound`` lets the walk test up to twice those rows
    within it). At a million "delivery (case 9" (1 row in 97) is found twice: the walk finds its
    first page in about 5,000 rows, while reading its open matches first fills all 1,001 of them
    (3,000 open in all) before the walk. Its second page lies within 10,000 rows: at half the
    direct walk's bound, as this rule had it, the matches were read first and then the list
    walked anyway (SQLite 66 → 28 ms, PostgreSQL 53 → 34).

    A wrong guess costs the direct walk that finds no page (``complaints.listing._walked_directly``)
    on top of the way it would have taken. With many matches that is little: the list then cuts its
    page from them when at most ``listing.MANY_MATCHES`` are open ("Complaint 13" at a million is
    found twice, but its 11,111 rows lie together, far down the list; found side by side, it is
    walked for over 204 rows only: ``lie_together``). With few matches, which the read
    would have cut the page from, it is a failed walk of the list's first rows: under a filter (a
    view, a category, a channel) a query found twice has few, so the list gives ``walk_at_most`` 0
    there (guessed, "Complaint 13" among phone complaints took 50 → 177 ms on SQLite, 56 → 89 ms on
    PostgreSQL)."""
    if len(q) < MIN_LENGTH or not sample:
        return False
    found = _found_in(q, sample)
    if found >= COMMON_IN or (walk_at_most and lie_together(q, sample)):
        return True
    return found >= DENSE_IN and wanted * len(sample) / found <= walk_at_most


def walk_bound(q: str, sample: list[str], wanted: int, most: int) -> int:
    """The rows of the open list a walk for ``wanted`` matches of ``q`` tests at most: ``most``,
    or, for a query the sample finds fewer than ``COMMON_IN`` times, twice the rows that rate
    needs (a rate guessed too high by half still finds its page within them), or, for hits that
    lie together (``lie_together``), ``TOGETHER_ROWS`` per match wanted. Two spread hits in the
    sample say little about where the matches lie, and a walk that finds no page costs every
    row it tests: before the rate bounded it, "Complaint 13" at a million gave up after 20,000
    rows (SQLite 16.5 ms), at its rate after 13,056 (11 ms)."""
    found = _found_in(q, sample) if len(q) >= MIN_LENGTH else 0
    if found and lie_together(q, sample):
        return min(most, TOGETHER_ROWS * wanted)
    if not found or found >= COMMON_IN:
        return most
    return min(most, 2 * wanted * len(sample) // found)


def lie_together(q: str, sample: list[str]) -> bool:
    """Whether the sample's summaries holding ``q`` are two or three, each next to another in
    the sample's key order (``read_sample``): then its matches most likely lie together (rows
    written together: one wave of complaints, one import), two or three strides of keys long,
    rather than spread at the rate they were found at (two spread hits sit side by side once
    in 128). Matches that lie together are walked for over a few rows only: where they start
    the list, nearly every row walked is one, and a page is found within ``TOGETHER_ROWS`` rows
    per match wanted; elsewhere the walk finds none, and their read, which they bound by lying
    together (at a million, three strides are 11,700 rows), cuts the page instead. Walked for
    at the rate of two spread hits, "Complaint 13" at a million (its 11,111 rows lie together
    past the 258,000th open row, found at two neighbouring keys) gave up after 13,056 rows:
    11 ms of SQLite's 46, 11–12 of PostgreSQL's 57; now after 204 (SQLite 54 → 43 ms, PostgreSQL
    65 → 53, page p50 on a slower day)."""
    needle = q.lower()
    hits = [at for at, summary in enumerate(sample) if needle in summary]
    if not DENSE_IN <= len(hits) <= COMMON_IN or 2 * len(hits) >= len(sample):
        return False  # a sample mostly of hits says the matches are everywhere
    return hits[-1] - hits[0] == len(hits) - 1


def _found_in(q: str, sample: list[str]) -> int:
    """The sample's summaries (lower-cased) that contain ``q`` in any letter case."""
    needle = q.lower()
    return sum(needle in summary for summary in sample)


def fts_phrase(text: str) -> str:
    """An FTS5 phrase: with the trigram tokenizer, the rows that contain ``text`` in any case."""
    return '"' + text.replace('"', '""') + '"'


def fts_and(pieces: list[str]) -> str:
    """An FTS5 query for the rows that contain every one of ``pieces``."""
    return " AND ".join(fts_phrase(piece) for piece in pieces)


def fts_found(name: str, asked: str, limit: int | None = None):
    """SQLite: the rowids FTS5 table ``name`` finds for the FTS5 query ``asked`` (a subquery)."""
    table = sa.table(name, sa.column("rowid"))
    found = sa.select(table.c.rowid).where(sa.literal_column(name).match(asked))
    return found.limit(limit).subquery()


def _fts_finds_more(asked: str, limit: int, lists: float = 0.0) -> bool:
    """SQLite: whether the summaries' FTS5 table finds more than ``limit`` rows for ``asked``,
    counted no further than that; or, when the whole phrase reads ``lists`` index entries per
    row of the table (``_lists_read_whole``), than the rows that half that read costs, at
    ``ROW_COST`` entries a row tested, if more. "courier (case 42" at a million (" 42" in 7 of
    256, "cas" and "ase" in every row): the phrase cost 35 ms of FTS5 for 1,289 rows, while
    " 42" and "our" find 2,663 (over 2,000, under 6,140): the page took 60 ms, now 25."""
    if lists:
        limit = max(limit, int(lists * (db.session.scalar(_NEWEST_KEY) or 0) / ROW_COST / 2))
    found = fts_found("fts_complaint_summaries", asked, limit + 1)
    return db.session.scalar(sa.select(sa.func.count()).select_from(found)) > limit


def _trigrams(q: str) -> list[tuple[str, int, int]]:
    """Each distinct trigram of ``q`` (as typed: FTS5 folds it) with the span it covers."""
    seen, found = set(), []
    for i in range(len(q) - 2):
        text = q[i : i + 3]
        if text.lower() not in seen:
            seen.add(text.lower())
            found.append((text, i, i + 3))
    return found


def _trigram_texts(text: str) -> set[str]:
    """The distinct trigrams of ``text``, lower-cased as the sample is."""
    return {trigram.lower() for trigram, _, _ in _trigrams(text)}


def _words(q: str) -> list[tuple[str, int, int]]:
    """Each word of ``q`` with the character before and after it when that ends it in any locale
    (an ASCII one: pg_trgm pads the word there; a letter such as "é" may belong to it), kept when
    pg_trgm surely takes a trigram from it: three letters or digits, or a known start (``"  4"``),
    or a known end after two (``"42 "``). The span is the word's."""
    found = []
    for word in _WORD.finditer(q):
        start, end = word.span()
        before = start > 0 and q[start - 1].isascii()
        after = end < len(q) and q[end].isascii()
        if end - start >= 3 or before or (after and end - start >= 2):
            found.append((q[start - before : end + after], start, end))
    return found


def _sample_statement():
    """``SAMPLE`` summaries by keys spread evenly down from ``top`` (the keys counted by the
    database: bound one by one they cost more than the read). The stride is odd, so it never
    keeps in step with an even cycle in the rows (generated data has them: an even stride would
    only ever see every other word of the benchmark's summaries). Newest key first, so that
    neighbours in the sample are neighbours in the table (``lie_together``)."""
    top = sa.bindparam("top", type_=sa.Integer)
    steps = sa.select(sa.literal(0).label("n")).cte("steps", recursive=True)
    steps = steps.union_all(sa.select(steps.c.n + 1).where(steps.c.n < SAMPLE - 1))
    keys = sa.select(top - steps.c.n * (top // SAMPLE).op("|")(1))
    found = sa.select(Complaint.summary_words).where(Complaint.id.in_(keys))
    return found.order_by(Complaint.id.desc())


_SAMPLE_STATEMENT = _sample_statement()  # built once: building it cost more than running it
_NEWEST_KEY = sa.select(sa.func.max(Complaint.id))


def read_sample(q: str) -> list[str]:
    """The sample's summaries, lower-cased and newest key first, that ``rare_pieces``,
    ``looks_dense`` and ``walk_bound`` estimate a search for ``q`` with: read once per request
    and given to each. None for a query under ``MIN_LENGTH`` (none estimates one) or from a
    table under ``MIN_ROWS`` (by its newest key), whose trigram lists are all short."""
    if len(q) < MIN_LENGTH:
        return []
    top = db.session.scalar(_NEWEST_KEY)
    if not top or top < MIN_ROWS:
        return []
    found = db.session.scalars(_SAMPLE_STATEMENT, {"top": top})
    return [summary.lower() for summary in found]


KELVIN, LONG_S = "\u212a", "\u017f"  # the non-ASCII characters FTS5 folds to ASCII letters


def each_row_tested(statement, q: str, named: list[int] | None, contains):
    """``statement`` (of complaints) kept to the rows the search finds, each tested on the row as
    the walks test it: its summary contains ``q``, or its client is one of the ``named`` found by
    name (``listing._few_named``); ``None`` when they were too many, then each row's client name
    is tested through a join. ``contains``: ``folded_contains`` on SQLite, ``ILIKE`` on
    PostgreSQL."""
    if named is None:
        statement = statement.join(Client, Client.id == Complaint.client_id)
        by_name = [contains(Client.name, q)]
    else:
        by_name = [Complaint.client_id.in_(named)] if named else []
    return statement.where(sa.or_(contains(Complaint.summary_words, q), *by_name))


def folded_contains(column, q: str):
    """SQLite, ``q`` ASCII: ``column`` contains ``q`` exactly as FTS5's trigram tokenizer folds
    letter case. ``LIKE`` folds ASCII letters alike; FTS5 also folds two other characters to
    ASCII ones (the Kelvin sign to "k", the long s to "s"), which are folded here first
    (``tests/complaints/test_search_pieces.py`` asks FTS5 which characters fold to ASCII).

    Only a text holding one of them is folded: ``q`` is ASCII, so a text that contains it as it
    stands contains it folded too, and folding the rest costs more than the test (7 of 18 ms for
    the direct walk's 5,000 rows)."""
    unkelvin = sa.func.replace(column, KELVIN, "k", type_=sa.String)
    folded = sa.func.replace(unkelvin, LONG_S, "s", type_=sa.String)
    foldable = sa.func.instr(column, KELVIN) + sa.func.instr(column, LONG_S) > 0
    return sa.or_(
        column.contains(q, autoescape=True),
        sa.and_(foldable, folded.contains(q, autoescape=True)),
    )
