"""Counting SQL statements, to prove a page loads what it shows in a fixed number of queries."""

from contextlib import contextmanager

from sqlalchemy import event


class StatementCounter:
    def __init__(self):
        self.statements: list[str] = []

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

    event.listen(target, "before_cursor_execute", record)
    try:
        yield counter
    finally:
        event.remove(target, "before_cursor_execute", record)


def statements_for(app, client, url) -> int:
    """How many SQL statements one GET of ``url`` runs (after a first GET to warm up)."""
    client.get(url)  # warm up the first-request work (loading the user), the same for every size
    with count_statements(app) as counter:
        assert client.get(url).status_code == 200
    return len(counter)
