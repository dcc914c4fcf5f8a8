"""The set-based writes of a CSV import: all clients in one statement, all ratings in bulk.

The rows reach here already checked and normalised by the preview (``csv_import`` stages them), so
no value is parsed or converted again: timestamps travel as UTC text in the exact form each backend
stores, and the drivers get plain tuples (SQLAlchemy's per-row type processing would cost more than
the insert itself at 100k rows).

Clients go through a temporary staging table (``import_clients_staging``): on PostgreSQL it is filled with ``COPY``, on SQLite
with one ``executemany``; then a single ``INSERT … SELECT … ON CONFLICT (external_id) DO UPDATE``
creates or updates them all, and one join hands back every id. Ratings are appended with ``COPY``
(PostgreSQL) or ``executemany`` (SQLite), and counted into Insights' quarter-hour rollup
(``rating_slots``) the same way as the clients. Everything runs in the caller's transaction.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa

from core.extensions import db

RATINGS_COPY = (
    "COPY ratings (client_id, score, comment, channel, order_ref, occurred_at, received_at, "
    "complaint_id) FROM STDIN"
)
# Staged rows are lists in this order (see ``csv_import.staged_row``).
LINE, EXTERNAL_ID, NAME, EMAIL, PHONE, SCORE, COMMENT, ORDER_REF, OCCURRED, LOCALE = range(10)
STORED_FORMAT = "%Y-%m-%d %H:%M:%S.%f"  # how SQLite stores a UTCDateTime (UTC, naive)


def stored_text(instant: datetime) -> str:
    """An aware datetime as the UTC text staged rows carry."""
    return instant.astimezone(UTC).strftime(STORED_FORMAT)


def _is_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _for_backend(text: str | None, postgresql: bool) -> str | None:
    """Staged UTC text as the backend takes it (PostgreSQL needs the offset for timestamptz)."""
    if text is None or not postgresql:
        return text
    return text + "+00"


def _copy(connection, sql: str, rows: Sequence[Sequence]) -> None:
    """``COPY … FROM STDIN`` on the session's own connection (its transaction)."""
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        with cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
    finally:
        cursor.close()


def upsert_clients(clients: list[tuple], now: datetime) -> dict[str, int]:
    """``(external_id, name, email, phone, locale)`` each: created or updated at once;
    external_id → id.

    An empty e-mail, phone or language in the file never erases what Huddle knows (``coalesce``).
    """
    if not clients:
        return {}
    connection = db.session.connection()
    postgresql = _is_postgresql()
    connection.exec_driver_sql("DROP TABLE IF EXISTS import_clients_staging")
    connection.exec_driver_sql(
        "CREATE TEMPORARY TABLE import_clients_staging (external_id VARCHAR(120) PRIMARY KEY, "
        "name VARCHAR(200), email VARCHAR(254), phone VARCHAR(40), locale VARCHAR(16))"
    )
    if postgresql:
        _copy(
            connection,
            "COPY import_clients_staging (external_id, name, email, phone, locale) FROM STDIN",
            clients,
        )
    else:
        connection.exec_driver_sql(
            "INSERT INTO import_clients_staging VALUES (?, ?, ?, ?, ?)", clients
        )
    # "WHERE true" lets SQLite tell the upsert's ON CONFLICT from a join condition.
    connection.execute(
        sa.text(
            "INSERT INTO clients (external_id, name, email, phone, locale, created_at) "
            "SELECT external_id, name, email, phone, locale, :now FROM import_clients_staging "
            "WHERE true ON CONFLICT (external_id) DO UPDATE SET name = excluded.name, "
            "email = coalesce(excluded.email, clients.email), "
            "phone = coalesce(excluded.phone, clients.phone), "
            "locale = coalesce(excluded.locale, clients.locale)"
        ),
        {"now": _for_backend(stored_text(now), postgresql)},
    )
    ids = dict(
        connection.exec_driver_sql(
            "SELECT s.external_id, c.id FROM import_clients_staging s "
            "JOIN clients c ON c.external_id = s.external_id"
        ).all()
    )
    connection.exec_driver_sql("DROP TABLE import_clients_staging")
    return ids


def insert_ratings(ratings: list[tuple]) -> None:
    """Append ratings, each a tuple in the order of ``RATINGS_COPY`` with timestamps as staged text."""
    if not ratings:
        return
    connection = db.session.connection()
    if _is_postgresql():
        ratings = [
            (*rating[:5], rating[5] + "+00", rating[6] + "+00", rating[7]) for rating in ratings
        ]
        _copy(connection, RATINGS_COPY, ratings)
        return
    connection.exec_driver_sql(
        "INSERT INTO ratings (client_id, score, comment, channel, order_ref, occurred_at, "
        "received_at, complaint_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        ratings,
    )


SLOTS_UPSERT = (
    "INSERT INTO rating_slots (slot_at, score_1, score_2, score_3, score_4, score_5) {source} "
    "ON CONFLICT (slot_at) DO UPDATE SET score_1 = rating_slots.score_1 + excluded.score_1, "
    "score_2 = rating_slots.score_2 + excluded.score_2, "
    "score_3 = rating_slots.score_3 + excluded.score_3, "
    "score_4 = rating_slots.score_4 + excluded.score_4, "
    "score_5 = rating_slots.score_5 + excluded.score_5"
)


def count_ratings(rows: list[list]) -> None:
    """Add the imported ratings to the quarter-hour rollup Insights reads (same transaction).

    Counted once for the whole file, straight from the staged text (``YYYY-MM-DD HH:MM``…), and
    written like the clients: one upsert per slot touched, from a staging table on PostgreSQL.
    """
    slots: dict[str, list[int]] = {}
    for row in rows:
        text = row[OCCURRED]
        slot = f"{text[:14]}{int(text[14:16]) // 15 * 15:02d}:00.000000"
        slots.setdefault(slot, [0, 0, 0, 0, 0])[row[SCORE] - 1] += 1
    if not slots:
        return
    connection = db.session.connection()
    if not _is_postgresql():
        connection.exec_driver_sql(
            SLOTS_UPSERT.format(source="VALUES (?, ?, ?, ?, ?, ?)"),
            [(slot, *counts) for slot, counts in slots.items()],
        )
        return
    connection.exec_driver_sql("DROP TABLE IF EXISTS rating_slots_staging")
    connection.exec_driver_sql(
        "CREATE TEMPORARY TABLE rating_slots_staging (slot_at TIMESTAMPTZ PRIMARY KEY, "
        "score_1 INTEGER, score_2 INTEGER, score_3 INTEGER, score_4 INTEGER, score_5 INTEGER)"
    )
    _copy(
        connection,
        "COPY rating_slots_staging FROM STDIN",
        [(slot + "+00", *counts) for slot, counts in slots.items()],
    )
    connection.exec_driver_sql(
        SLOTS_UPSERT.format(source="SELECT * FROM rating_slots_staging WHERE true")
    )
    connection.exec_driver_sql("DROP TABLE rating_slots_staging")
