"""The set-based writes of a CSV import: the staged rows go to the database once, then SQL does the rest.

The rows reach here already checked and normalised by the preview (``csv_parse``; ``csv_import``
stages them), so no value is parsed or converted again: each row travels as it was staged, its
time the UTC text SQLite stores, and no loop over the rows runs in Python on SQLite (the driver
and ``itemgetter`` walk them in C). PostgreSQL's server is the one that has to keep up there (its
one core does all the writing while this process waits), so there this process takes work off it.

1. ``stage`` (SQLite): every rating into a temporary table, ``import_rows_staging``, by batched
   ``executemany``. PostgreSQL stages none: its ratings go straight in at step 3.
2. ``upsert_clients``: aliases resolved (one query, the file's ids as one JSON parameter), one row
   per client (the last line wins, an empty e-mail, phone or language keeps an earlier line's)
   into ``import_clients_staging`` (``COPY`` / ``executemany``), the changes of known clients
   audited, then one ``INSERT … SELECT … ON CONFLICT DO UPDATE``.
3. ``insert_ratings``, a range of lines at a time (the progress bar), each range in time order.
   SQLite: ``INSERT INTO ratings … SELECT`` joined to their clients, then the quarter-hour rollup
   counted from the staging table in one statement (``rollups.add_counts_from``). PostgreSQL:
   binary ``COPY`` straight into ``ratings``, each row's client id looked up here (one query for
   all), the rollup counted here on the way and added in one upsert: the server neither stages,
   joins, sorts nor parses a timestamp, and this process builds the rows while it writes them.
   Then the complaints' milestones in one statement (``milestones.refresh_clients_in``).

Everything runs in the caller's transaction: a failure anywhere rolls all of it back. SQLite gets a
roomy page cache for it (``roomy_cache``).
"""

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from itertools import compress, pairwise
from operator import itemgetter

import sqlalchemy as sa

from complaints import milestones, rollups
from complaints.intake.csv_parse import (  # noqa: F401  (the staged layout, read by csv_import)
    COMMENT,
    EMAIL_,
    EXTERNAL_ID,
    LINE,
    LOCALE,
    NAME,
    OCCURRED,
    ORDER_REF,
    PHONE,
    SCORE,
    STORED_FORMAT,
    stored_text,
)
from core import audit
from core.database import UTCDateTime
from core.extensions import db
from core.models import Client

ROWS = "import_rows_staging"
CLIENTS = "import_clients_staging"
SLOTS = "import_slots_staging"  # PostgreSQL: the rollup's counts
COLUMNS = "line, external_id, score, comment, order_ref, occurred_at"
STAGED = itemgetter(LINE, EXTERNAL_ID, SCORE, COMMENT, ORDER_REF, OCCURRED)  # a row's COLUMNS
CLIENT_COLUMNS = "external_id, name, email, phone, locale, kept"
RATING_COLUMNS = (
    "client_id, score, comment, channel, order_ref, occurred_at, received_at, complaint_id"
)
# PostgreSQL's binary COPY sends each value in its column's own type (nothing left to parse)
RATING_TYPES = ("int4", "int4", "text", "varchar", "varchar", "timestamptz", "timestamptz", "int4")
# a staged time's quarter hour from its minutes: "…10:14:59.5" is in the slot "…10:00:00"
QUARTER = {f"{minute:02d}": f"{minute // 15 * 15:02d}:00.000000+00" for minute in range(60)}
CHUNK = 5000  # rows per executemany on SQLite
SCHEMAS = ("main", "temp")  # SQLite's tables, and its staging tables
CACHE_KIB = 64 * 1024  # SQLite's page cache while importing (the default is 2 MiB)
staged_clients = sa.table(CLIENTS, sa.column("external_id"), sa.column("kept"))


def is_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _copy(connection, sql: str, rows: Sequence[Sequence]) -> None:
    """``COPY … FROM STDIN`` on the session's own connection (its transaction)."""
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        with cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
    finally:
        cursor.close()


def _temporary_table(connection, name: str, columns: str, postgresql: bool) -> None:
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
    # PostgreSQL drops it with the transaction; SQLite's is dropped by ``finish``.
    suffix = " ON COMMIT DROP" if postgresql else ""
    connection.exec_driver_sql(f"CREATE TEMPORARY TABLE {name} ({columns}){suffix}")


@contextmanager
def roomy_cache() -> Iterator[None]:
    """On SQLite, a page cache the import's indexes fit in, for the import only.

    A hundred thousand ratings go into three indexes at places all over them; with SQLite's
    default 2 MiB cache the same pages are written out and read back again and again (the insert
    takes about twice as long). The staging tables (schema ``temp``, a cache of its own) get the
    same room. The connection's own settings come back afterwards, even on failure.
    """
    if is_postgresql():
        yield
        return
    raw = db.session.connection().connection.dbapi_connection
    before = [raw.execute(f"PRAGMA {schema}.cache_size").fetchone()[0] for schema in SCHEMAS]
    for schema in SCHEMAS:
        raw.execute(f"PRAGMA {schema}.cache_size = -{CACHE_KIB}")
    try:
        yield
    finally:
        for schema, size in zip(SCHEMAS, before, strict=True):
            raw.execute(f"PRAGMA {schema}.cache_size = {size}")


def stage(rows: list[list]) -> None:
    """SQLite: every staged row into ``import_rows_staging``, with what its rating needs (the
    client's details go to ``import_clients_staging``, one row per client). PostgreSQL stages
    none: ``insert_ratings`` copies the ratings straight into ``ratings``."""
    if is_postgresql():
        return
    connection = db.session.connection()
    _temporary_table(
        connection,
        ROWS,
        "line INTEGER PRIMARY KEY, external_id VARCHAR(120) NOT NULL, score SMALLINT NOT NULL, "
        "comment TEXT, order_ref VARCHAR(120), occurred_at VARCHAR(26) NOT NULL, "
        "complaint_id INTEGER",
        postgresql=False,
    )
    _fill(connection, ROWS, COLUMNS, list(map(STAGED, rows)), postgresql=False)


def _fill(connection, table: str, columns: str, rows: list, postgresql: bool) -> None:
    """Rows into a staging table: ``COPY`` on PostgreSQL, batched ``executemany`` on SQLite."""
    if postgresql:
        _copy(connection, f"COPY {table} ({columns}) FROM STDIN", rows)
        return
    marks = ", ".join("?" * (columns.count(",") + 1))
    insert = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        for start in range(0, len(rows), CHUNK):
            cursor.executemany(insert, rows[start : start + CHUNK])
    finally:
        cursor.close()


def finish() -> None:
    """Drop SQLite's staging tables (PostgreSQL's go with the transaction)."""
    if not is_postgresql():
        connection = db.session.connection()
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {ROWS}")
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {CLIENTS}")


def _latest_clients(rows: list[list], aliases: dict[str, str]) -> list[list]:
    """One ``[external_id, name, email, phone, locale, kept]`` per client: the last line about a
    client wins, but an empty e-mail, phone or language keeps an earlier line's; an alias stands
    for the kept client; ``kept`` says whether the file has a rating of the client that can mark
    a resolved complaint "rated again" (``milestones.KEPT_SCORE_MIN``).

    Built column by column with dicts from pairs (a later pair overwrites an earlier one), so the
    loops over the rows run in C: the rows are in line order.
    """
    ids = list(map(itemgetter(EXTERNAL_ID), rows))
    if aliases:
        ids = [aliases.get(external_id, external_id) for external_id in ids]

    def last(column: int) -> dict:  # the last non-empty value per client (none: a quick pass)
        if not any(map(itemgetter(column), rows)):
            return {}
        return dict(filter(itemgetter(1), zip(ids, map(itemgetter(column), rows), strict=True)))

    names = dict(zip(ids, map(itemgetter(NAME), rows), strict=True))  # never empty
    emails, phones, locales = last(EMAIL_), last(PHONE), last(LOCALE)
    scores = map(itemgetter(SCORE), rows)
    kept = set(compress(ids, map(milestones.KEPT_SCORE_MIN.__le__, scores)))
    return [
        [
            external_id,
            name,
            emails.get(external_id),
            phones.get(external_id),
            locales.get(external_id),
            external_id in kept,
        ]
        for external_id, name in names.items()
    ]


def _newer(old: str, new: str, *details: str) -> str:
    """SQL: the staged client ``new`` changes the known one ``old``: another name, or one of
    ``details`` given and not what ``old`` has (an empty detail never erases one)."""
    given = (
        f"({new}.{d} IS NOT NULL AND ({old}.{d} IS NULL OR {old}.{d} <> {new}.{d}))"
        for d in details
    )
    return " OR ".join((f"{old}.name <> {new}.name", *given))


DETAILS = ("name", "email", "phone")  # audited when changed, as ``core.clients.upsert_client`` does
CHANGED = _newer("c", "s", *DETAILS[1:])
UPSERT = (
    "INSERT INTO clients (external_id, name, email, phone, locale, created_at) "  # noqa: S608
    f"SELECT external_id, name, email, phone, locale, :now FROM {CLIENTS} WHERE true "
    "ON CONFLICT (external_id) DO UPDATE SET name = excluded.name, "
    "email = coalesce(excluded.email, clients.email), "
    "phone = coalesce(excluded.phone, clients.phone), "
    "locale = coalesce(excluded.locale, clients.locale) "
    # A client the file says nothing new about is not written again (no search-index churn);
    # PostgreSQL still locks it, as every conflicting row of an ON CONFLICT DO UPDATE.
    f"WHERE {_newer('clients', 'excluded', *DETAILS[1:], 'locale')}"
)


def upsert_clients(
    rows: list[list], actor_id: int | None, now: datetime
) -> tuple[int, int, dict[str, str]]:
    """Create or update every staged client at once; returns (created, updated, aliases: alias →
    the kept client's external id, for the file's ids that are aliases).

    Staged ids that are aliases (a merge) become the kept client's first, so its row is updated.
    As for ``core.clients.upsert_client`` with another system's data: newer details replace ours,
    an empty one never erases, and each changed known client gets a ``details_changed`` event.
    """
    connection = db.session.connection()
    postgresql = is_postgresql()
    aliases = _aliases(connection, rows, postgresql)
    if aliases and not postgresql:
        connection.exec_driver_sql(
            f"UPDATE {ROWS} SET external_id = (SELECT c.external_id FROM client_aliases a "  # noqa: S608
            f"JOIN clients c ON c.id = a.client_id WHERE a.external_id = {ROWS}.external_id) "
            "WHERE external_id IN (SELECT external_id FROM client_aliases)"
        )
    _temporary_table(
        connection,
        CLIENTS,
        "external_id VARCHAR(120) NOT NULL, name VARCHAR(200), email VARCHAR(254), "
        "phone VARCHAR(40), locale VARCHAR(16), kept BOOLEAN",
        postgresql,
    )
    _fill(connection, CLIENTS, CLIENT_COLUMNS, _latest_clients(rows, aliases), postgresql)
    total, created = connection.exec_driver_sql(
        f"SELECT count(*), count(*) - count(c.id) FROM {CLIENTS} s "  # noqa: S608
        "LEFT JOIN clients c ON c.external_id = s.external_id"
    ).one()
    _audit_changes(connection, actor_id, now)
    upsert = sa.text(UPSERT).bindparams(sa.bindparam("now", type_=UTCDateTime))
    connection.execute(upsert, {"now": now})
    return created, total - created, aliases


def _aliases(connection, rows: list[list], postgresql: bool) -> dict[str, str]:
    """alias → the kept client's external id, for the file's ids that are aliases (a merge). The
    ids go as one JSON parameter (cheaper to send than an array of them)."""
    if postgresql:
        ids = "SELECT json_array_elements_text(CAST(%(ids)s AS json))"
    else:
        ids = "SELECT value FROM json_each(?)"
    found = connection.exec_driver_sql(
        "SELECT a.external_id, c.external_id FROM client_aliases a "  # noqa: S608
        f"JOIN clients c ON c.id = a.client_id WHERE a.external_id IN ({ids})",
        {"ids": _ids_json(rows)} if postgresql else (_ids_json(rows),),
    )
    return dict(found.all())


def _ids_json(rows: list[list]) -> str:
    return json.dumps(list(set(map(itemgetter(EXTERNAL_ID), rows))), ensure_ascii=False)


def _audit_changes(connection, actor_id: int | None, now: datetime) -> None:
    changed = connection.exec_driver_sql(
        "SELECT c.id, c.name, c.email, c.phone, s.name, s.email, s.phone "  # noqa: S608
        f"FROM {CLIENTS} s JOIN clients c ON c.external_id = s.external_id WHERE {CHANGED}"
    ).all()
    events = []
    for client_id, *values in changed:
        changes = {
            field: [old, new]
            for field, old, new in zip(DETAILS, values[:3], values[3:], strict=True)
            if new and new != old
        }
        events.append(
            {
                "at": now,
                "actor_id": actor_id,
                "entity_type": "client",
                "entity_id": client_id,
                "action": "details_changed",
                "details": {"how": "system", "changes": changes},
            }
        )
    if events:
        db.session.execute(sa.insert(audit.AuditEvent), events)


def client_ids_of_lines(rows: list[list], aliases: dict[str, str]) -> dict[int, int]:
    """line → client id, for a few staged rows (after ``upsert_clients``)."""
    kept = {row[LINE]: aliases.get(row[EXTERNAL_ID], row[EXTERNAL_ID]) for row in rows}
    query = sa.select(Client.external_id, Client.id).where(
        Client.external_id.in_(sa.bindparam("ids", expanding=True))
    )
    ids = sorted(set(kept.values()))
    id_of: dict[str, int] = {}
    for start in range(0, len(ids), 500):
        id_of.update(db.session.execute(query, {"ids": ids[start : start + 500]}).all())
    return {line: id_of[external_id] for line, external_id in kept.items()}


def insert_ratings(
    rows: list[list],
    aliases: dict[str, str],
    complaint_of_line: dict[int, int],
    chunk: int,
    progress: Callable[[int], None],
) -> int:
    """Write every rating, ``chunk`` lines at a time, each chunk in time order (``progress(ratings
    so far)`` after each), with the complaint of the lines in ``complaint_of_line``; then count
    them into the rollup and refresh the milestones of their clients' resolved complaints;
    returns how many were written. In time order, the index on ``received_at`` takes them in
    sequence and ids follow time.

    SQLite: ``INSERT INTO ratings … SELECT`` from the staging table joined to the clients (all in
    C inside this process). PostgreSQL: ``_copy_ratings``.
    """
    connection = db.session.connection()
    if is_postgresql():
        done = _copy_ratings(connection, rows, aliases, complaint_of_line, chunk, progress)
    else:
        done = _insert_staged(connection, rows, complaint_of_line, chunk, progress)
    milestones.refresh_clients_in(
        sa.select(Client.id)
        .join(staged_clients, staged_clients.c.external_id == Client.external_id)
        .where(staged_clients.c.kept.is_(True))
    )
    return done


def _insert_staged(connection, rows, complaint_of_line, chunk, progress) -> int:
    """SQLite: the ratings from the staging table, a range of lines per statement."""
    if complaint_of_line:  # the recent low ratings' complaints, noted on their staged lines
        connection.execute(
            sa.text(f"UPDATE {ROWS} SET complaint_id = :complaint WHERE line = :line"),  # noqa: S608
            [{"line": line, "complaint": c} for line, c in complaint_of_line.items()],
        )
    insert = sa.text(
        "INSERT INTO ratings (client_id, score, comment, channel, order_ref, occurred_at, "  # noqa: S608
        "received_at, complaint_id) SELECT c.id, s.score, s.comment, 'import', s.order_ref, "
        f"s.occurred_at, s.occurred_at, s.complaint_id FROM {ROWS} s "
        "JOIN clients c ON c.external_id = s.external_id "
        "WHERE s.line >= :low AND s.line < :high ORDER BY s.occurred_at, s.line"
    )
    lines = [row[LINE] for row in rows]
    bounds = [*lines[::chunk], lines[-1] + 1] if lines else []
    done = 0
    for low, high in pairwise(bounds):
        done += connection.execute(insert, {"low": low, "high": high}).rowcount
        progress(done)
    rollups.add_counts_from(connection, ROWS, "occurred_at")
    return done


def _copy_ratings(connection, rows, aliases, complaint_of_line, chunk, progress) -> int:
    """PostgreSQL: the ratings by binary ``COPY`` straight into ``ratings``, a chunk at a time.

    The server's one core does all of the writing, and the import waits for it: so it gets rows
    it only has to store (no staging table, no join, no sort, no timestamp text to parse) while
    this process, otherwise idle, builds them, each client's id from one query for all. The
    rollup is counted here on the way (the staged time's text gives its quarter hour) and added
    in one upsert; ``rollups.counts_sql`` says the same for SQLite.
    """
    complaint_of = complaint_of_line.get
    slots: dict[str, list] = {}  # quarter hour → [slot, score_1 … score_5]
    by_time = itemgetter(OCCURRED)
    instant_of = datetime.fromisoformat
    done = 0
    cursor = connection.connection.dbapi_connection.cursor()  # plain tuples, 30k of them
    try:
        cursor.execute(
            f"SELECT s.external_id, c.id FROM {CLIENTS} s "  # noqa: S608
            "JOIN clients c ON c.external_id = s.external_id"
        )
        id_of = dict(cursor.fetchall())
        id_of.update((alias, id_of[kept]) for alias, kept in aliases.items())
        for start in range(0, len(rows), chunk):
            with cursor.copy(f"COPY ratings ({RATING_COLUMNS}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(RATING_TYPES)
                write = copy.write_row
                for row in sorted(rows[start : start + chunk], key=by_time):  # stable: line order
                    at = row[OCCURRED]
                    instant = instant_of(at + "+00:00")
                    score = row[SCORE]
                    write(
                        (
                            id_of[row[EXTERNAL_ID]],
                            score,
                            row[COMMENT],
                            "import",
                            row[ORDER_REF],
                            instant,
                            instant,
                            complaint_of(row[LINE]),
                        )
                    )
                    slot = at[:14] + QUARTER[at[14:16]]
                    counts = slots.get(slot)
                    if counts is None:
                        counts = slots[slot] = [slot, 0, 0, 0, 0, 0]
                    counts[score] += 1
            done = min(start + chunk, len(rows))
            progress(done)
    finally:
        cursor.close()
    _temporary_table(
        connection,
        SLOTS,
        "slot_at TIMESTAMPTZ, score_1 INTEGER, score_2 INTEGER, score_3 INTEGER, "
        "score_4 INTEGER, score_5 INTEGER",
        postgresql=True,
    )
    _copy(connection, f"COPY {SLOTS} FROM STDIN", list(slots.values()))
    connection.exec_driver_sql(
        rollups.SLOTS_UPSERT.format(source=f"SELECT * FROM {SLOTS} WHERE true")  # noqa: S608
    )
    return done
