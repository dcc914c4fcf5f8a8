"""The two admin outbox pages (Slack and mail) are one page family: rows in a state, and a page
whose statement count does not grow with the rows."""

import sqlalchemy as sa

from core.extensions import db
from core.outbox import COUNTED_UP_TO
from tests.support.db import using
from tests.support.queries import count_statements, plan_of, statements_of


def add_messages(app, enqueue, n: int = 1, status: str = "pending", **fields) -> list[int]:
    """``n`` messages made by ``enqueue(i, status)``, then put in ``status`` with ``fields`` set."""
    ids = []
    with using(app):
        for i in range(n):
            message = enqueue(i, status)
            message.status = status
            for name, value in fields.items():
                setattr(message, name, value)
            db.session.commit()
            ids.append(message.id)
    return ids


def assert_page_queries_fixed(app, client, add, url: str) -> None:
    """The page at ``url`` runs as many statements with 33 rows as with 3 (after a warm-up)."""
    add(app, 3, status="dead")
    client.get(url)  # warm up (user load, babel)
    with count_statements(app) as few:
        client.get(url)
    add(app, 30, status="failed")
    with count_statements(app) as many:
        client.get(url)
    assert len(many) == len(few)


def assert_page_reads_bounded(app, client, add, model, url: str) -> None:
    """The page reads what it shows from indexes, however many messages were ever sent: each
    status's count stops at ``COUNTED_UP_TO`` ("10,000+"), and a status's page walks an index
    newest first instead of reading every message (plans bound as the app bound them)."""
    (first,) = add(app, 1, status="sent")
    with using(app):
        row = db.session.get(model, first)
        values = {
            column.key: getattr(row, column.key)
            for column in model.__table__.columns
            if column.key != "id" and column.computed is None
        }
        db.session.execute(
            sa.insert(model),
            [
                {**values, "dedup_key": f"{row.dedup_key}-{n}", "status": "sent"}
                for n in range(COUNTED_UP_TO + 4)
            ],
        )
        db.session.commit()
    add(app, 2, status="dead")
    page = client.get(url)
    assert f"({COUNTED_UP_TO:,}+)" in page.text and "(2)" in page.text
    for query in ("", "?status=dead", "?status=sent"):
        ran = statements_of(app, client, url + query)
        reads = [
            (statement, parameters)
            for statement, parameters in ran
            if f"FROM {model.__tablename__}" in statement
        ]
        assert reads, ran
        for statement, parameters in reads:
            plan = plan_of(app, statement, parameters, ordered=True)
            assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan
            if "WHERE" not in statement:  # every status: the newest, in primary-key order
                assert "LIMIT" in statement, statement
                continue
            assert f"SCAN {model.__tablename__}" not in plan and "Seq Scan" not in plan, plan
