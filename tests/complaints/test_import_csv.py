"""Importing past ratings from CSV: preview by line number, then all-or-nothing (SQLite, PostgreSQL)."""

import io
import json
import re
import socket
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from complaints.intake import csv_import
from complaints.intake import services as intake
from complaints.models import Complaint, Rating
from core import clients
from core.database import utcnow
from core.extensions import db
from core.models import Client, User
from tests.support.app import make_app, migrate
from tests.support.db import all_rows, count, using

HEADER = "external_id,name,email,phone,score,comment,order_ref,occurred_at\n"
OLD = "2025-06-01T10:00:00Z"


@pytest.fixture
def app_config(tmp_path):
    return {"IMPORT_INLINE": True, "IMPORT_DIR": str(tmp_path / "imports")}


def recent(hours=1):
    return (utcnow() - timedelta(hours=hours)).isoformat()


def upload(client, text, filename="ratings.csv", encoding="utf-8"):
    data = {
        "file": (io.BytesIO(text.encode(encoding) if isinstance(text, str) else text), filename)
    }
    return client.post("/complaints/import", data=data, content_type="multipart/form-data")


def job_of(response) -> str:
    assert response.status_code == 302, response.text
    return response.headers["Location"].rsplit("/", 1)[1]


def status_of(app, job):
    with app.test_request_context():
        return csv_import.read_status(job)


def nothing_written(app):
    return count(app, Rating) == 0 and count(app, Client) == 0 and count(app, Complaint) == 0


@pytest.fixture
def manager(login_as):
    return login_as("manager")


def test_preview_lists_every_bad_line_by_number_and_writes_nothing(app, client, manager):
    text = HEADER + "\n".join(
        [
            f"c1,Ana,ana@example.com,,5,Great,O-1,{OLD}",  # line 2: fine
            f"c2,,,,3,,,{OLD}",  # line 3: name missing
            f"c3,Bia,not-an-email,,9,,,{OLD}",  # line 4: e-mail and score
            'c4,Caio,,,4,"a comment',  # lines 5-6: one quoted value over two lines…
            'on two lines",,not-a-date',  # …with a bad date
            "c5,Davi,,,4,,,",  # line 7: date missing
            f"c6,Eva,,,4,,,{OLD},extra",  # line 8: too many values
            "",
            f"c7,Fábio,,,2,,,{(utcnow() + timedelta(days=3)).isoformat()}",  # line 10: future
        ]
    )
    response = upload(client, text)
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    found = re.findall(r"<td>line (\d+)</td><td>(\w*)</td>", page.text)
    assert found == [
        ("3", "name"),
        ("4", "email"),
        ("4", "score"),
        ("5", "occurred_at"),
        ("7", "occurred_at"),
        ("8", ""),
        ("10", "occurred_at"),
    ]
    assert "Nothing was saved" in page.text
    assert 'action="/complaints/import/' not in page.text
    assert nothing_written(app)
    job = job_of(response)
    assert client.post(f"/complaints/import/{job}/run").status_code == 302
    assert nothing_written(app) and status_of(app, job)["state"] == "previewed"


def test_good_file_previews_then_imports_everything(app, client, manager, make_client):
    known = make_client(external_id="c1", name="Old Name", email="keep@example.com")
    text = (
        HEADER
        + "\n".join(
            [
                f"c1,Ana Souza,,+55 11 1234 5678,5,Great,O-1,{OLD}",
                "c2,Bia,bia@example.com,,1,Awful last summer,O-2,2025-07-01",
                "c2,Bia,,,4,,O-3,2025-08-01T12:00:00",
                f"c3,Caio,,,1,Cold food tonight,O-4,{recent()}",
                f"c3,Caio,,,2,Still cold,O-5,{recent(2)}",
            ]
        )
        + "\n"
    )
    response = upload(client, text)
    job = job_of(response)
    preview = client.get(f"/complaints/import/{job}")
    assert "Lines of ratings: 5; clients: 3, new to Huddle: 2." in preview.text
    assert "Low ratings: 3; recent enough to open a complaint" in preview.text
    assert "Import 5 ratings" in preview.text
    assert nothing_written(app) is False and count(app, Rating) == 0  # only the known client exists

    done = client.post(f"/complaints/import/{job}/run")
    assert done.status_code == 302
    result = client.get(f"/complaints/import/{job}")
    assert "Imported 5 ratings" in result.text
    assert "Complaints opened: 1; joined to an open one: 0" in result.text
    assert "New clients: 2; clients updated: 1" in result.text  # c1's name and phone changed

    ratings = all_rows(app, Rating)
    assert len(ratings) == 5 and {r.channel for r in ratings} == {"import"}
    assert all(r.received_at == r.occurred_at for r in ratings)
    by_ref = {r.order_ref: r for r in ratings}
    assert by_ref["O-2"].complaint_id is None  # a low rating from last summer is history
    assert by_ref["O-4"].complaint_id == by_ref["O-5"].complaint_id is not None
    assert by_ref["O-3"].occurred_at.isoformat() == "2025-08-01T12:00:00+00:00"
    (complaint,) = all_rows(app, Complaint)
    assert (complaint.channel, complaint.summary) == ("import", "Rated 1/5: Cold food tonight")
    clients = {c.external_id: c for c in all_rows(app, Client)}
    assert clients["c1"].id == known.id
    assert (clients["c1"].name, clients["c1"].email) == ("Ana Souza", "keep@example.com")
    assert clients["c2"].email == "bia@example.com"
    assert status_of(app, job)["result"]["clients_created"] == 2

    # The same client again, nothing of theirs changed: not "updated" (it said 1)
    again = job_of(upload(client, HEADER + f"c1,Ana Souza,,,4,,O-9,{OLD}\n"))
    client.post(f"/complaints/import/{again}/run")
    assert "New clients: 0; clients updated: 0" in client.get(f"/complaints/import/{again}").text


def test_recent_low_rating_joins_the_clients_open_complaint(app, client, manager):
    with using(app):
        person = clients.upsert_client("c9", "Gil")
        open_one = intake.record_rating(person, 1, channel="api").complaint_id
        db.session.commit()
    job = job_of(upload(client, HEADER + f"c9,Gil,,,2,Again,,{recent()}\n"))
    client.post(f"/complaints/import/{job}/run")
    assert count(app, Complaint) == 1
    assert {r.complaint_id for r in all_rows(app, Rating)} == {open_one}
    assert status_of(app, job)["result"]["complaints_joined"] == 1


def test_a_failure_midway_leaves_nothing_behind(app, client, manager, monkeypatch):
    text = HEADER + f"c1,Ana,,,5,,,{OLD}\nc2,Bia,,,1,,,{recent()}\n"
    job = job_of(upload(client, text))

    def broken(*args, **kwargs):
        raise RuntimeError("no complaint today")

    # The import fails once the clients are written (PostgreSQL: its ratings being built).
    monkeypatch.setattr(intake, "open_complaint", broken)
    client.post(f"/complaints/import/{job}/run")
    page = client.get(f"/complaints/import/{job}")
    assert "nothing was imported" in page.text
    assert status_of(app, job)["state"] == "failed"
    assert nothing_written(app)


def test_an_import_runs_once_even_when_confirmed_twice(app, client, manager):
    job = job_of(upload(client, HEADER + f"c1,Ana,,,5,,,{OLD}\n"))
    client.post(f"/complaints/import/{job}/run")
    again = client.post(f"/complaints/import/{job}/run", follow_redirects=True)
    assert "already started" in again.text
    assert count(app, Rating) == 1


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        ("", "ratings.csv", "The file is empty"),
        ("id,score\n1,5\n", "ratings.csv", "Missing: external_id, name, occurred_at"),
        ("external_id,name\n", "ratings.csv", "Missing: score, occurred_at"),
        # "Import 0 ratings" was offered for a file of column names only
        (HEADER, "ratings.csv", "The file holds no ratings: only the line naming the columns."),
        (b"\xff\xfe\x00bad", "ratings.csv", "not UTF-8"),
        ("a,b\n", "ratings.xlsx", "Choose a .csv file"),
    ],
)
def test_unreadable_files_are_refused_next_to_the_field(
    app, client, manager, content, filename, message
):
    response = upload(client, content, filename)
    assert response.status_code == 400
    assert message in response.text and 'id="file-error"' in response.text
    assert nothing_written(app)


def _upload_in_memory(client, text: str):
    """``upload``, the body built in memory: the test client spools a large one to a temporary
    file that stays open when the app refuses it unread."""
    file = FileStorage(io.BytesIO(text.encode()), "ratings.csv", content_type="text/csv")
    boundary, body = encode_multipart({"file": file})
    return client.post(
        "/complaints/import", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def test_a_file_over_the_upload_limit_is_refused_next_to_the_field_saying_the_limit(
    app, client, login_as
):
    """It answered the bare error page "What you sent is too large", with no way back."""
    app.config["MAX_CONTENT_LENGTH"] = 2**20
    login_as("manager")
    assert "At most 1 MB per file." in client.get("/complaints/import").text
    response = _upload_in_memory(client, HEADER + f"c1,Ana,,,5,,,{OLD}\n" * 40_000)
    assert response.status_code == 413
    assert 'id="file-error"' in response.text and 'action="/complaints/import"' in response.text
    assert "larger than 1 MB. Split it" in response.text
    assert nothing_written(app)
    login_as("agent")  # the page is the managers': others get the plain answer
    refused = _upload_in_memory(client, HEADER + f"c1,Ana,,,5,,,{OLD}\n" * 40_000)
    assert refused.status_code == 413 and 'id="file-error"' not in refused.text


def test_missing_file_is_explained(client, manager):
    response = client.post("/complaints/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 400 and "Choose a CSV file" in response.text


def test_semicolons_and_a_byte_order_mark_are_understood(app, client, manager):
    text = "\ufeff" + HEADER.replace(",", ";") + f"c1;Олег;;;4;Хорошо, спасибо;;{OLD}\n"
    job = job_of(upload(client, text))
    client.post(f"/complaints/import/{job}/run")
    (rating,) = all_rows(app, Rating)
    assert rating.comment == "Хорошо, спасибо"


def test_excels_separator_line_is_understood_and_lines_keep_their_numbers(app, client, manager):
    """Excel's "sep=;" first line was read as the header: "Missing: external_id, name, ..."."""
    text = (
        "sep=;\r\n" + HEADER.replace(",", ";") + f"c1;Ana;;;4;;;{OLD}\n" + f"c2;Bia;;;9;;;{OLD}\n"
    )
    page = client.get(upload(client, text).headers["Location"]).text
    assert "Missing" not in page
    assert re.findall(r"<td>line (\d+)</td><td>(\w*)</td>", page) == [("4", "score")]  # the 4th
    job = job_of(upload(client, "sep=;\n" + HEADER.replace(",", ";") + f"c1;Ana;;;4;;;{OLD}\n"))
    client.post(f"/complaints/import/{job}/run")
    assert [rating.score for rating in all_rows(app, Rating)] == [4]


def test_a_nul_in_a_value_is_a_line_error_and_nothing_is_imported(app, client, manager):
    """A NUL byte passed the parse: SQLite stored it, PostgreSQL failed the whole import."""
    text = (
        HEADER
        + f"c1,Ana,,,5,Great,,{OLD}\n"
        + f"c2,Bia,,,1,bad\x00thing,,{OLD}\n"
        + f"c3,Ca\x00io,,,4,,O-\x00,{OLD}\n"
    )
    response = upload(client, text)
    page = client.get(response.headers["Location"])
    found = re.findall(r"<td>line (\d+)</td><td>(\w*)</td><td>([^<]*)</td>", page.text)
    nul = "This value holds a NUL character, which cannot be stored."
    assert found == [("3", "comment", nul), ("4", "name", nul), ("4", "order_ref", nul)]
    assert client.post(f"/complaints/import/{job_of(response)}/run").status_code == 302
    assert nothing_written(app)


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "This line holds a value longer than 131,072 characters."),
        ("ru", "В этой строке есть значение длиннее, чем 131 072 символа."),
    ],
)
def test_a_value_beyond_what_a_csv_reader_takes_is_a_line_error_in_the_viewers_language(
    app, client, login_as, language, message
):
    """The csv module's own words ("field larger than field limit") were shown, in English."""
    login_as("manager", locale=language)
    text = HEADER + f"c1,Ana,,,5,{'x' * 200_000},,{OLD}\n" + f"c2,Bia,,,5,,,{OLD}\n"
    response = upload(client, text)
    page = client.get(response.headers["Location"])
    found = re.findall(r"<td>[^<]+ (\d+)</td><td>(\w*)</td><td>([^<]*)</td>", page.text)
    assert [(line, column, re.sub(r"\s", " ", said)) for line, column, said in found] == [
        ("2", "", message)
    ]
    assert nothing_written(app)


def test_progress_fragment_polls_while_running_and_stops_when_done(app, client, manager):
    job = job_of(upload(client, HEADER + f"c1,Ana,,,5,,,{OLD}\n"))
    with app.test_request_context():
        csv_import._write_status(job, state="running", done=2500, total=5000)
    running = client.get(f"/complaints/import/{job}", headers={"HX-Request": "true"})
    assert "<h1>" not in running.text and 'hx-trigger="every 1s"' in running.text
    assert '<progress value="2500" max="5000">' in running.text
    assert "Importing… 2,500 of 5,000 ratings." in running.text  # Babel's digit grouping
    with app.test_request_context():
        csv_import._write_status(job, state="previewed")
    client.post(f"/complaints/import/{job}/run")
    done = client.get(f"/complaints/import/{job}", headers={"HX-Request": "true"})
    assert (
        "hx-trigger" not in done.text and "Imported 1 rating." in done.text
    )  # one, not "1 ratings"


def test_a_silent_import_is_reported_as_stopped(app, client, manager):
    job = job_of(upload(client, HEADER + f"c1,Ana,,,5,,,{OLD}\n"))
    with app.test_request_context():
        csv_import._write_status(job, state="running")
        status_path = csv_import._paths(job)[1]
        status = json.loads(status_path.read_text())
        status_path.write_text(json.dumps({**status, "beat": status["beat"] - 3600}))
    assert "stopped before it finished" in client.get(f"/complaints/import/{job}").text


@pytest.mark.parametrize("job", ["0" * 32, "not-a-job", "../../etc/passwd"])
def test_unknown_jobs_are_404(client, manager, job):
    assert client.get(f"/complaints/import/{job}").status_code == 404
    assert client.post(f"/complaints/import/{job}/run").status_code == 404


def test_import_runs_in_a_background_thread_with_its_own_session(make_database_url, tmp_path):
    """The real path: a thread, its own app context and session, one commit on a real database."""
    url = make_database_url()
    migrate(url)
    app = make_app(url, IMPORT_DIR=str(tmp_path / "bg"))
    rows = "".join(f"c{n},Client {n},,,{n % 5 + 1},,O-{n},{OLD}\n" for n in range(12_000))
    with app.app_context():
        user = User(email="importer@example.com", name="Importer", role="manager")
        db.session.add(user)
        db.session.commit()
        job = csv_import.stage_upload((HEADER + rows).encode(), "big.csv", user.id)
        csv_import.start_import(job, user.id)
        deadline = time.monotonic() + 60
        while csv_import.read_status(job)["state"] not in ("done", "failed"):
            assert time.monotonic() < deadline, "the import did not finish"
            time.sleep(0.1)
        status = csv_import.read_status(job)
        assert status["state"] == "done", status
        assert status["result"]["ratings"] == 12_000 and status["done"] == 12_000
        db.session.remove()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Rating)) == 12_000
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Client)) == 12_000
        db.session.remove()
        db.engine.dispose()


def test_upload_and_run_need_csrf(app, client, manager):
    data = {"file": (io.BytesIO((HEADER + f"c1,Ana,,,5,,,{OLD}\n").encode()), "r.csv")}
    refused = client.post(
        "/complaints/import", data=data, content_type="multipart/form-data", csrf=False
    )
    assert refused.status_code == 400
    job = job_of(upload(client, HEADER + f"c1,Ana,,,5,,,{OLD}\n"))
    assert client.post(f"/complaints/import/{job}/run", csrf=False).status_code == 400
    assert status_of(app, job)["state"] == "previewed" and count(app, Rating) == 0


def test_a_language_column_sets_each_clients_language(app, client, manager):
    text = (
        "external_id,name,score,occurred_at,language\n"
        f"c1,Ana,5,{OLD},pt-BR\nc2,Olga,4,{OLD},ru\nc3,Kim,4,{OLD},\n"
    )
    job = job_of(upload(client, text))
    assert client.post(f"/complaints/import/{job}/run").status_code == 302
    languages = {c.external_id: c.locale for c in all_rows(app, Client)}
    assert languages == {"c1": "pt_BR", "c2": "ru", "c3": None}


def test_a_language_huddle_does_not_speak_is_a_line_error(app, client, manager):
    job = job_of(
        upload(client, f"external_id,name,score,occurred_at,language\nc1,Ana,5,{OLD},tlh\n")
    )
    preview = client.get(f"/complaints/import/{job}")
    assert "Write a language Huddle speaks: en, pt_BR, es, ru." in preview.text


def test_the_import_writes_the_rows_the_preview_staged_without_a_second_parse(app, client, manager):
    job = job_of(upload(client, HEADER + f"c1,Ana,,,5,Fine,O-1,{OLD}\n"))
    with app.test_request_context():
        rows_path = csv_import._paths(job)[0]
        staged = json.loads(rows_path.read_text())
        assert not list(rows_path.parent.glob("*.csv"))  # the upload itself is not kept
        # what gets imported is what was staged: change it, and the import follows
        staged[0][2] = "Ana Maria"
        rows_path.write_text(json.dumps(staged))
    client.post(f"/complaints/import/{job}/run")
    (person,) = all_rows(app, Client)
    assert person.name == "Ana Maria"
    assert not rows_path.exists()


def _stopped_mid_import(app, job) -> None:
    """The import's process died while it ran (a pid that has ended, on this host)."""
    with app.test_request_context():
        csv_import._write_status(job, state="running", done=2500, attempt=1, pid=2**22 + 1)
        status_path = csv_import._paths(job)[1]
        status = json.loads(status_path.read_text())
        status_path.write_text(json.dumps({**status, "host": socket.gethostname()}))


def test_a_stopped_import_says_so_at_once_and_runs_again_without_duplicates(app, client, manager):
    job = job_of(upload(client, HEADER + f"c1,Ana,,,5,,,{OLD}\nc2,Bia,,,4,,,{OLD}\n"))
    _stopped_mid_import(app, job)
    page = client.get(f"/complaints/import/{job}").text
    assert "stopped before it finished" in page and "Run the import again" in page
    client.post(f"/complaints/import/{job}/run")
    assert status_of(app, job)["state"] == "done"
    assert count(app, Rating) == 2 and count(app, Client) == 2
    again = client.post(f"/complaints/import/{job}/run", follow_redirects=True)
    assert "already started" in again.text
    assert count(app, Rating) == 2


def test_a_failed_import_can_be_run_again(app, client, manager):
    job = job_of(upload(client, HEADER + f"c1,Ana,,,5,,,{OLD}\nc2,Bia,,,1,,,{recent()}\n"))
    app.config["IMPORT_COMPLAINT_WINDOW_HOURS"] = "soon"
    client.post(f"/complaints/import/{job}/run")
    assert "Run the import again" in client.get(f"/complaints/import/{job}").text
    app.config["IMPORT_COMPLAINT_WINDOW_HOURS"] = None
    client.post(f"/complaints/import/{job}/run")
    assert status_of(app, job)["state"] == "done"
    assert count(app, Rating) == 2 and count(app, Complaint) == 1


def test_an_import_committed_before_its_process_died_is_not_imported_twice(app, client, manager):
    job = job_of(upload(client, HEADER + f"c1,Ana,,,5,,,{OLD}\n"))
    with app.test_request_context():
        rows = json.loads(csv_import._paths(job)[0].read_text())
    client.post(f"/complaints/import/{job}/run")
    # the process died after the commit, before the status file said "done"
    with app.test_request_context():
        csv_import._paths(job)[0].write_text(json.dumps(rows))
    _stopped_mid_import(app, job)
    client.post(f"/complaints/import/{job}/run")
    status = status_of(app, job)
    assert status["state"] == "done" and status["result"]["ratings"] == 1
    assert count(app, Rating) == 1
