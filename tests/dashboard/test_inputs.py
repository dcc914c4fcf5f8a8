"""Issue #11, "every input answered": nothing a person or another system sends answers 5xx.

Out-of-range ids and numbers, NUL bytes and lone surrogates, non-finite decimals and dates near
year 1 or 9999 are refused with a 4xx on both databases; a walker posts garbage to every form.
"""

import io
import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from complaints.models import Complaint
from core.database import utcnow
from core.extensions import db
from core.inputs import id_coerce, int_arg, parse_day, parse_int
from tests.support.db import save, using

BAD_NUMBERS = [str(2**31), str(2**63), "-1", "²", "1e999", "٣", " ", "0x10"]


def test_parse_int_takes_ascii_digits_in_range_only():
    assert parse_int("42") == 42
    assert parse_int(" 7 ") == 7
    assert parse_int("-3", low=-5) == -3
    for raw in [*BAD_NUMBERS, None, "", "1.5", "+1"]:
        assert parse_int(raw) is None, raw
    assert parse_int(str(2**31 - 1)) == 2**31 - 1


def test_int_arg_falls_back_to_the_default(app):
    with app.test_request_context("/?page=²&n=3&big=9223372036854775808"):
        assert int_arg("page", 1) == 1
        assert int_arg("n") == 3
        assert int_arg("big") is None
        assert int_arg("missing", 5) == 5


def test_id_coerce_refuses_ids_that_cannot_exist():
    assert id_coerce("12") == 12
    assert id_coerce(0) == 0
    for raw in [str(2**31), "²", "-1", "abc"]:
        with pytest.raises(ValueError):
            id_coerce(raw)


def test_parse_day_stays_within_years_whose_neighbours_exist():
    assert parse_day("2026-12-01").isoformat() == "2026-12-01"
    for raw in ["0001-01-01", "9999-12-31", "2026-02-30", "tomorrow", ""]:
        assert parse_day(raw) is None, raw


# --- (a) ids and query numbers out of range answer 4xx ------------------------------------------


@pytest.fixture
def seeded(app, make_team, make_user, make_client):
    """A team with an admin, and one client with an open complaint."""
    team = make_team()
    admin = make_user("admin", team_id=team.id)
    customer = make_client()
    now = utcnow()
    complaint = save(
        app,
        Complaint(
            client_id=customer.id,
            summary="Order arrived late",
            channel="api",
            opened_at=now - timedelta(hours=2),
            due_at=now + timedelta(hours=22),
        ),
    )
    return {
        "complaint_id": complaint.id,
        "client_id": customer.id,
        "slug": team.slug,
        "admin": admin,
    }


ID_URLS = [
    "/complaints/{n}",
    "/complaints/clients/{n}",
    "/wishes/{n}",
]
QUERY_URLS = [
    "/complaints/?category={n}",
    "/complaints/?page={n}",
    "/wishes/?page={n}",
    "/wishes/new/for-client?client_id={n}",
    "/wishes/new?wish_id={n}",
    "/wishes/similar?title=x&wish_id={n}",
    "/standup/{slug}/history?person={n}",
    "/standup/{slug}/history?page={n}",
    "/admin/slack/outbox?before={n}",
]


def test_out_of_range_numbers_answer_4xx(app, client, login_as, seeded):
    login_as(seeded["admin"])
    slug = seeded["slug"]
    for template in ID_URLS + QUERY_URLS:
        for n in [str(2**31), str(2**63), "-1", "²", "1e999"]:
            url = template.format(n=n, slug=slug)
            response = client.get(url)
            assert response.status_code < 500, (url, response.status_code)
    for n in [str(2**31), str(2**63)]:
        assert client.get(f"/complaints/{n}").status_code == 404
        assert client.post(f"/complaints/{n}/take").status_code == 404


def test_api_limit_refuses_non_ascii_digits(app, client):
    from core.api.tokens import create_token

    with using(app):
        token = create_token("inputs-test")
    headers = {"Authorization": f"Bearer {token}"}
    for n in ["²", str(2**63), "0", "1e9"]:
        response = client.get(f"/api/v1/complaints?limit={n}", headers=headers)
        assert response.status_code == 400, n
        assert response.json["error"]["code"] == "bad_request"


def test_dates_near_year_1_or_9999_in_urls_are_not_found(app, client, login_as, seeded):
    login_as(seeded["admin"])
    slug = seeded["slug"]
    for day in ["0001-01-01", "9999-12-31", "0000-01-01", "2026-02-30"]:
        assert client.get(f"/standup/{slug}/{day}").status_code == 404, day
        assert client.get(f"/wishes/review?team={slug}&on={day}").status_code < 500, day


def test_405_says_which_methods_are_allowed(client):
    response = client.delete("/write-to-us")
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


# --- (b) NUL bytes and lone surrogates are refused and nothing is stored -------------------------


def _complaints(app) -> int:
    with using(app):
        return db.session.scalar(sa.select(sa.func.count()).select_from(Complaint))


def test_nul_in_public_write_to_us_is_refused_and_nothing_stored(app, client):
    before = _complaints(app)
    response = client.post(
        "/write-to-us",
        data={"name": "Ana\x00", "contact": "ana@example.com", "message": "Late again"},
    )
    assert response.status_code == 400
    assert b"NUL" in response.data
    assert _complaints(app) == before


@pytest.mark.parametrize(
    "body",
    ["5", '"x"', "[1, 2]", "null", '[["a", "b", "c"]]', '{"email": "a@example.com"}', "[" * 5000],
)
def test_json_sent_to_a_page_form_is_refused_and_changes_nothing(app, client, body):
    """Flask-WTF would read a JSON body as the form: a number, a list or deep nesting was a 500."""
    before = _complaints(app)
    for path in ("/auth/login", "/write-to-us"):
        response = client.post(path, data=body, content_type="application/json")
        assert response.status_code == 415
        assert "This page accepts form data only, not JSON." in response.text
    assert _complaints(app) == before


def test_json_refused_by_a_page_is_said_in_the_viewers_language(client, login_as):
    login_as("agent", locale="ru")
    response = client.post("/auth/account", data="{}", content_type="application/json")
    assert response.status_code == 415
    assert "Эта страница принимает только данные формы, не JSON." in response.text


def test_nul_in_login_is_refused(client):
    response = client.post("/login", data={"email": "a@example.com\x00", "password": "x"})
    assert response.status_code == 400


def test_nul_in_a_query_value_or_url_is_refused(client, login_as):
    login_as("agent")
    assert client.get("/complaints/?q=late%00").status_code == 400
    assert client.get("/standup/team%00/history").status_code == 400


def test_nul_in_the_survey_keeps_the_link_for_another_try(app, client, seeded):
    from complaints.intake import survey

    with using(app):
        _link, token = survey.issue_link(seeded["client_id"])
        db.session.commit()
    response = client.post(f"/s/{token}", data={"score": "2", "comment": "bad\x00"})
    assert response.status_code == 400
    assert client.get(f"/s/{token}").status_code == 200


def test_nul_in_a_complaint_form_is_refused(app, client, login_as, seeded):
    login_as(seeded["admin"])
    complaint_id = seeded["complaint_id"]
    response = client.post(
        f"/complaints/{complaint_id}/contacts",
        data={"channel": "call", "outcome": "reached", "notes": "x\x00y"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400


@pytest.mark.parametrize("text", ["\ud800", "nul\x00", "\udfff tail"])
def test_api_refuses_nul_and_lone_surrogates_in_json(app, client, text):
    from core.api.tokens import create_token

    with using(app):
        token = create_token("inputs-json")
    before = _complaints(app)
    body = json.dumps(
        {"client": {"external_id": "c-1", "name": text}, "summary": "late", "channel": "api"}
    )
    response = client.post(
        "/api/v1/complaints",
        data=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json["error"]["code"] == "bad_request"
    assert "fields" in response.json["error"]
    assert _complaints(app) == before


# --- non-finite decimals and implausible dates in forms ----------------------------------------


@pytest.mark.parametrize("amount", ["sNaN", "NaN", "Infinity", "-Infinity", "1e999999", "1e10"])
def test_compensation_amount_must_be_a_finite_number(app, client, login_as, seeded, amount):
    login_as(seeded["admin"])
    response = client.post(
        f"/complaints/{seeded['complaint_id']}/compensation",
        data={"kind": "discount", "amount": amount, "note": ""},
    )
    assert 400 <= response.status_code < 500, response.status_code


@pytest.mark.parametrize("value", ["0001-01-01T00:00", "9999-12-31T23:59"])
def test_contact_time_near_year_1_or_9999_is_a_field_error(app, client, login_as, seeded, value):
    login_as(seeded["admin"])
    response = client.post(
        f"/complaints/{seeded['complaint_id']}/contacts",
        data={"channel": "call", "outcome": "reached", "at": value},
    )
    assert 400 <= response.status_code < 500, response.status_code
    assert b"between 1900 and 9998" in response.data


def test_api_agenda_date_near_year_1_or_9999_is_refused(app, client, seeded):
    from core.api.tokens import create_token

    with using(app):
        token = create_token("inputs-agenda")
    headers = {"Authorization": f"Bearer {token}"}
    for day in ["0001-01-01", "9999-12-31"]:
        response = client.get(f"/api/v1/teams/{seeded['slug']}/standups/{day}", headers=headers)
        assert 400 <= response.status_code < 500, (day, response.status_code)


@pytest.mark.parametrize("csrf", [True, False])
def test_a_file_sent_as_a_text_field_is_refused_and_changes_nothing(app, client, csrf):
    """No login and no CSRF token needed: the expired-form handler read the file as the form too."""
    data = {"email": (io.BytesIO(b"a@b.co"), "f.txt"), "password": "x"}
    answer = client.post("/auth/login", data=data, content_type="multipart/form-data", csrf=csrf)
    assert answer.status_code == 400
    assert "takes text here, not a file" in answer.text
    public = client.post(
        "/write-to-us",
        data={"name": (io.BytesIO(b"Ana"), "n.txt"), "contact": "a@b.co", "message": "hi"},
        content_type="multipart/form-data",
        csrf=csrf,
    )
    assert public.status_code == 400
    with using(app):
        assert db.session.scalar(sa.select(sa.func.count(Complaint.id))) == 0
