"""The CSV import at bulk speed: one lean parse, set-based writes, the same result on both databases.

Beside ``test_import_csv.py`` (the pages, the preview, all-or-nothing): the fast line check agrees
with the field-by-field one, the staged rows are exactly what is imported, a failure on the last
line leaves nothing, and every set-based write keeps what the per-row services keep (the clients'
audited changes, the rollup, the milestones, complaints opened and joined), compared as one
snapshot that both databases must give.
"""

import ast
import io
import json
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from complaints import milestones, rollups
from complaints.intake import csv_copy, csv_import, csv_parse
from complaints.models import Complaint, Rating
from complaints.rollups import RatingSlot
from core.audit import AuditEvent
from core.database import utcnow
from core.extensions import db
from core.models import Client
from core.timestamps import parse_timestamp
from tests.support.db import all_rows, count, using
from tests.support.queries import count_statements

HEADER = "external_id,name,email,phone,score,comment,order_ref,occurred_at,language\n"


@pytest.fixture
def app_config(tmp_path):
    return {"IMPORT_INLINE": True, "IMPORT_DIR": str(tmp_path / "imports")}


@pytest.fixture
def manager(login_as):
    return login_as("manager")


@pytest.fixture(params=[True, False], ids=["rows-thread", "rows-inline"])
def threaded(request, monkeypatch):
    """PostgreSQL's rating rows built on their own thread, or inline as the COPY asks for them:
    a test taking this fixture expects the same from both (SQLite builds no rows either way)."""
    monkeypatch.setattr(csv_copy, "THREADED", request.param)
    return request.param


def staged_job(client, text: str) -> str:
    response = client.post(
        "/complaints/import",
        data={"file": (io.BytesIO(text.encode()), "ratings.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.text
    return response.headers["Location"].rsplit("/", 1)[1]


def staged_rows(app, job: str) -> list:
    with app.test_request_context():
        return json.loads(csv_import._paths(job)[0].read_text())


def restage(app, job: str, rows: list) -> None:
    """Put ``rows`` where the preview staged the job's rows (what the import will read)."""
    with app.test_request_context():
        csv_import._paths(job)[0].write_text(json.dumps(rows))


def status(app, job: str) -> dict:
    with app.test_request_context():
        return csv_import.read_status(job)


def ago(**delta) -> str:
    return (utcnow() - timedelta(**delta)).isoformat()


# --- the lean parse --------------------------------------------------------------------------


INSTANTS = [
    "2026-03-01T09:30:00Z",
    "2026-03-01T09:30:00+00:00",
    "2026-03-01 09:30:00.123456",
    "2026-03-01T09:30:00.5-03:00",
    "2026-03-01T23:59:59+14:00",
    "2026-03-01",
    "20260301T093000",
    "2026-W09-1T09:30:00",
    "2026-060T09:30:00",
    "2026-03-01T09:30",
    "2026-03-01T09:30:00,25",
    "2026-03-01T09:30:00.123456789",
    "2026-03-01T24:00:00",
    "２０２６-03-01T09:30:00",
    "1900-01-01T00:00:00+01:00",  # 1899 in UTC, as parse_timestamp reads it
    "9998-12-31T23:00:00-05:00",
    "1899-12-31T23:00:00",
    "9999-01-01",
    "2026-02-30T10:00:00",
    "2026-03-01T25:00:00",
    "yesterday",
    "2026-03",
    "",
]


@pytest.mark.parametrize("text", INSTANTS)
def test_the_fast_time_reading_is_parse_timestamp(text):
    expected = parse_timestamp(text)
    assert csv_parse.stored_instant(text) == (
        None if expected is None else csv_parse.stored_text(expected)
    )


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(min_value=datetime(1890, 1, 1), max_value=datetime(9999, 12, 30)),
    st.sampled_from(["", "Z", "+00:00", "-03:00", "+05:45", "+14:00", "-12:00"]),
    st.sampled_from(["T", " "]),
    st.sampled_from(["seconds", "milliseconds", "microseconds", "minutes"]),
)
def test_the_fast_time_reading_agrees_on_any_instant(instant, offset, separator, spec):
    text = instant.isoformat(sep=separator, timespec=spec) + offset
    expected = parse_timestamp(text)
    assert csv_parse.stored_instant(text) == (
        None if expected is None else csv_parse.stored_text(expected)
    )


VALUES = {
    "external_id": ["c1", "", "x" * 121, " c2 "],
    "name": ["Ana", "", "n" * 201],
    "email": ["", "ana@example.com", "not-an-email", "a@b.c" + "c" * 250],
    "phone": ["", "+55 11 1234", "9" * 41],
    "score": ["5", "1", "0", "6", "4.0", " 3 ", ""],
    "comment": ["", "Fine", "é" * 5001],
    "order_ref": ["", "O-1", "o" * 121],
    "occurred_at": ["2025-06-01T10:00:00Z", "2025-06-01", "soon", "", "2999-01-01"],
    "language": ["", "pt-BR", "RU", "tlh", "l" * 17],
}


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(  # at most 9 errors a line: ten lines stay under the errors shown (100)
    st.lists(st.fixed_dictionaries({k: st.sampled_from(v) for k, v in VALUES.items()}), max_size=10)
)
@example([dict.fromkeys(VALUES, ""), dict.fromkeys(VALUES, "5")])  # a blank line among others
def test_a_line_is_staged_exactly_when_the_careful_check_finds_nothing(app, lines):
    """The fast test of a good line and the field-by-field check that words errors agree (a line
    of empty values only is skipped as blank by both)."""
    with app.test_request_context():
        parsed = csv_parse.parse(
            (
                HEADER + "".join(",".join(f'"{v}"' for v in line.values()) + "\n" for line in lines)
            ).encode()
        )
    bad = {error.line for error in parsed.errors}
    blank = {n for n, line in enumerate(lines, 2) if not any(v.strip() for v in line.values())}
    assert parsed.lines_with_errors == len(bad) and parsed.error_count == len(parsed.errors)
    assert not bad & blank  # a line of empty values only is blank: no data, so no error either
    assert {row[csv_parse.LINE] for row in parsed.rows} == set(
        range(2, len(lines) + 2)
    ) - bad - blank


def test_a_staged_row_is_plain_json_in_the_stored_form(app, client, manager):
    job = staged_job(
        client, HEADER + " c1 ,Ana, ana@example.com ,,4,,O-1,2025-06-01T10:00:00-03:00,ru\n"
    )
    assert staged_rows(app, job) == [
        [
            2,
            "c1",
            "Ana",
            "ana@example.com",
            None,
            4,
            None,
            "O-1",
            "2025-06-01 13:00:00.000000",
            "ru",
        ]
    ]


def test_the_preview_asks_the_database_the_same_few_questions_for_any_file(app, client, manager):
    def statements_for(clients: int) -> int:
        lines = "".join(f"c{n},N{n},,,5,,,2025-06-01\n" for n in range(clients))
        with count_statements(app) as counter:
            staged_job(client, HEADER + lines)
        return len(counter)

    assert statements_for(3) == statements_for(1200)


# --- what is imported ------------------------------------------------------------------------


def test_what_is_imported_is_what_was_staged(app, client, manager):
    job = staged_job(client, HEADER + "c1,Ana,,,5,Fine,O-1,2025-06-01T10:00:00Z,\n")
    rows = staged_rows(app, job)
    rows[0][csv_parse.SCORE] = 2
    rows[0][csv_parse.COMMENT] = "Edited"
    rows[0][csv_parse.OCCURRED] = "2025-06-02 08:20:00.000000"
    rows.append([9, "c2", "Bia", None, None, 4, None, None, "2025-06-02 08:29:59.000000", "es"])
    restage(app, job, rows)
    client.post(f"/complaints/import/{job}/run")
    assert status(app, job)["result"]["ratings"] == 2
    ratings = all_rows(app, Rating)
    assert [(r.score, r.comment, r.occurred_at) for r in ratings] == [
        (2, "Edited", datetime(2025, 6, 2, 8, 20, tzinfo=UTC)),
        (4, None, datetime(2025, 6, 2, 8, 29, 59, tzinfo=UTC)),
    ]
    (slot,) = all_rows(app, RatingSlot, order_by=RatingSlot.slot_at)
    assert slot.slot_at == datetime(2025, 6, 2, 8, 15, tzinfo=UTC)
    assert (slot.score_2, slot.score_4) == (1, 1)


def test_a_failure_on_the_last_line_leaves_nothing_at_all(app, client, manager, make_client):
    known = make_client(external_id="c1", name="Old")
    lines = [
        f"c{n},Client {n},c{n}@example.com,,{n % 5 + 1},,O-{n},{ago(hours=1)},\n"
        for n in range(1, 60)
    ]
    job = staged_job(client, HEADER + "".join(lines))
    rows = staged_rows(app, job)
    rows[-1][csv_parse.SCORE] = 9  # past the preview: only the database's check refuses it
    restage(app, job, rows)
    events_before = count(app, AuditEvent)
    client.post(f"/complaints/import/{job}/run")
    assert status(app, job)["state"] == "failed" and status(app, job)["can_retry"]
    assert count(app, Rating) == count(app, Complaint) == count(app, RatingSlot) == 0
    assert [(c.id, c.name, c.email) for c in all_rows(app, Client)] == [(known.id, "Old", None)]
    assert count(app, AuditEvent) == events_before


def test_sqlite_gets_its_page_cache_back_after_an_import_even_a_failed_one(app, client, manager):
    """The roomy cache is SQLite's only; on PostgreSQL the same two imports end the same way."""

    with using(app):
        raw = db.session.connection().connection.dbapi_connection
        sqlite = db.session.get_bind().dialect.name == "sqlite"

    def cache_size():  # on the very connection the imports then use (the pool hands it back)
        return raw.execute("PRAGMA cache_size").fetchone()[0] if sqlite else None

    before = cache_size()
    good = staged_job(client, HEADER + "c1,Ana,,,5,,,2025-06-01,\n")
    client.post(f"/complaints/import/{good}/run")
    bad = staged_job(client, HEADER + "c2,Bia,,,5,,,2025-06-01,\n")
    rows = staged_rows(app, bad)
    rows[0][csv_parse.SCORE] = 0
    with app.test_request_context():
        csv_import._paths(bad)[0].write_text(json.dumps(rows))
    client.post(f"/complaints/import/{bad}/run")
    assert (status(app, good)["state"], status(app, bad)["state"]) == ("done", "failed")
    assert cache_size() == before


def snapshot(app) -> dict:
    """What an import left, in plain values (ids as client ids), comparable across databases."""
    with using(app):
        clients = {c.id: c.external_id for c in db.session.scalars(sa.select(Client))}
        return {
            "clients": sorted(
                (c.external_id, c.name, c.email, c.phone, c.locale)
                for c in db.session.scalars(sa.select(Client))
            ),
            "ratings": sorted(
                (
                    clients[r.client_id],
                    r.score,
                    r.comment,
                    r.order_ref,
                    r.occurred_at.isoformat(),
                    r.received_at == r.occurred_at,
                    r.channel,
                    r.complaint_id is not None,
                )
                for r in db.session.scalars(sa.select(Rating))
            ),
            "complaints": sorted(
                (
                    clients[c.client_id],
                    c.status,
                    c.channel,
                    c.summary_words,
                    c.summary_params,
                    c.rated_again_at,
                )
                for c in db.session.scalars(sa.select(Complaint))
            ),
            "slots": sorted(
                (s.slot_at.isoformat(), s.score_1, s.score_2, s.score_3, s.score_4, s.score_5)
                for s in db.session.scalars(sa.select(RatingSlot))
            ),
            "changes": sorted(
                (clients.get(e.entity_id), e.details["how"], _sorted_json(e.details["changes"]))
                for e in db.session.scalars(
                    sa.select(AuditEvent).where(AuditEvent.action == "details_changed")
                )
            ),
        }


def _sorted_json(value) -> str:
    return json.dumps(value, sort_keys=True)


def test_both_databases_import_a_file_to_the_same_result(
    app, client, manager, make_client, make_complaint, threaded
):
    make_client(external_id="known", name="Known Name", email="old@example.com", phone="+1 555")
    make_client(external_id="same", name="Same", email="same@example.com")
    make_client(external_id="kept", name="Kept")
    make_client(external_id="dup", name="Dup")
    assert (
        client.post(f"/clients/{_id(app, 'kept')}/merge", data={"other": "dup"}).status_code == 302
    )
    resolved_at = datetime(2025, 6, 1, 12, tzinfo=UTC)
    make_complaint(
        resolved_at - timedelta(days=2),
        client=_client(app, "kept"),
        status="resolved",
        resolved_at=resolved_at,
    )
    old_open = make_complaint(utcnow() - timedelta(hours=3), client=_client(app, "same"))
    recent = ago(hours=2)
    text = HEADER + "".join(
        [
            "known,Known Renamed,,,4,,O-1,2025-06-01T10:00:00Z,\n",
            "known,Known Renamed,new@example.com,,3,,O-2,2025-06-01T10:14:59Z,pt-BR\n",
            "known,Known Renamed,,,5,Thanks,O-3,2025-06-01T10:15:00Z,\n",
            "same,Same,same@example.com,,2,Late again,O-4," + recent + ",\n",
            "dup,Dup Person,dup@example.com,,5,Back again,O-5,2025-06-02T08:00:00Z,es\n",
            "fresh,Fresh,,,1,Cold food,O-6," + recent + ",\n",
            "fresh,Fresh,,+7 900,2,Still cold,O-7," + ago(hours=1) + ",\n",
            "old,Old Low,,,1,Last summer,O-8,2025-07-01,\n",
        ]
    )
    job = staged_job(client, text)
    client.post(f"/complaints/import/{job}/run")
    assert status(app, job)["result"] == {
        "ratings": 8,
        "stored": 0,
        "clients_created": 2,
        "clients_updated": 2,  # "known" renamed, "kept" (by its alias "dup") renamed; not "same"
        "complaints_opened": 1,
        "complaints_joined": 1,
        "seconds": status(app, job)["result"]["seconds"],
    }
    found = snapshot(app)
    assert found["clients"] == [
        ("fresh", "Fresh", None, "+7 900", None),
        ("kept", "Dup Person", "dup@example.com", None, "es"),
        ("known", "Known Renamed", "new@example.com", "+1 555", "pt_BR"),
        ("old", "Old Low", None, None, None),
        ("same", "Same", "same@example.com", None, None),
    ]
    joined = [r for r in found["ratings"] if r[0] in ("same", "fresh")]
    assert [(r[0], r[1], r[-1]) for r in joined] == [
        ("fresh", 1, True),
        ("fresh", 2, True),
        ("same", 2, True),
    ]
    assert all(r[5:7] == (True, "import") for r in found["ratings"])
    assert [(r[0], r[1], r[-1]) for r in found["ratings"] if r[0] == "old"] == [("old", 1, False)]
    late, cold = "Order arrived late", {"score": 2}  # the most recent low rating speaks
    assert found["complaints"] == [
        ("fresh", "new", "import", "Still cold", cold, None),
        ("kept", "resolved", "phone", late, None, datetime(2025, 6, 2, 8, tzinfo=UTC)),
        ("same", "new", "phone", late, None, None),
    ]
    assert sorted(r.complaint_id for r in all_rows(app, Rating) if r.order_ref == "O-4") == [
        old_open.id
    ]
    assert found["changes"] == [
        ("kept", "system", _sorted_json({"name": ["Kept", "Dup Person"], "email": [None, DUP]})),
        ("known", "system", _sorted_json({"name": [KNOWN, RENAMED], "email": [OLD, NEW]})),
    ]
    assert found["slots"][:3] == [
        ("2025-06-01T10:00:00+00:00", 0, 0, 1, 1, 0),
        ("2025-06-01T10:15:00+00:00", 0, 0, 0, 0, 1),
        ("2025-06-02T08:00:00+00:00", 0, 0, 0, 0, 1),
    ]
    # the set-based writes agree with recounting everything from the rows
    with using(app):
        rollups.rebuild()
        milestones.rebuild()
        db.session.commit()
    assert snapshot(app) == found


DUP, KNOWN, RENAMED = "dup@example.com", "Known Name", "Known Renamed"
OLD, NEW = "old@example.com", "new@example.com"


def _client(app, external_id: str) -> Client:
    (found,) = all_rows(app, Client, Client.external_id == external_id)
    return found


def _id(app, external_id: str) -> int:
    return _client(app, external_id).id


def test_an_unchanged_client_is_neither_rewritten_nor_audited(app, client, manager, make_client):
    make_client(external_id="c1", name="Ana", email="ana@example.com")
    job = staged_job(
        client, HEADER + "c1,Ana,,,5,,,2025-06-01,\nc1,Ana,ana@example.com,,4,,,2025-06-02,\n"
    )
    client.post(f"/complaints/import/{job}/run")
    assert status(app, job)["result"]["clients_updated"] == 0  # it said 1: counted, not changed
    assert count(app, AuditEvent, AuditEvent.action == "details_changed") == 0
    assert count(app, Rating) == 2


def _note_updated_clients(app) -> None:
    """A trigger (rolled back with the test) noting the id of every client row updated."""
    with using(app):
        statements = ["CREATE TABLE touched_clients (id INTEGER)"]
        if db.session.get_bind().dialect.name == "postgresql":
            statements += [
                "CREATE FUNCTION note_touched() RETURNS trigger LANGUAGE plpgsql AS "
                "$$BEGIN INSERT INTO touched_clients VALUES (NEW.id); RETURN NEW; END$$",
                "CREATE TRIGGER touched AFTER UPDATE ON clients FOR EACH ROW "
                "EXECUTE FUNCTION note_touched()",
            ]
        else:
            statements.append(
                "CREATE TRIGGER touched AFTER UPDATE ON clients BEGIN "
                "INSERT INTO touched_clients VALUES (new.id); END"
            )
        for statement in statements:
            db.session.execute(sa.text(statement))
        db.session.commit()


def test_a_reimport_writes_and_audits_exactly_the_clients_it_changes(
    app, client, manager, make_client
):
    """Known clients are compared before anything is written: only the ones whose details
    change are updated (a new language too, unaudited as ever), the rest are not touched."""
    make_client(
        external_id="same", name="Same", email="same@example.com", phone="+1 555", locale="pt_BR"
    )
    make_client(external_id="renamed", name="Old Name", email="renamed@example.com")
    make_client(external_id="mailed", name="Mailed")
    make_client(external_id="spoken", name="Spoken", locale="pt_BR")
    _note_updated_clients(app)
    text = HEADER + "".join(
        [
            "same,Same,,,5,,O-1,2025-06-01T10:00:00Z,\n",
            "same,Same,same@example.com,+1 555,4,,O-2,2025-06-02T10:00:00Z,pt-BR\n",
            "renamed,New Name,,,3,,O-3,2025-06-01T10:00:00Z,\n",
            "mailed,Mailed,mailed@example.com,,5,,O-4,2025-06-01T10:00:00Z,\n",
            "spoken,Spoken,,,5,,O-5,2025-06-01T10:00:00Z,es\n",
            "fresh,Fresh,,,5,,O-6,2025-06-01T10:00:00Z,\n",
        ]
    )
    job = staged_job(client, text)
    client.post(f"/complaints/import/{job}/run")
    result = status(app, job)["result"]
    assert (result["clients_created"], result["clients_updated"]) == (1, 3)  # not "same"
    with using(app):
        touched = db.session.scalars(sa.text("SELECT id FROM touched_clients")).all()
    assert sorted(touched) == sorted(_id(app, name) for name in ("renamed", "mailed", "spoken"))
    found = snapshot(app)
    assert found["clients"] == [
        ("fresh", "Fresh", None, None, None),
        ("mailed", "Mailed", "mailed@example.com", None, None),
        ("renamed", "New Name", "renamed@example.com", None, None),
        ("same", "Same", "same@example.com", "+1 555", "pt_BR"),
        ("spoken", "Spoken", None, None, "es"),
    ]
    assert found["changes"] == [
        ("mailed", "system", _sorted_json({"email": [None, "mailed@example.com"]})),
        ("renamed", "system", _sorted_json({"name": ["Old Name", "New Name"]})),
    ]


def test_clients_created_after_an_import_get_ids_of_their_own(app, client, manager, make_client):
    """The import chooses its new clients' ids (PostgreSQL: from the sequence) and the ratings
    use them: a client created afterwards must not collide with any of them."""
    job = staged_job(client, HEADER + "a,A,,,5,,,2025-06-01,\nb,B,,,4,,,2025-06-02,\n")
    client.post(f"/complaints/import/{job}/run")
    later = make_client(external_id="later", name="Later")
    assert later.id not in (_id(app, "a"), _id(app, "b"))
    assert {_client(app, name).id for name in ("a", "b")} == {
        r.client_id for r in all_rows(app, Rating)
    }


def test_the_import_statements_do_not_grow_with_the_file(app, db_session):
    def statements_for(rows: int) -> int:
        staged = [
            [
                n + 2,
                f"c{n % 7}",
                f"N{n % 7}",
                None,
                None,
                n % 5 + 1,
                None,
                None,
                "2025-06-01 10:00:00.000000",
                None,
            ]
            for n in range(rows)
        ]
        with count_statements(app) as counter:
            csv_import.import_rows(staged, actor_id=None, now=utcnow())
        return len(counter)

    assert statements_for(10) == statements_for(2000)


def test_a_file_of_blank_lines_is_refused_as_holding_no_ratings(app, client, manager):
    """It was staged, offering "Import 0 ratings"."""
    response = client.post(
        "/complaints/import",
        data={"file": (io.BytesIO((HEADER + "\n,,,,,,,,\n").encode()), "ratings.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "The file holds no ratings: only the line naming the columns." in response.text
    assert count(app, Rating) == count(app, Client) == 0


def test_an_import_found_committed_is_done_without_a_second_import_or_audit_event(
    app, client, manager
):
    """The process died after the commit, before it said "done": running the job again finds it
    in the audit trail and says done, importing nothing twice and recording nothing twice."""
    job = staged_job(client, HEADER + "c1,Ana,,,5,Fine,O-1,2025-06-01T10:00:00Z,\n")
    rows = staged_rows(app, job)
    client.post(f"/complaints/import/{job}/run")
    assert status(app, job)["state"] == "done"
    with app.test_request_context():
        csv_import._paths(job)[0].write_text(json.dumps(rows))  # as the dead process left it
        again = csv_import.run_import(job, manager.id)
    assert again["state"] == "done" and again["result"]["ratings"] == 1
    assert count(app, Rating) == 1
    assert len(all_rows(app, AuditEvent, AuditEvent.action == "imported")) == 1


def test_ratings_go_in_a_chunk_at_a_time_in_time_order_and_the_rollup_counts_every_one(
    app, db_session, monkeypatch, threaded
):
    """Each chunk is one statement (SQLite) or one COPY (PostgreSQL, its rollup counted in Python
    on the way): both give ids in time order within a chunk, ties in line order, a progress step
    per chunk, and the rollup a recount from the rows gives, quarter-hour edges and offsets too."""
    monkeypatch.setattr(csv_import, "CHUNK", 3)
    times = [
        "2025-06-01T10:14:59.999999Z",
        "2025-06-01T10:00:00Z",
        "2025-06-01T12:15:00+02:00",  # 10:15 UTC
        "2025-06-01T10:29:59.5Z",
        "2025-05-31T23:59:59-00:30",  # 00:29:59 UTC, the next day
        "2025-06-01 10:29:59.500",  # the same instant as O-3: line order
        "2024-12-31T23:45:00Z",
    ]
    text = HEADER + "".join(
        f"c{n % 3},N{n % 3},,,{n % 5 + 1},,O-{n},{at},\n" for n, at in enumerate(times)
    )
    seen = []
    csv_import.import_rows(
        csv_parse.parse(text.encode()).rows,
        actor_id=None,
        now=utcnow(),
        progress=lambda phase, done: seen.append((phase, done)),
    )
    assert [done for phase, done in seen if phase == "ratings"] == [0, 3, 6, 7]
    in_id_order = db_session.scalars(sa.select(Rating.order_ref).order_by(Rating.id)).all()
    assert in_id_order == ["O-1", "O-0", "O-2", "O-4", "O-3", "O-5", "O-6"]

    def slots():
        return sorted(
            (s.slot_at.isoformat(), s.score_1, s.score_2, s.score_3, s.score_4, s.score_5)
            for s in db_session.scalars(sa.select(RatingSlot))
        )

    counted = slots()
    assert counted == [
        ("2024-12-31T23:45:00+00:00", 0, 1, 0, 0, 0),
        ("2025-06-01T00:15:00+00:00", 0, 0, 0, 0, 1),
        ("2025-06-01T10:00:00+00:00", 1, 1, 0, 0, 0),
        ("2025-06-01T10:15:00+00:00", 1, 0, 1, 1, 0),
    ]
    rollups.rebuild()
    assert slots() == counted


def test_a_failing_row_mid_file_leaves_nothing_and_ends_the_rows_thread(
    app, client, manager, make_client, monkeypatch, threaded
):
    """Chunks of three lines: the first chunks (one with a recent low rating, so a complaint is
    opened) are written before line 8 fails the database's check; the one transaction takes all
    of it back, and no thread building rows outlives the import."""
    monkeypatch.setattr(csv_import, "CHUNK", 3)
    known = make_client(external_id="c1", name="Old")
    lines = [
        f"c{n},Client {n},,,{1 if n == 2 else 5},,O-{n},{ago(hours=2) if n == 2 else ago(days=n)},\n"
        for n in range(1, 13)
    ]
    job = staged_job(client, HEADER + "".join(lines))
    rows = staged_rows(app, job)
    rows[6][csv_parse.SCORE] = 9  # line 8, past the preview: only the database refuses it
    restage(app, job, rows)
    events_before = count(app, AuditEvent)
    client.post(f"/complaints/import/{job}/run")
    assert status(app, job)["state"] == "failed" and status(app, job)["can_retry"]
    assert count(app, Rating) == count(app, Complaint) == count(app, RatingSlot) == 0
    assert [(c.id, c.name) for c in all_rows(app, Client)] == [(known.id, "Old")]
    assert count(app, AuditEvent) == events_before
    assert not [t for t in threading.enumerate() if t.name == "import-rows"]


def test_a_threaded_import_talks_to_the_database_from_one_thread_only(app, db_session, threaded):
    """The rows' thread does plain Python: every statement of the import runs on the caller's."""
    seen = set()

    def note(*args):
        seen.add(threading.get_ident())

    engine = db.engines[None]
    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        csv_import.import_rows(
            csv_parse.parse(
                (HEADER + "".join(f"c{n},N{n},,,5,,,2025-06-01,\n" for n in range(50))).encode()
            ).rows,
            actor_id=None,
            now=utcnow(),
        )
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)
    assert seen == {threading.get_ident()}
    assert count(app, Rating) == 50


def test_a_reimport_writes_one_audit_event_per_changed_client_in_one_statement(
    app, client, manager, make_client
):
    """Each changed client's ``details_changed`` event says what ``core.audit.record`` would: who
    (the importer), when (the import's start), which client and the changed fields, old and new;
    all of them go in by one statement, however many clients change."""
    for n in range(30):
        make_client(external_id=f"k{n}", name=f"Name {n}", email=f"k{n}@example.com")
    text = HEADER + "".join(
        f"k{n},{'Nome Ünico ' + str(n) if n % 3 == 0 else f'Name {n}'},"
        f"{'novo' + str(n) + '@example.com' if n % 5 == 0 else ''},,5,,O-{n},2025-06-01,\n"
        for n in range(30)
    )
    job = staged_job(client, text)
    with count_statements(app) as counter:
        client.post(f"/complaints/import/{job}/run")
    assert status(app, job)["state"] == "done"
    writes = [s for s in counter.statements if "INSERT INTO audit_events" in s]
    assert len(writes) == 2  # the clients' changes, and the import's own event
    events = all_rows(app, AuditEvent, AuditEvent.action == "details_changed")
    by_client = {_id(app, f"k{n}"): n for n in range(30)}
    expected = {}
    for n in range(30):
        changes = {}
        if n % 3 == 0:
            changes["name"] = [f"Name {n}", f"Nome Ünico {n}"]
        if n % 5 == 0:
            changes["email"] = [f"k{n}@example.com", f"novo{n}@example.com"]
        if changes:
            expected[n] = {"how": "system", "changes": changes}
    assert {by_client[e.entity_id]: e.details for e in events} == expected
    assert len(events) == len(expected) == 14
    (imported,) = all_rows(app, AuditEvent, AuditEvent.action == "imported")
    assert {(e.entity_type, e.actor_id) for e in events} == {("client", manager.id)}
    (at,) = {e.at for e in events}  # the import's time, taken as it started
    assert imported.at - timedelta(minutes=1) < at <= imported.at


# --- the rows' thread (plain Python, no database) --------------------------------------------


def _staged(count: int) -> list[list]:
    return [
        [
            n + 2,
            f"c{n % 4}",
            "N",
            None,
            None,
            n % 5 + 1,
            None,
            f"O-{n}",
            f"2025-06-01 10:{59 - n % 60:02d}:00.000000",
            None,
        ]
        for n in range(count)
    ]


def _built(rows, threaded_, monkeypatch, held=frozenset(), size=7):
    monkeypatch.setattr(csv_copy, "THREADED", threaded_)
    built = csv_copy.RatingRows(rows, {f"c{n}": 10 + n for n in range(4)}, set(held), size)
    return [(chunk.rows, chunk.held) for chunk in built], built.slots


def test_the_rows_thread_builds_what_the_inline_build_does(monkeypatch):
    rows = _staged(40)
    on_thread = _built(rows, True, monkeypatch, held={5, 30})
    assert on_thread == _built(rows, False, monkeypatch, held={5, 30})
    chunks, slots = on_thread
    assert [len(part) for part, _held in chunks] == [7, 7, 7, 7, 7, 5]
    assert chunks[0][1] == {5: 3} and chunks[4][1] == {30: 6}  # 5: the first chunk's 4th in time
    assert all(part[held[line]][-1] is None for part, held in chunks for line in held)
    assert sum(sum(counts[1:]) for counts in slots.values()) == 40


def test_an_error_on_the_rows_thread_is_raised_in_the_import(monkeypatch):
    def failing(rows, id_of, held, size, slots):
        yield csv_copy.Chunk([], {})
        raise KeyError("c9")

    monkeypatch.setattr(csv_copy, "build", failing)
    with pytest.raises(KeyError):
        _built(_staged(10), True, monkeypatch)


def test_closing_the_rows_thread_stops_it_before_it_has_built_everything(monkeypatch):
    """An import that failed meanwhile does not leave the thread building (here: 1,000 chunks
    of a hundredth of a second each, closed at once)."""
    monkeypatch.setattr(csv_copy, "THREADED", True)
    built = []

    def slow(rows, id_of, held, size, slots):
        for n in range(1000):
            time.sleep(0.01)
            built.append(n)
            yield csv_copy.Chunk([], {})

    monkeypatch.setattr(csv_copy, "build", slow)
    rows = csv_copy.RatingRows([], {}, set(), 1)
    rows.close()
    assert not rows._thread.is_alive() and len(built) < 1000


def test_the_rows_thread_builds_no_further_ahead_than_it_may(monkeypatch):
    """The thread waits once ``AHEAD`` chunks are built and not taken, and goes on as they are:
    the built rows of a large file are never all in memory at once."""
    monkeypatch.setattr(csv_copy, "THREADED", True)
    built = []

    def counted(rows, id_of, held, size, slots):
        for n in range(10):
            built.append(n)
            yield csv_copy.Chunk([], {})

    monkeypatch.setattr(csv_copy, "build", counted)

    def settled_at(count: int) -> int:  # how many were built once the thread has waited a while
        deadline = time.monotonic() + 10
        while len(built) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.1)
        return len(built)

    rows = csv_copy.RatingRows([], {}, set(), 1)
    # AHEAD in the queue, one more built and waiting to be put
    assert settled_at(csv_copy.AHEAD + 1) == csv_copy.AHEAD + 1
    taken = iter(rows)
    next(taken)
    assert settled_at(csv_copy.AHEAD + 2) == csv_copy.AHEAD + 2
    assert len(list(taken)) == 9 and len(built) == 10
    rows.close()


def test_closing_a_waiting_rows_thread_ends_it(monkeypatch):
    """A thread waiting to hand over a chunk nobody will take (the import failed) still ends."""
    monkeypatch.setattr(csv_copy, "THREADED", True)
    rows = csv_copy.RatingRows(_staged(40), {f"c{n}": 10 + n for n in range(4)}, set(), 1)
    time.sleep(0.1)
    rows.close()
    assert not rows._thread.is_alive()


def test_the_rows_thread_has_no_way_to_the_database():
    """``csv_copy`` (what the second thread runs) imports no database, session or app module."""
    tree = ast.parse(Path(csv_copy.__file__).read_text())
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported == {
        "contextlib",
        "queue",
        "threading",
        "collections.abc",
        "datetime",
        "operator",
        "typing",
        "complaints.intake.csv_parse",
    }
