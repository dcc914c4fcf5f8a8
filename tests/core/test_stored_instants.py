"""``UTCDateTime`` on SQLite reads its stored text as a UTC instant in one step (issue #16), and
whatever text a column holds comes back as the same aware instant the general way gave."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from core.database import UTCDateTime

METADATA = sa.MetaData()
STAMPS = sa.Table(
    "stamps",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", UTCDateTime),
)


@pytest.fixture
def engine(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'stamps.db'}")
    METADATA.create_all(engine)
    yield engine
    engine.dispose()


@pytest.mark.parametrize(
    ("stored", "instant"),
    [
        # as UTCDateTime writes it, with and without microseconds
        ("2026-12-05 10:11:12.123456", datetime(2026, 12, 5, 10, 11, 12, 123456, tzinfo=UTC)),
        ("2026-12-05 10:11:12", datetime(2026, 12, 5, 10, 11, 12, tzinfo=UTC)),
        # as SQLite's own CURRENT_TIMESTAMP, raw SQL or another tool may write it
        ("2026-12-05 10:11:12.123", datetime(2026, 12, 5, 10, 11, 12, 123000, tzinfo=UTC)),
        ("2026-12-05T10:11:12", datetime(2026, 12, 5, 10, 11, 12, tzinfo=UTC)),
        ("2026-12-05 10:11", datetime(2026, 12, 5, 10, 11, tzinfo=UTC)),
        # shapes the fast reading cannot take: a bare date, a written offset, Z
        ("2026-12-05", datetime(2026, 12, 5, tzinfo=UTC)),
        ("2026-12-05 10:11:12+02:00", datetime(2026, 12, 5, 8, 11, 12, tzinfo=UTC)),
        ("2026-12-05 10:11:12Z", datetime(2026, 12, 5, 10, 11, 12, tzinfo=UTC)),
    ],
)
def test_stored_text_reads_as_the_utc_instant(engine, stored, instant):
    with engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO stamps (id, at) VALUES (1, ?)", (stored,))
        read = connection.scalar(sa.select(STAMPS.c.at))
    assert read == instant
    assert read.tzinfo is UTC


def test_an_instant_written_in_any_zone_reads_back_in_utc(engine):
    written = datetime(2026, 3, 29, 2, 30, 0, 7, tzinfo=timezone(timedelta(hours=-3)))
    with engine.begin() as connection:
        connection.execute(STAMPS.insert(), [{"id": 1, "at": written}, {"id": 2, "at": None}])
        stored = connection.exec_driver_sql("SELECT at FROM stamps WHERE id = 1").scalar()
        read = dict(connection.execute(sa.select(STAMPS.c.id, STAMPS.c.at)).all())
    assert stored == "2026-03-29 05:30:00.000007"
    assert read == {1: written, 2: None}
    assert read[1].tzinfo is UTC


def test_text_that_is_no_instant_is_refused_as_before(engine):
    with engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO stamps (id, at) VALUES (1, 'soon')")
        with pytest.raises(ValueError, match="soon"):
            connection.scalar(sa.select(STAMPS.c.at))
