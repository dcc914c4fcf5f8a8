"""The set-based writes of a CSV import: the staged rows go to the database once, then SQL does the rest.

The rows reach here already checked and normalised by the preview (``csv_parse``; ``csv_import``
stages them), so no value is parsed or converted again: each row travels as it was staged, its
time the UTC text SQLite stores, and no loop over the rows runs in Python on SQLite (the driver
and ``itemgetter`` walk them in C). PostgreSQL's server is the one that has to keep up there (its
one core does all the writing while this process waits), so there this process takes work off it.

1. ``aliases_of``, before anything else: the file's ids that are aliases of a merged client (one
   query, the ids as one JSON parameter), so that a line written with an alias and one with the
   client's own id, the same rating, are written once (``csv_stored.repeated_lines``).
2. ``stage`` (SQLite): every rating into a temporary table, ``import_rows_staging``, by batched
   ``executemany``. PostgreSQL stages none: its ratings go straight in at step 4.
3. ``upsert_clients``: aliases resolved and the file's known clients read (one query, the
   ids as one JSON parameter); one row per client (the last line wins, an empty e-mail, phone or
   language keeps an earlier line's) compared here with what Huddle has, so that only the new
   clients are inserted (PostgreSQL: one binary ``COPY``, ids taken from the sequence first;
   SQLite: one ``INSERT … SELECT`` from a JSON parameter) and only the changed ones updated (one
   ``UPDATE … FROM`` a JSON parameter) and audited like ``upsert_client`` (one ``INSERT …
   SELECT`` from a JSON parameter). Before any of that, the lines whose rating Huddle holds
   already are found in one statement (``csv_stored``: SQLite deletes them from its staging
   table, PostgreSQL asks with the known clients' ids) and skipped from here on. PostgreSQL
   knows every client's id before it writes any, so a second thread starts building the
   rating rows of the other lines then (``csv_copy``: plain Python, no database), while the
   server writes the clients.
4. ``insert_ratings``, a range of lines at a time (the progress bar), each range in time order.
   SQLite: ``INSERT INTO ratings … SELECT`` joined to their clients, then the quarter-hour rollup
   counted from the staging table in one statement (``rollups.add_counts_from``). PostgreSQL:
   binary ``COPY`` straight into ``ratings`` of the rows the thread built (the recent low ones
   given their complaints here), the rollup it counted on the way added in one upsert: the
   server neither stages, joins, sorts nor parses a timestamp. Then the milestones of the known
   clients' resolved complaints in one statement (``milestones.refresh_clients_in``).

Everything runs in the caller's transaction: a failure anywhere rolls all of it back. SQLite gets a
roomy page cache for it (``roomy_cache``).
"""

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from datetime import datetime
from itertools import compress, pairwise
from operator import itemgetter
from typing import NamedTuple

import sqlalchemy as sa

from complaints import milestones, rollups
from complaints.intake import csv_stored
from complaints.intake.csv_copy import RatingRows
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
from core.database import UTCDateTime
from core.extensions import db
from core.models import Client

ROWS = "import_rows_staging"
SLOTS = "import_slots_staging"  # PostgreSQL: the rollup's counts
COLUMNS = "line, external_id, score, comment, order_ref, occurred_at"
STAGED = itemgetter(LINE, EXTERNAL_ID, SCORE, COMMENT, ORDER_REF, OCCURRED)  # a row's COLUMNS
RATING_COLUMNS = (
    "client_id, score, comment, channel, order_ref, occurred_at, received_at, complaint_id"
)
# PostgreSQL's binary COPY sends each value in its column's own type (nothing left to parse)
RATING_TYPES = ("int4", "int4", "text", "varchar", "varchar", "timestamptz", "timestamptz", "int4")
CHUNK = 5000  # rows per executemany on SQLite
SCHEMAS = ("main", "temp")  # SQLite's tables, and its staging tables
CACHE_KIB = 64 * 1024  # SQLite's page cache while importing (the default is 2 MiB)


def is_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _driver_cursor(connection):
    """The driver's own cursor on the session's connection (its transaction), for what the
    driver does better than SQLAlchemy here (``COPY``, ``executemany``, plain tuples); closed
    after the ``with`` block."""
    return closing(connection.connection.dbapi_connection.cursor())


def _copy(connection, sql: str, rows: Sequence[Sequence]) -> None:
    """``COPY … FROM STDIN`` on the session's own connection (its transaction)."""
    with _driver_cursor(connection) as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


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
    """SQLite: every staged row into ``import_rows_staging`` with what its rating needs, by
    batched ``executemany``. PostgreSQL stages none: ``insert_ratings`` copies the ratings
    straight into ``ratings``."""
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
    staged = list(map(STAGED, rows))
    marks = ", ".join("?" * (COLUMNS.count(",") + 1))
    insert = f"INSERT INTO {ROWS} ({COLUMNS}) VALUES ({marks})"  # noqa: S608
    with _driver_cursor(connection) as cursor:
        for start in range(0, len(staged), CHUNK):
            cursor.executemany(insert, staged[start : start + CHUNK])


def finish() -> None:
    """Drop SQLite's staging tables (PostgreSQL's go with the transaction)."""
    if not is_postgresql():
        connection = db.session.connection()
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {ROWS}")


def _latest_clients(rows: list[list], aliases: dict[str, str]) -> dict[str, list]:
    """external id → ``[name, email, phone, locale, kept]``, one per client: the last line about a
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
    return {
        external_id: [
            name,
            emails.get(external_id),
            phones.get(external_id),
            locales.get(external_id),
            external_id in kept,
        ]
        for external_id, name in names.items()
    }


DETAILS = ("name", "email", "phone")  # audited when changed, as ``core.clients.upsert_client`` does
WRITTEN = ("name", "email", "phone", "locale")  # what the file can change of a known client
NEW_CLIENT_COLUMNS = "id, external_id, name, email, phone, locale, created_at"
# SQLite: the new clients from one JSON parameter of [external_id, name, email, phone, locale]
INSERT_SQLITE = (
    "INSERT INTO clients (external_id, name, email, phone, locale, created_at) "
    "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), "
    "json_extract(value, '$[2]'), json_extract(value, '$[3]'), json_extract(value, '$[4]'), ? "
    "FROM json_each(?)"
)
# The changed clients from one JSON parameter of [id, name, email, phone, locale]: one statement
UPDATE = {
    False: "UPDATE clients SET name = json_extract(value, '$[1]'), "
    "email = json_extract(value, '$[2]'), phone = json_extract(value, '$[3]'), "
    "locale = json_extract(value, '$[4]') "
    "FROM json_each(?) WHERE clients.id = json_extract(value, '$[0]')",
    True: "UPDATE clients SET name = v ->> 1, email = v ->> 2, phone = v ->> 3, locale = v ->> 4 "
    "FROM json_array_elements(CAST(%(json)s AS json)) AS v WHERE clients.id = (v ->> 0)::int",
}
NEW_CLIENT_TYPES = ("int4", "varchar", "varchar", "varchar", "varchar", "varchar", "timestamptz")


class Clients(NamedTuple):
    """What ``upsert_clients`` did, and what the ratings need from it."""

    created: int
    updated: int  # the file's known clients whose details it changed (not those it left alone)
    aliases: dict[str, str]  # alias → the kept client's external id
    id_of: dict[str, int]  # external id (or alias) → client id: PostgreSQL's ratings; SQLite: {}
    kept_known: list[int]  # known clients rated high enough to mark a resolved complaint
    ratings: RatingRows | None  # PostgreSQL: the rating rows, being built meanwhile
    stored: set[int]  # the lines whose rating Huddle holds already: skipped (``csv_stored``)

    def close(self) -> None:
        """Stop building the rating rows, if that is still going on (the import failed)."""
        if self.ratings is not None:
            self.ratings.close()


def upsert_clients(
    rows: list[list],
    actor_id: int | None,
    now: datetime,
    held: set[int],
    chunk: int,
    aliases: dict[str, str],
) -> Clients:
    """Create or update every client of the file at once.

    Staged ids that are aliases (a merge; ``aliases``, from ``aliases_of``) become the kept
    client's first, so its row is updated.
    As for ``core.clients.upsert_client`` with another system's data: newer details replace ours,
    an empty one never erases, and each changed known client gets a ``details_changed`` event.

    The file's known clients are read in one query and compared here, so only a client that is
    new is inserted and only one whose details change is written again: a plain insert of the
    new ones (sorted by external id, so the unique index takes them in order; PostgreSQL: one
    ``COPY`` with ids taken from the sequence beforehand, so the ratings need no second query),
    an ``UPDATE`` by id of the changed ones, nothing for the rest (no index, trigram or search
    table churn, no row lock). An ``INSERT … ON CONFLICT`` of every client cost the server more
    than a third of the import. On SQLite the import holds the write lock; on PostgreSQL a client
    another transaction creates meanwhile with the same id fails the import, which wrote nothing
    and can be run again.

    PostgreSQL: every client's id is known before any client is written (the new ones' taken
    from the sequence first), so the rating rows start being built on a second thread
    (``csv_copy.RatingRows``, ``chunk`` lines a ``COPY``, the ``held`` lines' complaints filled
    in later) while the server writes the clients; ``Clients.ratings`` holds them.
    """
    connection = db.session.connection()
    postgresql = is_postgresql()
    if aliases and not postgresql:
        connection.exec_driver_sql(
            f"UPDATE {ROWS} SET external_id = (SELECT c.external_id FROM client_aliases a "  # noqa: S608
            f"JOIN clients c ON c.id = a.client_id WHERE a.external_id = {ROWS}.external_id) "
            "WHERE external_id IN (SELECT external_id FROM client_aliases)"
        )
    latest = _latest_clients(rows, aliases)
    known = _known_clients(connection, list(latest), postgresql)
    stored = _stored(connection, rows, aliases, known, postgresql)
    new = sorted(external_id for external_id in latest if external_id not in known)
    # This process's own work on the clients first, while no thread competes for the
    # interpreter: the server waits for it (a re-import compares 28k known clients).
    changes = _changes(latest, known)
    events = _audit_events(changes)
    id_of, ratings = {}, None
    if postgresql:
        id_of = dict(zip(new, _new_ids(connection, len(new)), strict=True))
        id_of.update((external_id, known[external_id][0]) for external_id in known)
        id_of.update((alias, id_of[kept]) for alias, kept in aliases.items())
        rated = [row for row in rows if row[LINE] not in stored] if stored else rows
        ratings = RatingRows(rated, id_of, held, chunk)
    try:
        if events:
            _audit(connection, events, actor_id, now, postgresql)
        changed = [[client_id, *values] for client_id, _old, values in changes]
        connection.exec_driver_sql(UPDATE[postgresql], _json_parameter(changed, postgresql))
        _insert_new(connection, new, latest, id_of, now, postgresql)
    except BaseException:
        if ratings is not None:
            ratings.close()
        raise
    kept_known = [known[external_id][0] for external_id in known if latest[external_id][4]]
    return Clients(len(new), len(changes), aliases, id_of, kept_known, ratings, stored)


def _stored(connection, rows, aliases: dict[str, str], known: dict[str, list], postgresql) -> set:
    """The lines whose rating is stored already (``csv_stored``), found before anything is
    written: SQLite deletes them from its staging table (its aliases already resolved there),
    PostgreSQL asks with the ids of the known clients and leaves them out of the ``COPY``."""
    if not postgresql:
        return csv_stored.drop_staged(connection)
    id_of = {external_id: values[0] for external_id, values in known.items()}
    id_of.update((alias, id_of[kept]) for alias, kept in aliases.items() if kept in id_of)
    return csv_stored.stored_lines(connection, rows, id_of)


def _changes(latest: dict[str, list], known: dict[str, list]) -> list[tuple[int, list, list]]:
    """(id, old, new) [name, email, phone, locale] of each known client whose details the file
    changes: the file's name wins, its empty e-mail, phone or language keeps ours."""
    changes = []
    append = changes.append
    for external_id, (client_id, *old) in known.items():
        name, email, phone, locale, _kept = latest[external_id]
        values = [
            name,
            old[1] if email is None else email,
            old[2] if phone is None else phone,
            old[3] if locale is None else locale,
        ]
        if values != old:
            append((client_id, old, values))
    return changes


def _known_clients(connection, external_ids: list[str], postgresql: bool) -> dict[str, list]:
    """external id → [id, name, email, phone, locale] of those Huddle knows: one query, the ids
    as one JSON parameter, read as the driver's plain tuples (a re-import reads every client)."""
    with _driver_cursor(connection) as cursor:
        cursor.execute(
            "SELECT external_id, id, name, email, phone, locale FROM clients "  # noqa: S608
            f"WHERE external_id IN ({_json_values(postgresql)})",
            _json_parameter(external_ids, postgresql),
        )
        found = cursor.fetchall()
    return {row[0]: list(row[1:]) for row in found}


# PostgreSQL: n new client ids. The sequence is named once, in a subquery kept apart (OFFSET 0),
# so each row is a bare nextval: written inside it, pg_get_serial_sequence (a pg_depend scan) and
# the text's cast to regclass ran again for every id (29k ids: 76 ms of the server, now 13.5 ms,
# what a constant sequence name costs; scripts/bench_import.py's database).
NEW_IDS = (
    "SELECT nextval(sequence) FROM "
    "(SELECT CAST(pg_get_serial_sequence('clients', 'id') AS regclass) AS sequence OFFSET 0) s, "
    "generate_series(1, %s)"
)


def _new_ids(connection, count: int) -> list[int]:
    """PostgreSQL: ``count`` ids for new clients, taken from their sequence in one statement."""
    if not count:
        return []
    with _driver_cursor(connection) as cursor:
        cursor.execute(NEW_IDS, (count,))
        return [client_id for (client_id,) in cursor.fetchall()]


def _insert_new(connection, new: list[str], latest: dict, id_of: dict, now, postgresql: bool):
    """Insert the new clients (in the order given): PostgreSQL with the ids ``_new_ids`` took
    (one binary ``COPY``), SQLite by one statement (its ratings join the clients by external
    id)."""
    if not postgresql:
        # One statement: each one fires the search table's trigger, and FTS5 writes its pending
        # terms out at every statement (an executemany of 29k clients took 1.4 s, this 0.3 s).
        values = [[external_id, *latest[external_id][:4]] for external_id in new]
        connection.exec_driver_sql(INSERT_SQLITE, (stored_text(now), json.dumps(values)))
        return
    if not new:
        return
    with _driver_cursor(connection) as cursor:
        copy_sql = f"COPY clients ({NEW_CLIENT_COLUMNS}) FROM STDIN (FORMAT BINARY)"
        with cursor.copy(copy_sql) as copy:
            copy.set_types(NEW_CLIENT_TYPES)
            for external_id in new:
                copy.write_row((id_of[external_id], external_id, *latest[external_id][:4], now))


def _json_values(postgresql: bool) -> str:
    """SQL: the values of the JSON array given as the one parameter (see ``_json_parameter``)."""
    if postgresql:
        return "SELECT json_array_elements_text(CAST(%(json)s AS json))"
    return "SELECT value FROM json_each(?)"


def _json_parameter(values: list, postgresql: bool):
    text = json.dumps(values, ensure_ascii=False)
    return {"json": text} if postgresql else (text,)


def aliases_of(rows: list[list]) -> dict[str, str]:
    """alias → the kept client's external id, for the file's ids that are aliases (a merge): read
    first, as ``upsert_clients`` resolves them and ``csv_stored.repeated_lines`` needs them. The
    ids go as one JSON parameter (cheaper to send than an array of them)."""
    connection = db.session.connection()
    postgresql = is_postgresql()
    found = connection.exec_driver_sql(
        "SELECT a.external_id, c.external_id FROM client_aliases a "  # noqa: S608
        f"JOIN clients c ON c.id = a.client_id WHERE a.external_id IN ({_json_values(postgresql)})",
        _json_parameter(list(set(map(itemgetter(EXTERNAL_ID), rows))), postgresql),
    )
    return dict(found.all())


# The audit events from one JSON parameter of [client id, details]: one statement for any number
AUDIT = {
    False: "INSERT INTO audit_events (at, actor_id, entity_type, entity_id, action, details) "
    "SELECT :at, :actor, 'client', json_extract(value, '$[0]'), 'details_changed', "
    "json_extract(value, '$[1]') FROM json_each(:events)",
    True: "INSERT INTO audit_events (at, actor_id, entity_type, entity_id, action, details) "
    "SELECT CAST(:at AS timestamptz), CAST(:actor AS integer), 'client', (v ->> 0)::int, "
    "'details_changed', v -> 1 FROM json_array_elements(CAST(:events AS json)) AS v",
}


def _audit_events(changes: list[tuple[int, list, list]]) -> list[list]:
    """[client id, details] of a ``details_changed`` event per known client whose name, e-mail
    or phone changes (the language is written without one, as ever), the details as
    ``core.audit.record`` writes them."""
    events = []
    for client_id, old, values in changes:
        changed = {
            field: [before, after]
            for field, before, after in zip(DETAILS, old[:3], values[:3], strict=True)
            if after != before
        }
        if changed:
            events.append([client_id, {"how": "system", "changes": changed}])
    return events


def _audit(connection, events: list[list], actor_id: int | None, now, postgresql: bool) -> None:
    """The ``events`` by one ``INSERT … SELECT`` from a JSON parameter: a re-import renaming
    9,500 clients sent 9,500 rows through the ORM's insert (this process's time, while the
    server waited)."""
    statement = sa.text(AUDIT[postgresql]).bindparams(
        sa.bindparam("at", type_=UTCDateTime), sa.bindparam("actor", type_=sa.Integer)
    )
    connection.execute(
        statement, {"at": now, "actor": actor_id, "events": json.dumps(events, ensure_ascii=False)}
    )


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
    clients: Clients,
    complaint_of_line: dict[int, int],
    chunk: int,
    progress: Callable[[int], None],
) -> int:
    """Write every rating, ``chunk`` lines at a time, each chunk in time order (``progress(ratings
    so far)`` after each), with the complaint of the lines in ``complaint_of_line``; then count
    them into the rollup and refresh the milestones of their clients' resolved complaints (a
    client new to Huddle has none); returns how many were written. In time order, the index on
    ``received_at`` takes them in sequence and ids follow time.

    SQLite: ``INSERT INTO ratings … SELECT`` from the staging table joined to the clients (all in
    C inside this process). PostgreSQL: ``_copy_ratings``.
    """
    connection = db.session.connection()
    postgresql = is_postgresql()
    if postgresql:
        done = _copy_ratings(connection, clients.ratings, complaint_of_line, progress)
    else:
        done = _insert_staged(connection, rows, complaint_of_line, chunk, progress)
    ids = sa.bindparam("kept", value=json.dumps(clients.kept_known))  # one statement, even for none
    if postgresql:
        kept = sa.select(
            sa.cast(sa.func.json_array_elements_text(sa.cast(ids, sa.JSON)), sa.Integer)
        )
    else:
        kept = sa.select(sa.column("value")).select_from(sa.func.json_each(ids))
    milestones.refresh_clients_in(kept)
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


def _copy_ratings(connection, ratings: RatingRows, complaint_of_line, progress) -> int:
    """PostgreSQL: the ratings by binary ``COPY`` straight into ``ratings``, a chunk at a time.

    The server's one core does all of the writing, and the import waits for it: so it gets rows
    it only has to store (no staging table, no join, no sort, no timestamp text to parse), which
    a second thread has been building since every client's id was known (``csv_copy``): here
    each chunk only gets the complaints of its recent low ratings and is sent. The rollup,
    counted on the way, is added in one upsert; ``rollups.counts_sql`` says the same for SQLite.
    """
    complaint_of = complaint_of_line.get
    done = 0
    with _driver_cursor(connection) as cursor:
        for chunk in ratings:
            built = chunk.rows
            for line, index in chunk.held.items():
                built[index] = (*built[index][:-1], complaint_of(line))
            with cursor.copy(f"COPY ratings ({RATING_COLUMNS}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(RATING_TYPES)
                write = copy.write_row
                for row in built:
                    write(row)
            done += len(built)
            progress(done)
    slots = ratings.slots
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
