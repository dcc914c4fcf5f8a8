"""Which parts of a long search the trigram index is asked for (issue #16).

A trigram index answers "the summary contains ``q``" by reading the list of rows of every trigram of
``q``. A trigram found in nearly every summary (``cas`` of "(case 42)") makes it read a list as
long as the table for nothing: at a million complaints "courier (case 42)" read fifteen lists, a
dozen of them a million entries long, 35–50 ms for 1,289 rows. Asked for its two rarest parts
only (``42)`` and ``r (``) the index gives those same 1,289 rows in 2–5 ms, and testing the whole
query on each of them costs a few more. So the list asks for the rarest parts of a long query when
they leave few rows to test (``rare_pieces``), and tests the whole query on those rows in the
index's own letter-case rules (``complaints.listing``).

Which parts are rare is read from a sample of the summaries spread over the table (``SAMPLE``
rows by key, one short query): it decides what the search costs, never what it finds.

The parts differ by database, as the indexes do. SQLite's FTS5 trigram table ANDs single
trigrams cheaply (a phrase of common trigrams is what costs), so a part is one trigram of ``q``,
and two parts never overlap (one shared character makes them nearly one). PostgreSQL's pg_trgm
takes its trigrams from the words of an ``ILIKE`` pattern, padded where the word is known to start
or end, so a part is one word of ``q`` with the characters around it (``" 42)"`` gives the
trigrams of the whole word "42"); only ASCII letters and digits count as a word's, so that every
part has at least one trigram in any locale (a pattern with none would read the whole index).
"""

import math
import re

import sqlalchemy as sa

from complaints.models import Complaint
from core.extensions import db

SAMPLE = 256  # summaries read to tell a rare part from a common one
MIN_LENGTH = 6  # shorter queries have few trigrams: asking for them all costs little
FEW_LEFT = 1 / 200  # the parts are asked for when they leave at most this share of rows to test
MAX_PIECES = 2  # a third part costs the index more than it saves in tests
_WORD = re.compile(r"[A-Za-z0-9]+")


def rare_pieces(q: str, dialect: str) -> list[str] | None:
    """The parts of ``q`` to ask the summaries' index for, rarest first, or ``None`` when the
    whole query is as cheap (short, nothing rare, or on SQLite a query that is not ASCII: the
    test of the whole query on a row must fold letter case exactly as FTS5 does, and only ASCII
    is folded the same way by ``LIKE``).

    Every part is a substring of ``q``, so a row containing ``q`` contains every part: the rows
    the parts find always include every match."""
    if len(q) < MIN_LENGTH or (dialect == "sqlite" and not q.isascii()):
        return None
    candidates = _trigrams(q) if dialect == "sqlite" else _words(q)
    if len(candidates) < 2:
        return None
    sample = _sample()
    if not sample:
        return None
    counted = sorted(
        (sum(text.lower() in row for row in sample), start, end, text)
        for text, start, end in candidates
    )
    picks: list[tuple[int, int, int, str]] = []
    for count, start, end, text in counted:
        if all(end <= s or start >= e for _, s, e, _ in picks):
            picks.append((count, start, end, text))
        if len(picks) == MAX_PIECES:
            break
    left = math.prod(max(count, 0.5) / len(sample) for count, *_ in picks)
    return [text for *_, text in picks] if left <= FEW_LEFT else None


def _trigrams(q: str) -> list[tuple[str, int, int]]:
    """Each distinct trigram of ``q`` (as typed: FTS5 folds it) with the span it covers."""
    seen, found = set(), []
    for i in range(len(q) - 2):
        text = q[i : i + 3]
        if text.lower() not in seen:
            seen.add(text.lower())
            found.append((text, i, i + 3))
    return found


def _words(q: str) -> list[tuple[str, int, int]]:
    """Each word of ``q`` with the character before and after it when there is one (pg_trgm
    pads a word there), kept when pg_trgm surely takes a trigram from it: three letters or digits,
    or a known start (``"  4"``), or a known end after two (``"42 "``). The span is the word's."""
    found = []
    for word in _WORD.finditer(q):
        start, end = word.span()
        before, after = start > 0, end < len(q)
        if end - start >= 3 or before or (after and end - start >= 2):
            found.append((q[start - before : end + after], start, end))
    return found


def _sample() -> list[str]:
    """Up to ``SAMPLE`` summaries, lower-cased, by keys spread evenly down from the newest, one
    query (the keys are counted by the database: bound one by one they cost more than the read).
    The stride is odd, so it never keeps in step with an even cycle in the rows (generated data
    has them: an even stride would only ever see every other word of the benchmark's summaries).
    """
    top = sa.select(sa.func.max(Complaint.id)).scalar_subquery()
    steps = sa.select(sa.literal(0).label("n")).cte("steps", recursive=True)
    steps = steps.union_all(sa.select(steps.c.n + 1).where(steps.c.n < SAMPLE - 1))
    keys = sa.select(top - steps.c.n * (top // SAMPLE).op("|")(1))
    found = db.session.scalars(sa.select(Complaint.summary_words).where(Complaint.id.in_(keys)))
    return [summary.lower() for summary in found]
