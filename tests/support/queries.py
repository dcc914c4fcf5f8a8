"""Counting SQL statements, to prove a page loads what it shows in a fixed number of queries."""

import re
from contextlib import contextmanager

from psycopg import sql
from sqlalchemy import event


class StatementCounter:
    def __init__(self):
        self.statements: list[str] = []
        self.parameters: list = []  # as the driver got them, for EXPLAIN with the app's binds

    def __len__(self) -> int:
        return len(self.statements)


@contextmanager
def count_statements(app):
    """Count statements on the app's engine (or the test's shared connection) during the block."""
    from core.extensions import db

    with app.app_context():
        target = db.engines[None]
    counter = StatementCounter()

    def record(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            counter.statements.append(statement)
            counter.parameters.append(parameters)

    event.listen(target, "before_cursor_execute", record)
    try:
        yield counter
    finally:
        event.remove(target, "before_cursor_execute", record)


def statements_of(app, client, url: str, headers: dict | None = None) -> list[tuple[str, object]]:
    """Each statement one GET of ``url`` runs (after a first GET to warm up), with its parameters
    as the driver got them (for ``plan_of``)."""
    client.get(url, headers=headers)
    with count_statements(app) as counter:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.status_code)
    return list(zip(counter.statements, counter.parameters, strict=True))


def statements_for(app, client, url) -> int:
    """How many SQL statements one GET of ``url`` runs (after a first GET to warm up)."""
    client.get(url)  # warm up the first-request work (loading the user), the same for every size
    with count_statements(app) as counter:
        assert client.get(url).status_code == 200
    return len(counter)


def plan_of(
    app, statement: str, parameters, conditions_only: bool = False, ordered: bool = False
) -> str:
    """The database's plan for one recorded statement, with the parameters bound as the app bound
    them (SQLite ``EXPLAIN QUERY PLAN``; PostgreSQL ``EXPLAIN`` with sequential scans priced out,
    so a small test table still shows which index the planner can use). ``conditions_only`` also
    prices out walking a whole index (PostgreSQL then has to show the index that answers the
    condition, e.g. a trigram search, instead of reading a tiny table in primary-key order).
    ``ordered`` prices out sorting on PostgreSQL (on a few rows a sort is cheapest, and which
    index feeds it is a coin toss of the statistics): the plan then shows the index that gives
    the statement's order, as it does on a large table. PostgreSQL first analyzes the tables the
    lists read, inside the test's transaction: the plan then follows from the test's own rows, not
    from whatever an autovacuum's ANALYZE last saw of the shared database. What no ANALYZE undoes
    is the size of the files: rows an earlier test wrote and rolled back stay in its tables and
    indexes, so on a handful of rows two equally good indexes can swap places with the order the
    tests ran in. A plan test gives the index it expects a reason to win (most rows closed, say)."""
    from core.extensions import db

    with app.app_context():
        connection = db.session.connection()
        if connection.dialect.name == "sqlite":
            rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            return "\n".join(row[-1] for row in rows)
        connection.exec_driver_sql("ANALYZE complaints, clients, contacts, ratings")
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        if ordered:
            connection.exec_driver_sql("SET LOCAL enable_sort = off")
        if conditions_only:
            connection.exec_driver_sql("SET LOCAL enable_indexscan = off")
            connection.exec_driver_sql("SET LOCAL enable_indexonlyscan = off")
        rows = connection.exec_driver_sql("EXPLAIN " + statement, parameters)
        return "\n".join(row[0] for row in rows)


def generic_plan_of(connection, statement: str, parameters: dict) -> str:
    """PostgreSQL's plan for ``statement`` prepared as the driver sends it (``$n`` parameters) and
    planned once for any value (a generic plan, as a statement run often, or a foreign key's
    check, ends up with), sequential scans priced out so a tiny table still shows the index."""
    names = list(dict.fromkeys(re.findall(r"%\((\w+)\)s", statement)))
    text = re.sub(r"%\((\w+)\)s", lambda m: f"${names.index(m.group(1)) + 1}", statement)
    connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    connection.exec_driver_sql(f"PREPARE probe AS {text}")
    raw = connection.connection.dbapi_connection
    values = ", ".join(sql.Literal(parameters[name]).as_string(raw) for name in names)
    execute = f"EXECUTE probe({values})" if names else "EXECUTE probe"
    plan = connection.exec_driver_sql(f"EXPLAIN {execute}").scalars().all()
    connection.exec_driver_sql("DEALLOCATE probe")
    return "\n".join(plan)
