"""Firing the same form post from several screens at once (double-clicks, two managers), through
the real app on real threads, for tests on ``committed_app`` (both databases, committed for real)."""

import html
import threading
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from core.extensions import db
from tests.support.factories import build_user

AT_ONCE = 8


def posts_at_once(
    app, people, url: str | list[str], data: dict | list[dict], headers: dict | None = None
):
    """POST ``data`` to ``url`` once for each person in ``people`` (each on their own logged-in
    test client; a person may appear more than once: several screens), released together by a
    barrier. ``url`` and ``data`` may be one for all or one each. Returns the responses in order."""
    urls = url if isinstance(url, list) else [url] * len(people)
    forms = data if isinstance(data, list) else [data] * len(people)
    clients = []
    for person in people:
        client = app.test_client()
        client.log_in(person)
        clients.append(client)
    barrier = threading.Barrier(len(clients))

    def post(call):
        client, url, form = call
        barrier.wait(10)
        return client.post(url, data=form, headers=headers or {})

    with ThreadPoolExecutor(len(clients)) as pool:
        return list(pool.map(post, zip(clients, urls, forms, strict=True)))


def rows(app, statement) -> list:
    """What the database holds now, read in a session of its own."""
    with app.app_context():
        found = db.session.execute(statement).all()
        db.session.remove()
        return found


def count(app, model, *where) -> int:
    return rows(app, sa.select(sa.func.count()).select_from(model).where(*where))[0][0]


def sends_at_once(app, url: str, body: dict, headers: dict, times: int = AT_ONCE):
    """POST ``body`` as JSON to the API ``times`` at once (a client retrying without an
    ``Idempotency-Key``), released together by a barrier. Returns the responses."""
    clients = [app.test_client() for _ in range(times)]
    barrier = threading.Barrier(times)

    def post(client):
        barrier.wait(10)
        return client.post(url, json=body, headers=headers)

    with ThreadPoolExecutor(times) as pool:
        return list(pool.map(post, clients))


def detached(row):
    """``row`` as committed, usable after its session is gone (inside ``app.app_context()``)."""
    db.session.refresh(row)
    db.session.expunge(row)
    return row


def admin_screens(app) -> list:
    """Two admins, committed and detached, each on several screens (a double-click, a second tab):
    one person per request of ``posts_at_once``."""
    with app.app_context():
        people = [build_user("admin", name=f"Admin {n}") for n in range(2)]
        db.session.add_all(people)
        db.session.commit()
        people = [detached(person) for person in people]
        db.session.remove()
    return [people[n % 2] for n in range(AT_ONCE)]


def one_won(answers, won: int, refused: int, message: str) -> None:
    """One request did the write (``won``); every other was refused (``refused``), saying why."""
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [won] + [refused] * (AT_ONCE - 1), statuses
    for answer in answers:
        if answer.status_code == refused:
            assert message in html.unescape(answer.get_data(as_text=True))
