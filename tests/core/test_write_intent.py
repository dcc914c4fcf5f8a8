"""``writing()`` on SQLite (issue #11): a job or command that read before it began writing (the
scheduler reads its plan, then claims a run) does not write in that deferred read transaction,
which fails with "database is locked" once another connection has committed meanwhile."""

import sqlite3

import pytest
import sqlalchemy as sa

from core.database import writing
from core.extensions import db
from core.models import Team
from tests.support.app import make_app, migrate


@pytest.fixture
def file_app(tmp_path):
    url = f"sqlite:///{tmp_path / 'intent.db'}"
    migrate(url)
    app = make_app(url)
    yield app
    with app.app_context():
        db.engine.dispose()


def _commit_elsewhere(path) -> None:
    other = sqlite3.connect(path, timeout=10, isolation_level=None)
    other.execute("UPDATE teams SET name = 'Renamed' WHERE slug = 'other'")
    other.close()


def test_writing_after_a_read_does_not_write_in_the_read_transaction(file_app, tmp_path):
    with file_app.app_context():
        db.session.add(Team(slug="other", name="Other"))
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Team)) == 1
        _commit_elsewhere(tmp_path / "intent.db")  # between this job's read and its write
        with writing():
            db.session.add(Team(slug="mine", name="Mine"))
            db.session.commit()
        assert set(db.session.execute(sa.select(Team.slug, Team.name))) == {
            ("other", "Renamed"),
            ("mine", "Mine"),
        }
        db.session.remove()
