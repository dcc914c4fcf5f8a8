"""SQLite under concurrent writers, through the stand-up's real requests (issue #11): a check-in
(a POST whose first read, the logged-in user, comes before any view) and a member watching the
live board (a GET that writes) do not fail with "database is locked" when another connection
commits between their first read and their write."""

import sqlite3
import threading

import pytest
import sqlalchemy as sa

from core.extensions import db
from core.models import Team, User
from standup import queries, services
from standup.models import Attendance, CheckIn
from tests.support.app import make_app, migrate
from tests.support.db import using


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    return tmp_path_factory.mktemp("locks") / "locks.db"


@pytest.fixture(scope="module")
def app(database):
    """The app on its own SQLite file, committed for real, with a hook that lets another
    connection commit while a request is under way (after its first read)."""
    url = f"sqlite:///{database}"
    migrate(url)
    app = make_app(url)
    with app.app_context():
        db.session.add(Team(slug="elsewhere", name="Elsewhere"))  # what the other connection writes
        db.session.commit()
    app.before_request_funcs.setdefault(None, []).append(lambda: _ELSEWHERE.commit(database))
    yield app
    with app.app_context():
        db.engine.dispose()


class _Elsewhere:
    """Another process's write (a raw connection), armed for one request."""

    def __init__(self):
        self.armed, self.threads = False, []

    def commit(self, database) -> None:
        if not self.armed:
            return
        self.armed = False
        done = threading.Event()

        def write():
            connection = sqlite3.connect(database, timeout=10, isolation_level=None)
            connection.execute("UPDATE teams SET name = name || '.' WHERE slug = 'elsewhere'")
            connection.close()
            done.set()

        thread = threading.Thread(target=write)
        thread.start()
        self.threads.append(thread)
        # A request that holds the write lock makes it wait for its commit: go on after a second.
        done.wait(1)

    def join(self) -> None:
        for thread in self.threads:
            thread.join(15)
        assert not any(thread.is_alive() for thread in self.threads)


_ELSEWHERE = _Elsewhere()


def test_a_check_in_waits_for_the_write_lock_instead_of_failing(app, client, meeting):
    team, on, _lead, watcher, _url = meeting
    client.log_in(watcher)
    _ELSEWHERE.armed = True
    response = client.post(
        f"/standup/{team.slug}/{on.isoformat()}/check-in",
        data={"today": "Calls", "mood": "4"},
        headers={"HX-Request": "true"},
    )
    _ELSEWHERE.join()
    assert response.status_code == 200
    with using(app):
        assert db.session.scalar(sa.select(CheckIn.today).filter_by(user_id=watcher.id)) == "Calls"
        assert db.session.scalar(sa.select(Team.name).filter_by(slug="elsewhere")).endswith(".")


def test_watching_the_live_board_writes_in_a_write_transaction_of_its_own(app, client, meeting):
    team, on, lead, watcher, _url = meeting
    with using(app):
        services.start_standup(queries.standup_on(team.id, on), db.session.get(User, lead.id))
    client.log_in(watcher)
    _ELSEWHERE.armed = True
    response = client.get(f"/standup/{team.slug}/{on.isoformat()}")
    _ELSEWHERE.join()
    assert response.status_code == 200
    with using(app):
        row = db.session.scalar(sa.select(Attendance).filter_by(user_id=watcher.id))
        assert row.present is True
