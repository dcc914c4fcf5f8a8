"""SQLite under concurrent writers: a request that reads and then writes waits for the write lock
(the busy timeout applies) instead of failing when another connection committed in between, and a
read-only request never waits for a writer."""

import sqlite3
import threading
import time

import pytest
import sqlalchemy as sa

from core.extensions import db
from core.models import Team
from tests.support.app import make_app, migrate


@pytest.fixture
def live_app(tmp_path):
    """An app on its own SQLite file, without the rolled-back outer transaction of ``app``."""
    url = f"sqlite:///{tmp_path / 'live.db'}"
    migrate(url)
    app = make_app(url, WTF_CSRF_ENABLED=False)
    yield app
    with app.app_context():
        db.engine.dispose()


def _public(view):
    view.is_public = True
    return view


def test_two_requests_that_read_then_write_both_succeed(live_app):
    read_done, other_waiting = threading.Event(), threading.Event()

    @_public
    def read_then_write():
        db.session.scalar(sa.select(sa.func.count()).select_from(Team))
        read_done.set()
        other_waiting.wait(5)
        time.sleep(0.3)  # the other request is now trying to write
        db.session.add(Team(slug="slow", name="Slow"))
        db.session.commit()
        return "ok"

    @_public
    def write():
        db.session.add(Team(slug="fast", name="Fast"))
        db.session.commit()
        return "ok"

    live_app.add_url_rule("/_test/read-then-write", view_func=read_then_write, methods=["POST"])
    live_app.add_url_rule("/_test/write", view_func=write, methods=["POST"])
    results = {}

    def call(name, path, wait_for=None):
        if wait_for is not None:
            wait_for.wait(5)
            other_waiting.set()
        try:
            results[name] = live_app.test_client().post(path).status_code
        except Exception as error:  # TESTING propagates the view's error: record it
            results[name] = repr(error)

    threads = [
        threading.Thread(target=call, args=("slow", "/_test/read-then-write")),
        threading.Thread(target=call, args=("fast", "/_test/write", read_done)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert results == {"slow": 200, "fast": 200}
    with live_app.app_context():
        assert set(db.session.scalars(sa.select(Team.slug))) == {"slow", "fast"}


def test_a_read_only_request_does_not_wait_for_a_writer(live_app, tmp_path):
    @_public
    def read():
        return str(db.session.scalar(sa.select(sa.func.count()).select_from(Team)))

    live_app.add_url_rule("/_test/read", view_func=read, methods=["GET"])
    writer = sqlite3.connect(tmp_path / "live.db", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        started = time.monotonic()
        response = live_app.test_client().get("/_test/read")
        assert response.status_code == 200 and response.text == "0"
        assert time.monotonic() - started < 2
    finally:
        writer.execute("ROLLBACK")
        writer.close()
