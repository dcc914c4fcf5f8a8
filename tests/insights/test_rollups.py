"""The ratings rollup Insights reads stays equal to a recount of the rating rows, whichever way
ratings arrive (a service, the CSV import, any ORM insert), on SQLite and PostgreSQL."""

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from complaints import rollups
from complaints.intake import services as intake
from core import clients
from core.extensions import db
from tests.support.db import using
from tests.support.insights import at

HEADER = "external_id,name,email,phone,score,comment,order_ref,occurred_at\n"


def _slots() -> list[tuple]:
    table = rollups.RatingSlot.__table__
    return [tuple(row) for row in db.session.execute(sa.select(table).order_by(table.c.slot_at))]


def _recounted() -> list[tuple]:
    kept = _slots()
    with db.session.begin_nested() as savepoint:
        rollups.rebuild()
        again = _slots()
        savepoint.rollback()
    assert _slots() == kept
    return again


@pytest.fixture
def app_config(tmp_path):
    return {"IMPORT_INLINE": True, "IMPORT_DIR": str(tmp_path / "imports")}


def test_ratings_from_the_service_and_from_rows_are_counted_per_quarter_hour(app, make_rating):
    with using(app):
        person = clients.upsert_client("r1", "Rita")
        for minutes, score in ((0, 5), (14, 1), (15, 4), (29, 4), (61, 2)):
            intake.record_rating(
                person,
                score,
                channel="api",
                now=at("2024-03-05 09:00") + timedelta(minutes=minutes),
            )
        db.session.commit()
    make_rating(at("2024-03-05 09:10"), 3)
    with using(app):
        found = _slots()
        assert [(slot.strftime("%H:%M"), scores) for slot, *scores in found] == [
            ("09:00", [1, 0, 1, 0, 1]),
            ("09:15", [0, 0, 0, 2, 0]),
            ("10:00", [0, 1, 0, 0, 0]),
        ]
        assert found == _recounted()


def test_the_csv_import_counts_its_ratings(app, client, login_as):
    login_as("manager")
    lines = "".join(
        f"c{n},Client {n},,,{n % 5 + 1},,O-{n},2025-06-0{1 + n % 3}T10:{n % 60:02d}:00Z\n"
        for n in range(200)
    )
    data = {"file": (io.BytesIO((HEADER + lines).encode()), "r.csv")}
    upload = client.post("/complaints/import", data=data, content_type="multipart/form-data")
    job = upload.headers["Location"].rsplit("/", 1)[1]
    client.post(f"/complaints/import/{job}/run")
    with using(app):
        found = _slots()
        assert sum(sum(scores) for _slot, *scores in found) == 200
        assert found == _recounted()
