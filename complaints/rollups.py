"""Ratings counted per quarter hour and score, kept current in the same transaction as each rating.

Insights counts ratings (and low ones) for a period and the one before it, and low ratings per
local day. Counting the rating rows themselves grows with the table (a year is a million rows);
this rollup has at most one row per quarter hour, whatever the volume. A quarter hour because
every time zone's local midnight (and every daylight-saving change) falls on one, so a period of
local days in any zone is an exact set of slots; scores are columns, so "low" can follow
``LOW_RATING_MAX`` when it changes.

Every rating added through the ORM is counted by the ``after_insert`` listener below, on the
inserting transaction's own connection; bulk inserts add their counts themselves in the same
transaction (``add_counts``, or set-based from a staging table like the CSV import's, ``add_counts_from``). Ratings are never updated or deleted. ``rebuild`` recounts everything from the rating
rows (the migration, and benchmark seeders that insert with raw SQL).
"""

from collections import Counter
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from complaints.models import Rating
from core.database import UTCDateTime
from core.extensions import db

SLOT_MINUTES = 15
SCORES = (1, 2, 3, 4, 5)


class RatingSlot(db.Model):
    """How many ratings of each score were received in the quarter hour starting at ``slot_at``."""

    __tablename__ = "rating_slots"

    slot_at: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    score_1: Mapped[int] = mapped_column(default=0, server_default="0")
    score_2: Mapped[int] = mapped_column(default=0, server_default="0")
    score_3: Mapped[int] = mapped_column(default=0, server_default="0")
    score_4: Mapped[int] = mapped_column(default=0, server_default="0")
    score_5: Mapped[int] = mapped_column(default=0, server_default="0")


def slot_of(instant: datetime) -> datetime:
    """The start of the quarter hour ``instant`` falls in (aware UTC)."""
    instant = instant.astimezone(UTC)
    minute = instant.minute - instant.minute % SLOT_MINUTES
    return instant.replace(minute=minute, second=0, microsecond=0)


def ratings_sum(low_max: int | None = None):
    """SQL: the slot's ratings (all, or those scored at most ``low_max``)."""
    columns = [getattr(RatingSlot, f"score_{score}") for score in SCORES]
    if low_max is not None:
        columns = columns[: max(0, min(low_max, len(SCORES)))]
    if not columns:
        return sa.literal(0)
    total = columns[0]
    for column in columns[1:]:
        total = total + column
    return total


def add_counts(connection, counts: Counter) -> None:
    """Add ``{(slot, score): n}`` to the rollup: one upsert per slot touched."""
    slots: dict[datetime, dict[str, int]] = {}
    for (slot, score), n in counts.items():
        slots.setdefault(slot, dict.fromkeys((f"score_{s}" for s in SCORES), 0))[
            f"score_{score}"
        ] += n
    if not slots:
        return
    table = RatingSlot.__table__
    module = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = module.insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.slot_at],
        set_={
            f"score_{s}": table.c[f"score_{s}"] + statement.excluded[f"score_{s}"] for s in SCORES
        },
    )
    connection.execute(statement, [{"slot_at": slot, **scores} for slot, scores in slots.items()])


@sa.event.listens_for(Rating, "after_insert")
def _counted(_mapper, connection, rating: Rating) -> None:
    add_counts(connection, Counter({(slot_of(rating.received_at), rating.score): 1}))


def rebuild() -> None:
    """Recount the whole rollup from the rating rows (inside the caller's transaction)."""
    db.session.execute(sa.delete(RatingSlot))
    connection = db.session.connection()
    connection.exec_driver_sql(rebuild_sql(connection.dialect.name))


def rebuild_sql(dialect: str) -> str:
    """``INSERT INTO rating_slots … SELECT`` over all ratings, for ``dialect`` (the migration too)."""
    columns = "slot_at, score_1, score_2, score_3, score_4, score_5"
    return f"INSERT INTO rating_slots ({columns}) {counts_sql(dialect, 'ratings', 'received_at')}"


def counts_sql(dialect: str, source: str, column: str) -> str:
    """``SELECT slot, score_1 … score_5`` counted from the rows of ``source`` by ``column``, an
    instant (PostgreSQL: a timestamptz expression; SQLite: UTC text as ``UTCDateTime`` stores it)."""
    sums = ", ".join(f"sum(CASE WHEN score = {s} THEN 1 ELSE 0 END)" for s in SCORES)
    if dialect == "postgresql":
        slot = f"date_bin('15 minutes', {column}, TIMESTAMPTZ '2000-01-01 00:00:00+00')"
        # "WHERE true" lets SQLite tell an upsert's ON CONFLICT from a join condition.
        return f"SELECT {slot}, {sums} FROM {source} WHERE true GROUP BY {slot}"  # noqa: S608
    # Stored as 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC: grouped by the hour's text and the quarter's
    # number, the slot's text is built once per group (a fifth faster than per row).
    return (
        "SELECT hour || printf('%02d', quarter * 15) || ':00.000000', "  # noqa: S608
        f"{sums} FROM (SELECT substr({column}, 1, 14) AS hour, "
        f"CAST(substr({column}, 15, 2) AS INTEGER) / 15 AS quarter, score FROM {source}) "
        "WHERE true GROUP BY hour, quarter"
    )


SLOTS_UPSERT = (
    "INSERT INTO rating_slots (slot_at, score_1, score_2, score_3, score_4, score_5) {source} "
    "ON CONFLICT (slot_at) DO UPDATE SET score_1 = rating_slots.score_1 + excluded.score_1, "
    "score_2 = rating_slots.score_2 + excluded.score_2, "
    "score_3 = rating_slots.score_3 + excluded.score_3, "
    "score_4 = rating_slots.score_4 + excluded.score_4, "
    "score_5 = rating_slots.score_5 + excluded.score_5"
)


def add_counts_from(connection, source: str, column: str) -> None:
    """Add the ratings held in table ``source`` (a bulk import's staging) to the rollup, set-based:
    one statement, one upsert per quarter hour touched."""
    dialect = connection.dialect.name
    connection.exec_driver_sql(SLOTS_UPSERT.format(source=counts_sql(dialect, source, column)))
