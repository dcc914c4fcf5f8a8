"""What a search's sample decides (issue #16): the sample is read once per request."""

import pytest

from complaints import search_pieces
from complaints.listing import Filters, open_complaints
from core.database import utcnow
from tests.complaints.test_search_paths import rows  # noqa: F401 (the fixture)
from tests.support.queries import count_statements


@pytest.fixture
def viewer_id(rows):  # noqa: F811 (the imported fixture)
    return rows[0]


def _matches_read(statements: list[str]) -> bool:
    """Whether the open matches were read (the open condition as an expression no index serves)."""
    return any("CAST(complaints.is_open AS INTEGER)" in s for s in statements)


@pytest.mark.parametrize("q", ["late", "courier late"])
def test_the_sample_is_read_once_per_search(app, viewer_id, monkeypatch, q):
    """Both estimates (is it dense; which parts to ask the index for) use one read of the
    sample: the newest key and the sample, one statement each, even when the list then reads
    the matches and estimates the parts."""
    monkeypatch.setattr(search_pieces, "MIN_ROWS", 0)
    monkeypatch.setattr(search_pieces, "MIN_LENGTH", 3)
    monkeypatch.setattr(search_pieces, "COMMON_IN", 10**6)  # never dense: the matches are read
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
