"""The two admin outbox pages (Slack and mail) are one page family: rows in a state, and a page
whose statement count does not grow with the rows."""

from core.extensions import db
from tests.support.db import using
from tests.support.queries import count_statements


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
