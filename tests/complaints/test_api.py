"""The JSON API other systems use to send ratings and complaints (SQLite and PostgreSQL)."""

import pytest

from complaints.models import Complaint, Rating
from core.models import Client
from tests.support.api import CLIENT, post_json
from tests.support.db import count


def test_low_rating_opens_one_complaint(app, client, api_headers):
    response = post_json(
        client,
        "/api/v1/ratings",
        {"client": CLIENT, "score": 1, "comment": "Cold food"},
        api_headers,
    )
    assert response.status_code == 201
    body = response.json
    assert body["complaint_id"] is not None
    assert count(app, Complaint) == 1 and count(app, Rating) == 1


def test_high_rating_opens_none(app, client, api_headers):
    response = post_json(client, "/api/v1/ratings", {"client": CLIENT, "score": 4}, api_headers)
    assert response.status_code == 201 and response.json["complaint_id"] is None
    assert count(app, Complaint) == 0


def test_same_clients_open_complaint_is_reused(app, client, api_headers):
    first = post_json(client, "/api/v1/ratings", {"client": CLIENT, "score": 2}, api_headers).json
    second = post_json(client, "/api/v1/ratings", {"client": CLIENT, "score": 1}, api_headers).json
    assert first["complaint_id"] == second["complaint_id"]
    assert count(app, Complaint) == 1 and count(app, Rating) == 2


def test_idempotent_replay_creates_nothing(app, client, api_headers):
    body = {"client": CLIENT, "score": 1}
    first = post_json(client, "/api/v1/ratings", body, api_headers, **{"Idempotency-Key": "abc-1"})
    again = post_json(client, "/api/v1/ratings", body, api_headers, **{"Idempotency-Key": "abc-1"})
    assert first.status_code == again.status_code == 201
    assert first.json == again.json
    assert again.headers["Idempotent-Replay"] == "true"
    assert count(app, Complaint) == 1 and count(app, Rating) == 1
    other = post_json(
        client,
        "/api/v1/ratings",
        {"client": CLIENT, "score": 5},
        api_headers,
        **{"Idempotency-Key": "abc-1"},
    )
    assert other.status_code == 422 and other.json["error"]["code"] == "idempotency_key_reused"
    assert count(app, Rating) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"client": CLIENT, "score": 0}, "score"),
        ({"client": CLIENT, "score": 6}, "score"),
        ({"client": CLIENT, "score": "5"}, "score"),
        ({"client": CLIENT, "score": True}, "score"),
        ({"client": CLIENT}, "score"),
        ({"score": 3}, "client"),
        ({"client": {"name": "X"}, "score": 3}, "client.external_id"),
        ({"client": {"external_id": "x"}, "score": 3}, "client.name"),
        ({"client": {**CLIENT, "external_id": "x" * 121}, "score": 3}, "client.external_id"),
        ({"client": CLIENT, "score": 3, "channel": "pigeon"}, "channel"),
        ({"client": CLIENT, "score": 3, "occurred_at": "yesterday"}, "occurred_at"),
        ({"client": CLIENT, "score": 3, "comment": 7}, "comment"),
    ],
)
def test_bad_rating_fields_get_422_naming_the_field_and_change_nothing(
    app, client, api_headers, body, field
):
    response = post_json(client, "/api/v1/ratings", body, api_headers)
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]
    assert count(app, Rating) == 0 and count(app, Client) == 0


@pytest.mark.parametrize("raw", ["not json", "[1, 2]", '"text"'])
def test_non_object_bodies_get_400(app, client, api_headers, raw):
    response = client.post(
        "/api/v1/ratings", data=raw, content_type="application/json", headers=api_headers
    )
    assert response.status_code == 400 and response.json["error"]["code"] == "bad_request"


def test_huge_body_gets_413_in_the_error_shape(app, client, api_headers):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = post_json(
        client,
        "/api/v1/ratings",
        {"client": CLIENT, "score": 1, "comment": "x" * 2000},
        api_headers,
    )
    assert response.status_code == 413 and "error" in response.json


def test_without_token_nothing_is_recorded(app, client):
    response = client.post("/api/v1/ratings", json={"client": CLIENT, "score": 1})
    assert response.status_code == 401
    assert count(app, Rating) == 0


def test_complaint_is_opened_with_a_deadline(app, client, api_headers):
    response = post_json(
        client, "/api/v1/complaints", {"client": CLIENT, "summary": "Charged twice"}, api_headers
    )
    assert response.status_code == 201
    assert response.json["owner"] is None and response.json["due_at"]
    bad = post_json(client, "/api/v1/complaints", {"client": CLIENT, "summary": ""}, api_headers)
    assert bad.status_code == 422 and "summary" in bad.json["error"]["fields"]
    assert count(app, Complaint) == 1


def test_open_complaints_are_listed_with_a_cursor(app, client, api_headers, make_complaint):
    for n in range(5):
        make_complaint(summary=f"Complaint {n}")
    make_complaint(summary="Closed one", status="closed")
    first = client.get("/api/v1/complaints?status=open&limit=3", headers=api_headers).json
    assert len(first["items"]) == 3 and first["next_cursor"]
    second = client.get(
        f"/api/v1/complaints?limit=3&cursor={first['next_cursor']}", headers=api_headers
    ).json
    assert len(second["items"]) == 2 and second["next_cursor"] is None
    ids = [i["id"] for i in first["items"] + second["items"]]
    assert len(set(ids)) == 5
    assert all("email" not in item["client"] for item in first["items"])
    bad = client.get("/api/v1/complaints?cursor=garbage", headers=api_headers)
    assert bad.status_code == 400 and bad.json["error"]["fields"] == {"cursor": "invalid"}
    assert client.get("/api/v1/complaints?status=weird", headers=api_headers).status_code == 400


def test_survey_link_can_be_issued_through_the_api(app, client, api_headers):
    response = post_json(
        client, "/api/v1/survey-links", {"client": CLIENT, "order_ref": "A-1"}, api_headers
    )
    assert response.status_code == 201 and "/s/" in response.json["url"]


def test_openapi_describes_every_endpoint(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert {"/ratings", "/complaints", "/survey-links", "/token"} <= set(paths)
    assert "Idempotency-Key" in str(paths["/ratings"]["post"]["parameters"])
