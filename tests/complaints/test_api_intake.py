"""The JSON API other systems use for ratings, complaints and survey links (SQLite and PostgreSQL)."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from complaints.intake import api as complaints_api
from complaints.models import Complaint, Rating, SurveyLink
from core.api.idempotency import IdempotentRequest
from core.api.tokens import ApiToken
from core.database import utcnow
from core.extensions import db
from core.models import Client
from tests.support.api import CLIENT, post_json, token_headers
from tests.support.db import all_rows, count, save, save_all, using
from tests.support.factories import build_complaint
from tests.support.queries import count_statements


def created(app):
    return count(app, Rating), count(app, Complaint), count(app, Client)


def test_low_rating_opens_exactly_one_complaint(app, client, api_headers):
    response = post_json(
        client, "/api/v1/ratings", {"client": CLIENT, "score": 1, "comment": "Cold"}, api_headers
    )
    assert response.status_code == 201
    assert set(response.json) == {"id", "complaint_id"} and response.json["complaint_id"]
    assert created(app) == (1, 1, 1)
    (complaint,) = all_rows(app, Complaint)
    assert complaint.id == response.json["complaint_id"] and complaint.channel == "api"


@pytest.mark.parametrize("score", [4, 5])
def test_high_rating_opens_none(app, client, api_headers, score):
    response = post_json(client, "/api/v1/ratings", {"client": CLIENT, "score": score}, api_headers)
    assert response.status_code == 201 and response.json["complaint_id"] is None
    assert created(app) == (1, 0, 1)


def test_same_clients_open_complaint_is_reused(app, client, api_headers):
    first = post_json(client, "/api/v1/ratings", {"client": CLIENT, "score": 2}, api_headers).json
    second = post_json(
        client, "/api/v1/ratings", {"client": CLIENT, "score": 1, "channel": "chat"}, api_headers
    ).json
    assert first["complaint_id"] == second["complaint_id"]
    assert created(app) == (2, 1, 1)


def test_rating_keeps_what_was_sent(app, client, api_headers):
    body = {
        "client": CLIENT,
        "score": 4,
        "comment": "Fine",
        "order_ref": "ORD-1",
        "channel": "chat",
        "occurred_at": "2026-01-02T03:04:05+03:00",
    }
    post_json(client, "/api/v1/ratings", body, api_headers)
    (rating,) = all_rows(app, Rating)
    assert (rating.comment, rating.order_ref, rating.channel) == ("Fine", "ORD-1", "chat")
    assert rating.occurred_at.isoformat() == "2026-01-02T00:04:05+00:00"
    (stored,) = all_rows(app, Client)
    assert (stored.email, stored.phone) == (CLIENT["email"], CLIENT["phone"])


def test_idempotent_replay_returns_the_first_answer_and_creates_nothing(app, client, api_headers):
    body = {"client": CLIENT, "score": 1}
    first = post_json(client, "/api/v1/ratings", body, api_headers, **{"Idempotency-Key": "k-1"})
    # the same JSON with its keys in another order is the same request
    reordered = {"score": 1, "client": dict(reversed(list(CLIENT.items())))}
    again = post_json(
        client, "/api/v1/ratings", reordered, api_headers, **{"Idempotency-Key": "k-1"}
    )
    assert first.status_code == again.status_code == 201
    assert first.json == again.json and again.headers["Idempotent-Replay"] == "true"
    assert created(app) == (1, 1, 1)


def test_same_key_with_another_body_is_422_and_creates_nothing(app, client, api_headers):
    post_json(
        client,
        "/api/v1/ratings",
        {"client": CLIENT, "score": 1},
        api_headers,
        **{"Idempotency-Key": "k-2"},
    )
    other = post_json(
        client,
        "/api/v1/ratings",
        {"client": CLIENT, "score": 5},
        api_headers,
        **{"Idempotency-Key": "k-2"},
    )
    assert other.status_code == 422 and other.json["error"]["code"] == "idempotency_key_reused"
    elsewhere = post_json(
        client,
        "/api/v1/complaints",
        {"client": CLIENT, "summary": "x"},
        api_headers,
        **{"Idempotency-Key": "k-2"},
    )
    assert elsewhere.status_code == 422
    assert created(app) == (1, 1, 1)


def test_keys_belong_to_one_token(app, client, api_headers):
    body = {"client": CLIENT, "score": 4}
    post_json(client, "/api/v1/ratings", body, api_headers, **{"Idempotency-Key": "shared"})
    post_json(client, "/api/v1/ratings", body, token_headers(app), **{"Idempotency-Key": "shared"})
    assert count(app, Rating) == 2


def test_a_lost_race_on_the_key_replays_the_winner(app, client, api_headers, monkeypatch):
    """Two requests with one key: the loser's insert hits the unique constraint and replays."""
    body = {"client": CLIENT, "score": 1}
    winner = post_json(client, "/api/v1/ratings", body, api_headers, **{"Idempotency-Key": "race"})
    real_scalar = db.session.scalar
    misses = []

    def scalar_missing_once(statement, *args, **kwargs):
        # The loser's first look finds nothing: the winner has not committed yet.
        if not misses and "idempotent_requests" in str(statement):
            misses.append(statement)
            return None
        return real_scalar(statement, *args, **kwargs)

    monkeypatch.setattr(complaints_api.db.session, "scalar", scalar_missing_once)
    loser = post_json(client, "/api/v1/ratings", body, api_headers, **{"Idempotency-Key": "race"})
    monkeypatch.undo()
    assert misses, "the race path was not taken"
    assert loser.status_code == 201 and loser.json == winner.json
    assert loser.headers["Idempotent-Replay"] == "true"
    assert created(app) == (1, 1, 1) and count(app, IdempotentRequest) == 1


def test_overlong_idempotency_key_is_refused(app, client, api_headers):
    response = post_json(
        client,
        "/api/v1/ratings",
        {"client": CLIENT, "score": 1},
        api_headers,
        **{"Idempotency-Key": "k" * 201},
    )
    assert response.status_code == 422 and "Idempotency-Key" in response.json["error"]["fields"]
    assert created(app) == (0, 0, 0)


FUTURE = (utcnow() + timedelta(days=2)).isoformat()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"client": CLIENT, "score": 0}, "score"),
        ({"client": CLIENT, "score": 6}, "score"),
        ({"client": CLIENT, "score": 2.5}, "score"),
        ({"client": CLIENT, "score": "5"}, "score"),
        ({"client": CLIENT, "score": True}, "score"),
        ({"client": CLIENT}, "score"),
        ({"score": 3}, "client"),
        ({"client": "crm-42", "score": 3}, "client"),
        ({"client": {"name": "X"}, "score": 3}, "client.external_id"),
        ({"client": {"external_id": "  ", "name": "X"}, "score": 3}, "client.external_id"),
        ({"client": {"external_id": "x"}, "score": 3}, "client.name"),
        ({"client": {**CLIENT, "external_id": "x" * 121}, "score": 3}, "client.external_id"),
        ({"client": {**CLIENT, "name": "x" * 201}, "score": 3}, "client.name"),
        ({"client": {**CLIENT, "email": "x" * 255}, "score": 3}, "client.email"),
        ({"client": {**CLIENT, "email": "not an address"}, "score": 3}, "client.email"),
        ({"client": {**CLIENT, "email": "ana@example"}, "score": 3}, "client.email"),
        ({"client": {**CLIENT, "email": "ana\nBcc: x@example.com"}, "score": 3}, "client.email"),
        ({"client": {**CLIENT, "email": "ana\u2028@example.com"}, "score": 3}, "client.email"),
        ({"client": {**CLIENT, "phone": "1" * 41}, "score": 3}, "client.phone"),
        ({"client": CLIENT, "score": 3, "comment": "x" * 5001}, "comment"),
        ({"client": CLIENT, "score": 3, "comment": 7}, "comment"),
        ({"client": CLIENT, "score": 3, "order_ref": "x" * 121}, "order_ref"),
        ({"client": CLIENT, "score": 3, "channel": "pigeon"}, "channel"),
        ({"client": CLIENT, "score": 3, "channel": ["api"]}, "channel"),
        ({"client": CLIENT, "score": 3, "occurred_at": "yesterday"}, "occurred_at"),
        ({"client": CLIENT, "score": 3, "occurred_at": "2026-13-45T00:00:00Z"}, "occurred_at"),
        ({"client": CLIENT, "score": 3, "occurred_at": 1700000000}, "occurred_at"),
        ({"client": CLIENT, "score": 3, "occurred_at": FUTURE}, "occurred_at"),
    ],
)
@pytest.mark.parametrize("key", [{}, {"Idempotency-Key": "bad"}], ids=["no-key", "key"])
def test_every_bad_rating_field_is_422_naming_it_and_nothing_is_created(
    app, client, api_headers, body, field, key
):
    response = post_json(client, "/api/v1/ratings", body, api_headers, **key)
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "invalid" and field in error["fields"] and error["fields"][field]
    assert created(app) == (0, 0, 0) and count(app, IdempotentRequest) == 0


def test_all_bad_fields_are_named_at_once(app, client, api_headers):
    response = post_json(
        client, "/api/v1/ratings", {"client": {"name": ""}, "score": 9, "channel": "?"}, api_headers
    )
    assert set(response.json["error"]["fields"]) == {
        "client.external_id",
        "client.name",
        "score",
        "channel",
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"client": CLIENT}, "summary"),
        ({"client": CLIENT, "summary": ""}, "summary"),
        ({"client": CLIENT, "summary": "x" * 301}, "summary"),
        ({"client": CLIENT, "summary": "ok", "details": "x" * 10001}, "details"),
        ({"client": CLIENT, "summary": "ok", "channel": "fax"}, "channel"),
        ({"summary": "ok"}, "client"),
    ],
)
def test_every_bad_complaint_field_is_422(app, client, api_headers, body, field):
    response = post_json(client, "/api/v1/complaints", body, api_headers)
    assert response.status_code == 422 and field in response.json["error"]["fields"]
    assert created(app) == (0, 0, 0)


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        ("not json", "application/json"),
        ("[1, 2]", "application/json"),
        ('"text"', "application/json"),
        ("null", "application/json"),
        ('{"client": {}}', "text/plain"),
        ("[" * 50_000 + "]" * 50_000, "application/json"),
    ],
)
def test_bodies_that_are_not_a_json_object_get_400(app, client, api_headers, raw, content_type):
    for url in ("/api/v1/ratings", "/api/v1/complaints", "/api/v1/survey-links"):
        response = client.post(url, data=raw, content_type=content_type, headers=api_headers)
        assert response.status_code == 400 and response.json["error"]["code"] == "bad_request"
    assert created(app) == (0, 0, 0)


def test_huge_body_gets_413_in_the_error_shape(app, client, api_headers):
    response = post_json(
        client,
        "/api/v1/ratings",
        {"client": CLIENT, "score": 1, "comment": "x" * 300_000},
        api_headers,
    )
    assert response.status_code == 413
    assert set(response.json["error"]) == {"code", "message", "fields"}
    app.config["MAX_CONTENT_LENGTH"] = 1000
    smaller = post_json(
        client, "/api/v1/complaints", {"client": CLIENT, "summary": "x" * 2000}, api_headers
    )
    assert smaller.status_code == 413
    rating = post_json(
        client,
        "/api/v1/ratings",
        {"client": CLIENT, "score": 1, "comment": "x" * 2000},
        api_headers,
    )
    assert rating.status_code == 413 and "error" in rating.json
    assert created(app) == (0, 0, 0)


def test_without_a_valid_token_nothing_is_recorded(app, client, api_headers):
    assert client.post("/api/v1/ratings", json={"client": CLIENT, "score": 1}).status_code == 401
    wrong = {"Authorization": "Bearer hud_not-a-token"}
    assert (
        post_json(client, "/api/v1/ratings", {"client": CLIENT, "score": 1}, wrong).status_code
        == 401
    )
    with using(app):
        for token in db.session.scalars(sa.select(ApiToken)):
            token.revoked_at = utcnow()
        db.session.commit()
    assert (
        post_json(
            client, "/api/v1/ratings", {"client": CLIENT, "score": 1}, api_headers
        ).status_code
        == 401
    )
    assert created(app) == (0, 0, 0)


def test_using_a_token_is_noted(app, client, api_headers):
    post_json(client, "/api/v1/ratings", {"client": CLIENT, "score": 4}, api_headers)
    (token,) = all_rows(app, ApiToken)
    assert token.last_used_at is not None


def test_complaint_is_opened_with_a_deadline(app, client, api_headers):
    response = post_json(
        client,
        "/api/v1/complaints",
        {
            "client": CLIENT,
            "summary": "Charged twice",
            "details": "Card ending 12",
            "channel": "email",
        },
        api_headers,
    )
    assert response.status_code == 201
    assert set(response.json) == {"id", "owner", "due_at"} and response.json["owner"] is None
    (complaint,) = all_rows(app, Complaint)
    assert complaint.due_at.isoformat() == response.json["due_at"]
    assert complaint.due_at - complaint.opened_at == timedelta(hours=app.config["FOLLOW_UP_HOURS"])
    assert (complaint.summary, complaint.details, complaint.channel) == (
        "Charged twice",
        "Card ending 12",
        "email",
    )


def test_complaint_replay_creates_nothing(app, client, api_headers):
    body = {"client": CLIENT, "summary": "Charged twice"}
    first = post_json(client, "/api/v1/complaints", body, api_headers, **{"Idempotency-Key": "c-1"})
    again = post_json(client, "/api/v1/complaints", body, api_headers, **{"Idempotency-Key": "c-1"})
    assert first.json == again.json and count(app, Complaint) == 1


@pytest.fixture
def add_complaints(app, make_client):
    """``n`` complaints, a minute apart unless told, of a client whose contact details stay ours."""

    def add(n, *, opened_at=None, status="new"):
        person = make_client(email="private@example.com", phone="+1 555 0100")
        now = utcnow()
        save_all(
            app,
            (
                build_complaint(
                    opened_at or now - timedelta(minutes=i),
                    client=person,
                    summary=f"Complaint {i}",
                    channel="api",
                    status=status,
                )
                for i in range(n)
            ),
        )

    return add


def test_open_complaints_are_paged_with_an_opaque_cursor(client, api_headers, add_complaints):
    add_complaints(5)
    add_complaints(2, status="closed")
    first = client.get("/api/v1/complaints?status=open&limit=3", headers=api_headers).json
    assert len(first["items"]) == 3 and first["next_cursor"]
    second = client.get(
        f"/api/v1/complaints?limit=3&cursor={first['next_cursor']}", headers=api_headers
    ).json
    assert len(second["items"]) == 2 and second["next_cursor"] is None
    items = first["items"] + second["items"]
    assert [item["summary"] for item in items] == [f"Complaint {i}" for i in range(5)]
    assert len({item["id"] for item in items}) == 5
    assert all("email" not in item["client"] for item in items)
    assert all(item["status"] == "new" for item in items)
    # the client's contact details stay ours (not "555" alone: a timestamp or id may hold it)
    assert "private@example.com" not in str(items) and "+1 555 0100" not in str(items)
    closed = client.get("/api/v1/complaints?status=closed", headers=api_headers).json["items"]
    assert len(closed) == 2
    assert len(client.get("/api/v1/complaints?status=all", headers=api_headers).json["items"]) == 7
    bad = client.get("/api/v1/complaints?cursor=garbage", headers=api_headers)
    assert bad.status_code == 400 and bad.json["error"]["fields"] == {"cursor": "invalid"}


def test_cursor_never_skips_or_repeats_complaints_opened_at_the_same_instant(
    client, api_headers, add_complaints
):
    add_complaints(7, opened_at=utcnow())
    seen, cursor = [], ""
    while True:
        page = client.get(f"/api/v1/complaints?limit=2&cursor={cursor}", headers=api_headers).json
        seen += [item["id"] for item in page["items"]]
        if not page["next_cursor"]:
            break
        cursor = page["next_cursor"]
    assert len(seen) == len(set(seen)) == 7


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("cursor=garbage", "cursor"),
        ("cursor=WzEsMl0", "cursor"),
        ("status=weird", "status"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("limit=-1", "limit"),
    ],
)
def test_bad_list_parameters_get_400_naming_them(client, api_headers, query, field):
    response = client.get(f"/api/v1/complaints?{query}", headers=api_headers)
    assert response.status_code == 400 and field in response.json["error"]["fields"]


def test_listing_takes_a_fixed_number_of_queries(app, client, api_headers, add_complaints):
    def statements_for(n):
        add_complaints(n)
        with count_statements(app) as counter:
            assert (
                client.get("/api/v1/complaints?limit=100", headers=api_headers).status_code == 200
            )
        return len(counter)

    # The token's first use of the minute is noted in a short write of its own: made here first.
    assert client.get("/api/v1/token", headers=api_headers).status_code == 200
    assert statements_for(3) == statements_for(30)


def test_survey_link_is_issued_and_works(app, client, api_headers):
    response = post_json(
        client, "/api/v1/survey-links", {"client": CLIENT, "order_ref": "A-1"}, api_headers
    )
    assert response.status_code == 201 and set(response.json) == {"url", "expires_at", "sent"}
    assert response.json["sent"] is False  # not asked to send
    (link,) = all_rows(app, SurveyLink)
    assert link.order_ref == "A-1" and link.expires_at.isoformat() == response.json["expires_at"]
    url = urlsplit(response.json["url"])  # on HUDDLE_BASE_URL, whatever host the request used
    assert f"{url.scheme}://{url.netloc}" == app.config["BASE_URL"]
    assert url.path.startswith("/s/") and client.get(url.path).status_code == 200
    bad = post_json(
        client, "/api/v1/survey-links", {"client": CLIENT, "order_ref": "x" * 121}, api_headers
    )
    assert bad.status_code == 422 and "order_ref" in bad.json["error"]["fields"]
    assert count(app, SurveyLink) == 1


def test_openapi_describes_every_endpoint_with_request_and_response_schemas(client):
    spec = client.get("/api/v1/openapi.json").json
    paths, schemas = spec["paths"], spec["components"]["schemas"]
    assert {"/ratings", "/complaints", "/survey-links", "/token"} <= set(paths)
    for path, method in [("/ratings", "post"), ("/complaints", "post"), ("/survey-links", "post")]:
        operation = paths[path][method]
        assert "Idempotency-Key" in str(operation["parameters"])
        assert operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert {"201", "400", "401", "413", "422"} <= set(operation["responses"])
    assert set(paths["/complaints"]["get"]["responses"]) >= {"200", "400", "401"}
    refs = [
        part.split('"')[0]
        for part in str(spec).replace("'", '"').split("#/components/schemas/")[1:]
    ]
    assert refs and all(ref in schemas for ref in refs)
    assert schemas["RatingIn"]["properties"]["score"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 5,
    }


def test_saved_token_helper(app):
    assert save(app, Client(external_id="helper", name="Helper")).id
