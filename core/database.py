"""The declarative base, column types and engine tuning shared by every package's models."""

import functools
import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context, request, request_started
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session
from sqlalchemy.sql.expression import UnaryExpression
from sqlalchemy.sql.operators import custom_op

# Named constraints let Alembic drop and alter them on every backend (SQLite batch mode needs names).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """The current instant, timezone-aware, so comparisons never mix naive and aware values."""
    return datetime.now(UTC)


def held_by_another(session: Session, column, value, own_id: int | None) -> bool:
    """Whether a row other than ``own_id`` already holds ``value`` in the unique ``column``.

    Edits check this first so the person gets a message next to the field instead of the
    database's unique-constraint error.
    """
    holder = session.scalar(sa.select(column.class_.id).where(column == value))
    return holder is not None and holder != own_id


def hold_row(session: Session | scoped_session, model, row_id: int) -> None:
    """Hold ``model``'s row ``row_id`` until the commit, so writes about it take turns.

    PostgreSQL lets two requests read before either commits; the second now waits here and then
    reads what the first wrote. ``FOR NO KEY UPDATE``: rows that merely refer to this one are not
    held up (take it before this request flushes such a row itself, whose foreign-key check holds
    a share lock two requests would then wait on from each other). SQLite ignores it: a writing
    request holds the write lock from its ``BEGIN IMMEDIATE`` already.
    """
    session.execute(sa.select(model.id).where(model.id == row_id).with_for_update(key_share=True))


def hold_key(session: Session | scoped_session, kind: str, key: str) -> None:
    """Hold ``key`` of ``kind`` until the commit, so writes that add a row under it take turns.

    For a row found by a key no unique constraint can hold (a category's name in any case, a
    wish's title with its accents and punctuation aside): a request that looked and found none
    takes this, then looks again. PostgreSQL: a transaction's advisory lock on a 64-bit hash of
    both; the second request waits here, and its next statement (READ COMMITTED: a new snapshot)
    sees what the first committed. SQLite: nothing to do, as in ``hold_row``.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.blake2b(f"{kind}\0{key}".encode(), digest_size=8).digest()
    session.execute(
        sa.select(sa.func.pg_advisory_xact_lock(int.from_bytes(digest, "big", signed=True)))
    )


class UTCDateTime(sa.TypeDecorator):
    """A timestamp that is always stored in UTC and always comes back timezone-aware.

    SQLite has no timezone type and hands back naive values; PostgreSQL hands back the session
    timezone. Normalising here means no caller ever has to guess which one it got.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; Huddle stores only timezone-aware timestamps")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def result_processor(self, dialect, coltype):
        """On SQLite, the stored text read as a UTC instant in one step.

        The general way (the text parsed naive, then ``replace(tzinfo=UTC)``) costs 0.9 µs a value,
        most of it ``replace``; a page reads 150 of them (issue #16). Parsing the text with its UTC
        offset appended costs 0.15 µs. Text in any other shape (one written with an offset, a bare
        date) takes the general way, so what comes back is the same either way.
        """
        general = super().result_processor(dialect, coltype)
        if dialect.name != "sqlite":
            return general

        def read_stored_utc(value):
            if value is None:
                return None
            try:
                instant = datetime.fromisoformat(value + "+00:00")
            except (TypeError, ValueError):
                return general(value)
            return instant if instant.tzinfo is not None else general(value)

        return read_stored_utc


def counted_up_to(statement, at_most: int) -> sa.ScalarSelect:
    """How many rows ``statement`` finds, read no further than ``at_most + 1`` (so a count over
    ``at_most`` is ``at_most + 1``), as a scalar subquery: a bounded walk of whatever index serves
    the statement, however many rows there are (the outbox's counts, the open list's rare filters)."""
    return (
        sa.select(sa.func.count()).select_from(statement.limit(at_most + 1).subquery())
    ).scalar_subquery()


def unindexed(column):
    """``+column``: SQLite's documented way to take a term out of its choice of index (the unary
    plus keeps the column's affinity and collation, so the test means the same). For a walk that
    must stay on the index it is listed by, whatever the planner's statistics say of the other
    term's index. Only for SQLite statements: PostgreSQL has no unary plus for text."""
    return UnaryExpression(column.expression, operator=custom_op("+"), type_=column.type)


def read_rows(session: Session | scoped_session, statement, values: dict | None = None) -> list:
    """The rows of a read of columns, run on the session's connection.

    ``session.execute`` passes every result through the ORM's loading layer, objects or not; for a
    read that selects columns only, that layer costs as much as SQLite's own work (0.1 ms each for
    the API list's 50 rows, issue #16). The connection is the session's, in its transaction, and
    what the session holds unwritten is flushed first, as ``session.execute`` does (autoflush).
    """
    if session.autoflush:
        session.flush()  # nothing to do (and next to no cost) when nothing is pending
    return session.connection().execute(statement, values).all()


def described_by_models(name: str | None, type_: str, parent_names) -> bool:
    """Alembic's ``include_name``: objects named ``fts_*`` (FTS5 tables and their shadow tables,
    trigram indexes) are kept by raw SQL in the migrations, not described by the models."""
    return not (name or "").startswith("fts_")


@event.listens_for(Engine, "connect")
def _tune_sqlite(dbapi_connection, connection_record):
    """WAL and a busy timeout let gunicorn workers and the scheduler share one SQLite file.

    pysqlite's own transaction handling swallows SAVEPOINT and transactional DDL, so it is switched
    off here and SQLAlchemy's ``begin`` event below emits BEGIN itself (the documented recipe).
    """
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# Whether this thread's next transaction will write: None (a read: deferred BEGIN), "once" (until the
# next commit: a request that writes), or "always" (every transaction: a job, a writing command).
_write_intent: ContextVar[str | None] = ContextVar("huddle_write_intent", default=None)
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Until the request ends, any statement that would write raises what this makes (``refuse_writes``).
_writes_refused: ContextVar[Callable[[], Exception] | None] = ContextVar(
    "huddle_writes_refused", default=None
)
# The first word of text SQL that only reads (or opens a transaction); any other text writes.
_READING_WORDS = frozenset({"SELECT", "BEGIN", "EXPLAIN", "PRAGMA", "SHOW", "VALUES"})
_IMMEDIATE = "huddle_immediate"  # in ``connection.info``: the open transaction took the write lock


@event.listens_for(Engine, "begin")
def _begin_sqlite(connection):
    """On SQLite, a transaction that will write takes the write lock at its start.

    A deferred ``BEGIN`` that reads and then writes fails at once with "database is locked" when
    another connection committed in between (its snapshot is stale, so waiting cannot help and the
    busy timeout never applies). ``BEGIN IMMEDIATE`` waits for the lock up to the busy timeout
    instead, as Rails 8 and Django 5.1 do. Reads keep the cheap deferred ``BEGIN``.
    """
    if connection.dialect.name == "sqlite":
        immediate = bool(_write_intent.get())
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
        connection.info[_IMMEDIATE] = immediate


@event.listens_for(Session, "after_commit")
def _wrote(session):
    """A request's one write is done: what it reads afterwards (the page) takes no write lock."""
    if _write_intent.get() == "once":
        _write_intent.set(None)


def _end_read_transaction(session: Session | scoped_session) -> None:
    """On SQLite, commit the session's open deferred (read) transaction, if any, so the next one
    begins with the write lock. A transaction that already holds it is kept."""
    if isinstance(session, scoped_session):
        session = session()
    if session.get_bind().dialect.name != "sqlite" or not session.in_transaction():
        return
    if not session.connection().info.get(_IMMEDIATE):
        session.commit()


@contextmanager
def writing() -> Iterator[None]:
    """Every transaction opened inside takes the SQLite write lock at its start (jobs, commands).

    A read transaction the caller left open (a job's plan read before its claim) is ended on the
    way in, so the first write inside does not run in it. Keep slow work (network calls, parsing)
    outside any open transaction: on SQLite it would hold the write lock and make every other
    writer wait.
    """
    token = _write_intent.set("always")
    if has_app_context() and (extension := current_app.extensions.get("sqlalchemy")):
        _end_read_transaction(extension.session)
    try:
        yield
    finally:
        _write_intent.reset(token)


def mark_writing() -> None:
    """The next transaction of this request writes: on SQLite it takes the write lock at BEGIN.

    For a request that ended a transaction before slow work (a password hash) and writes after.
    """
    _write_intent.set(_write_intent.get() or "once")


def write_apart(session: Session | scoped_session) -> None:
    """A read (a GET, or a request past its commit) found it must write: on SQLite, end its
    deferred read transaction so the write runs in one of its own that takes the lock at BEGIN.

    Call it before changing anything, then re-read what the write depends on (the commit expired
    it) and commit.
    """
    _end_read_transaction(session)
    mark_writing()


def writes(function: Callable) -> Callable:
    """Decorate a command (or any function) whose every transaction writes: see ``writing``."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with writing():
            return function(*args, **kwargs)

    return wrapper


def refuse_writes(refusal: Callable[[], Exception]) -> None:
    """Until this request ends, every statement that would write raises ``refusal()`` instead.

    For a request whose input must not be stored however a view goes about it (``core.inputs``):
    the ORM's flush, an ``update()`` run by the session, text SQL on the connection all pass
    here, before the database sees them, so not even a row lock or a sequence number is taken.
    What raises is answered by its error handler, which rolls the session back.
    """
    _writes_refused.set(refusal)


def _writes(statement: str, context) -> bool:
    if context.isinsert or context.isupdate or context.isdelete or context.isddl:
        return True
    if not context.is_text:  # a compiled SELECT (FOR UPDATE or not), a SAVEPOINT
        return False
    words = statement.lstrip(" \t\r\n(").split(None, 1)
    return bool(words) and words[0].upper() not in _READING_WORDS


@event.listens_for(Engine, "before_cursor_execute")
def _refuse_refused_writes(conn, cursor, statement, parameters, context, executemany):
    refusal = _writes_refused.get()
    if refusal is not None and _writes(statement, context):
        raise refusal()


def _mark_writing_request(_app, **_extra) -> None:
    _write_intent.set(None if request.method in READ_METHODS else "once")
    _writes_refused.set(None)


def init_app(app: Flask) -> None:
    """Requests that may write (POST, PUT, PATCH, DELETE) open their transaction for writing.

    Marked when the request starts, before any ``before_request`` function: one that reads (the
    logged-in user, the first-run check) would otherwise open a deferred transaction the request
    then writes in, and fail with "database is locked" when another connection committed meanwhile.
    """
    request_started.connect(_mark_writing_request, app)

    @app.teardown_request
    def _forget_writing_request(_error=None):
        _write_intent.set(None)
        _writes_refused.set(None)
