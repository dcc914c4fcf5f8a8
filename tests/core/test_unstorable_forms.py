"""Text a database cannot store (a NUL, a lone surrogate) pasted into a page's form: the page comes
back with the message next to the field and everything typed kept, and nothing is written.

It was a bare 400 page: whoever pasted it lost the form and all they had typed (a client on
"write to us", an agent's note, the survey's comment, My settings). Path, query string, the API
and Slack keep the 400 (``tests/dashboard/test_inputs.py``, ``tests/api/test_fuzz.py``).
"""

import re
from datetime import timedelta
from urllib.parse import parse_qsl

import pytest
import sqlalchemy as sa
from werkzeug.formparser import FormDataParser

from complaints.models import Complaint, Contact
from core.database import refuse_writes, utcnow
from core.extensions import db
from core.models import Client, Team, User
from tests.support.db import save, using

SAID = "This held characters that cannot be saved (such as NUL); we took them out or replaced them."
REFUSED = "Remove the control characters (such as NUL) from what you sent and try again."


def _count(app, model) -> int:
    with using(app):
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _said_next_to(html: str, field_id: str) -> bool:
    """The message is the field's own error (``_form.html``: ``<small id="<field>-error">``)."""
    start = html.find(f'id="{field_id}-error"')
    return start >= 0 and SAID in html[start : html.find("</small>", start)]


@pytest.fixture
def complaint_id(app, make_client) -> int:
    now = utcnow()
    complaint = Complaint(
        client_id=make_client().id,
        summary="Order arrived late",
        channel="api",
        opened_at=now - timedelta(hours=2),
        due_at=now + timedelta(hours=22),
    )
    return save(app, complaint).id


def test_write_to_us_comes_back_with_what_the_client_typed(app, client):
    """Our client, logged out: the page again, the message under "Your name", nothing stored."""
    complaints, clients = _count(app, Complaint), _count(app, Client)
    response = client.post(
        "/write-to-us",
        data={"name": "Ana\x00 Lima", "contact": "ana@example.com", "message": "Late again, twice"},
    )
    assert response.status_code == 400
    html = response.text
    assert '<form method="post"' in html and _said_next_to(html, "name")
    assert 'value="Ana Lima"' in html and 'value="ana@example.com"' in html
    assert "Late again, twice</textarea>" in html
    assert not _said_next_to(html, "contact") and not _said_next_to(html, "message")
    assert _count(app, Complaint) == complaints and _count(app, Client) == clients


def test_write_to_us_sent_again_as_it_came_back_goes_through(app, client):
    first = client.post(
        "/write-to-us", data={"name": "Ana", "contact": "ana@example.com", "message": "L\x00ate"}
    )
    assert first.status_code == 400 and "Late</textarea>" in first.text
    before = _count(app, Complaint)
    again = client.post(
        "/write-to-us", data={"name": "Ana", "contact": "ana@example.com", "message": "Late"}
    )
    assert again.status_code == 200
    assert _count(app, Complaint) == before + 1


def test_the_client_is_told_in_their_language(client):
    response = client.post(
        "/write-to-us?lang=pt_BR",
        data={"name": "Ana", "contact": "ana@example.com", "message": "Atrasou\x00 de novo"},
    )
    assert response.status_code == 400
    assert "Aqui havia caracteres que não podem ser salvos (como NUL)" in response.text
    assert "Atrasou de novo</textarea>" in response.text


def test_my_settings_keep_the_name_and_say_where(app, client, login_as):
    user = login_as("agent", name="Bea Souza")
    response = client.post(
        "/auth/account",
        data={"name": "Beatriz\x00 Souza", "timezone": "", "locale": "en", "slack_user_id": "U1"},
    )
    assert response.status_code == 400
    assert _said_next_to(response.text, "name") and 'value="Beatriz Souza"' in response.text
    assert 'value="U1"' in response.text
    with using(app):
        stored = db.session.get(User, user.id)
        assert (stored.name, stored.slack_user_id) == ("Bea Souza", None)


def test_an_htmx_note_is_answered_in_place_with_the_note_kept(app, client, login_as, complaint_id):
    """The contact form is an ``hx-post``: its answer is the complaint's fragment, not a page."""
    login_as("agent")
    response = client.post(
        f"/complaints/{complaint_id}/contacts",
        data={"channel": "call", "outcome": "reached", "notes": "Called at 9\x00, she was out"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400
    html = response.text
    assert "<html" not in html and "HX-Trigger-After-Settle" not in response.headers
    assert _said_next_to(html, "notes") and "Called at 9, she was out</textarea>" in html
    assert _count(app, Contact) == 0


def test_the_survey_comment_comes_back_and_the_link_still_works(app, client, make_client):
    from complaints.intake import survey

    with using(app):
        _link, token = survey.issue_link(make_client().id)
        db.session.commit()
    response = client.post(f"/s/{token}", data={"score": "2", "comment": "Slow\x00 delivery"})
    assert response.status_code == 400
    assert _said_next_to(response.text, "comment") and "Slow delivery</textarea>" in response.text
    assert re.search(r'<input checked [^>]*value="2"', response.text)  # the score chosen
    assert client.post(f"/s/{token}", data={"score": "2", "comment": "Slow"}).status_code == 200


def test_a_view_reading_the_form_itself_writes_nothing_and_answers_400(
    app, client, login_as, complaint_id
):
    """ "I'll call them" reads ``from`` and ``version`` from ``request.form``, with no form to
    refuse them: the cleaned "page" would take the complaint, so the write itself is refused."""
    login_as("manager")
    response = client.post(f"/complaints/{complaint_id}/take", data={"from": "page\x00"})
    assert response.status_code == 400 and REFUSED in response.text
    with using(app):
        assert db.session.get(Complaint, complaint_id).owner_id is None
    taken = client.post(f"/complaints/{complaint_id}/take", data={"from": "page"})
    assert taken.status_code == 200  # the refusal left nothing behind: the next request writes


def test_a_hidden_field_has_no_place_for_the_message_so_the_post_is_refused(
    app, client, login_as, complaint_id
):
    login_as("manager")
    response = client.post(
        f"/complaints/{complaint_id}/status", data={"status": "in_progress", "version": "1\x00"}
    )
    assert response.status_code == 400 and REFUSED in response.text
    with using(app):
        assert db.session.get(Complaint, complaint_id).status == "new"


def test_a_percent_encoded_lone_surrogate_is_kept_as_typed_text(app, client):
    """Werkzeug reads ``%ED%A0%80`` (not UTF-8) as the text "%ED%A0%80": storable, no 500."""
    response = client.post(
        "/write-to-us",
        data=b"name=%ED%A0%80&contact=ana%40example.com&message=",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert 'value="%ED%A0%80"' in response.text


class SurrogatePassParser(FormDataParser):
    """Reads percent-escapes as Python's ``surrogatepass`` does: ``%ED%A0%80`` is U+D800."""

    def _parse_urlencoded(self, stream, mimetype, content_length, options):
        text = stream.read().decode()
        pairs = parse_qsl(text, keep_blank_values=True, errors="surrogatepass")
        return stream, self.cls(pairs), self.cls()


def test_a_lone_surrogate_in_a_form_comes_back_as_a_replacement_character(app, client, monkeypatch):
    """A server or parser that hands a lone surrogate over (Werkzeug keeps the escape as text):
    the page is written out without failing to encode it, the character shown as U+FFFD."""
    monkeypatch.setattr(app.request_class, "form_data_parser_class", SurrogatePassParser)
    before = _count(app, Complaint)
    response = client.post(
        "/write-to-us",
        data=b"name=Ana%20%ED%A0%80&contact=ana%40example.com&message=Late",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert _said_next_to(response.text, "name") and 'value="Ana \ufffd"' in response.text
    assert _count(app, Complaint) == before


def test_the_api_and_unknown_pages_keep_the_400(app, client):
    api = client.post("/api/v1/complaints", data={"summary": "x\x00"})
    assert api.status_code == 400 and api.json["error"]["fields"] == {
        "summary": "invalid characters"
    }
    nowhere = client.post("/no-such-page", data={"name": "x\x00"})
    assert nowhere.status_code == 400 and REFUSED in nowhere.text


class Refused(Exception):
    pass


def test_a_request_refusing_writes_lets_no_statement_that_writes_run(app, make_team):
    """``core.database.refuse_writes``: every way a view may write is stopped before the database
    (the ORM's flush, a bulk ``update()``, text SQL); reads, locks and savepoints go on."""
    team = make_team()
    with app.test_request_context("/", method="POST"):
        refuse_writes(Refused)
        assert db.session.scalar(sa.select(Team.name).where(Team.id == team.id).with_for_update())
        assert db.session.execute(sa.text("SELECT 1")).scalar() == 1
        with db.session.begin_nested():
            pass
        for write in (
            lambda: db.session.execute(sa.update(Team).values(name="Renamed")),
            lambda: db.session.execute(sa.text("UPDATE teams SET name = 'Renamed'")),
            lambda: db.session.connection().exec_driver_sql("DELETE FROM teams"),
            lambda: (db.session.add(Team(slug="new", name="New")), db.session.flush()),
        ):
            with pytest.raises(Refused):
                write()
            db.session.rollback()
    with using(app):
        assert db.session.get(Team, team.id).name == team.name
    assert make_team().id  # the request ended, and with it the refusal
