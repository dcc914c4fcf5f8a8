"""POST /api/v1/wishes: counted per distinct client, the review date in the answer (both backends)."""

import pytest
import sqlalchemy as sa

from core.api.idempotency import IdempotentRequest
from core.extensions import db
from core.models import Client
from tests.support.api import post_json
from tests.support.db import count, using
from wishes import calendar
from wishes.models import Wish, WishRequest

CLIENT = {"external_id": "crm-7", "name": "Joana Silva", "email": "joana@example.com"}


def post(client, body, headers):
    return client.post("/api/v1/wishes", json=body, headers=headers)


def test_a_new_wish_answers_with_its_count_and_review_date(app, client, api_headers):
    response = post(
        client,
        {"client": CLIENT, "title": "Export reports to Excel", "details": "For the accountant"},
        api_headers,
    )
    assert response.status_code == 201
    body = response.json
    assert body["distinct_clients"] == 1 and body["status"] == "open"
    with using(app):
        expected = calendar.next_review_on(None)
        request = db.session.scalar(sa.select(WishRequest))
        assert request.problem == "For the accountant" and request.channel == "api"
        assert request.agent_id is None
    assert body["review_on"] == expected.isoformat()
    assert count(app, Client, Client.external_id == "crm-7") == 1


def test_clients_are_counted_once_each(app, client, api_headers):
    first = post(client, {"client": CLIENT, "title": "Dark mode"}, api_headers).json
    again = post(client, {"client": CLIENT, "title": "Dark mode"}, api_headers).json  # a retry
    assert again["wish_id"] == first["wish_id"] and again["distinct_clients"] == 1
    other = {"external_id": "crm-8", "name": "Bruno"}
    by_id = post(client, {"client": other, "wish_id": first["wish_id"]}, api_headers)
    assert by_id.status_code == 201 and by_id.json["distinct_clients"] == 2
    assert count(app, Wish) == 1 and count(app, WishRequest) == 2


def test_a_decided_wish_answers_with_the_decision(client, api_headers, decide_wish):
    wish_id = post(client, {"client": CLIENT, "title": "Pay by cheque"}, api_headers).json[
        "wish_id"
    ]
    decide_wish(wish_id, reason="Banks withdraw cheques")
    body = post(
        client,
        {"client": {"external_id": "crm-9", "name": "Carla"}, "wish_id": wish_id},
        api_headers,
    ).json
    assert body["review_on"] is None and body["decision"] == "wont_do"
    assert body["distinct_clients"] == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "Dark mode"}, "client"),
        ({"client": {"name": "X"}, "title": "Dark mode"}, "client.external_id"),
        ({"client": {"external_id": "x"}, "title": "Dark mode"}, "client.name"),
        ({"client": CLIENT}, "title"),
        ({"client": CLIENT, "title": "   "}, "title"),
        ({"client": CLIENT, "title": "x" * 201}, "title"),
        ({"client": CLIENT, "title": 42}, "title"),
        ({"client": CLIENT, "title": "Dark mode", "details": ["a"]}, "details"),
        ({"client": CLIENT, "wish_id": "7"}, "wish_id"),
        ({"client": CLIENT, "wish_id": 0}, "wish_id"),
        ({"client": CLIENT, "wish_id": 999_999}, "wish_id"),
    ],
)
def test_bad_input_is_refused_with_the_field_named(app, client, api_headers, body, field):
    response = post(client, body, api_headers)
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]
    assert count(app, Wish) == 0 and count(app, Client) == 0


def test_not_json_or_no_token_is_refused(client, api_headers):
    response = client.post("/api/v1/wishes", data="title=x", headers=api_headers)
    assert response.status_code == 400 and response.json["error"]["code"] == "bad_request"
    assert client.post("/api/v1/wishes", json={"client": CLIENT}).status_code == 401


def test_an_idempotent_replay_returns_the_first_answer_and_counts_nothing(app, client, api_headers):
    keyed = {**api_headers, "Idempotency-Key": "w-1"}
    body = {"client": CLIENT, "title": "Export to PDF", "details": "For the auditor"}
    first = post(client, body, keyed)
    # the same JSON with its keys in another order is the same request
    again = post(client, dict(reversed(list(body.items()))), keyed)
    assert first.status_code == again.status_code == 201
    assert again.json == first.json and again.headers["Idempotent-Replay"] == "true"
    assert "Idempotent-Replay" not in first.headers
    assert count(app, Wish) == 1 and count(app, WishRequest) == 1
    assert count(app, IdempotentRequest, IdempotentRequest.endpoint == "wishes") == 1


def test_the_same_key_with_another_body_is_422_and_counts_nothing(app, client, api_headers):
    keyed = {**api_headers, "Idempotency-Key": "w-2"}
    first = post(client, {"client": CLIENT, "title": "Dark mode"}, keyed)
    other = {"client": {"external_id": "crm-8", "name": "Bruno"}, "title": "Light mode"}
    reused = post(client, other, keyed)
    assert reused.status_code == 422
    assert reused.json["error"]["code"] == "idempotency_key_reused"
    assert "Idempotency-Key" in reused.json["error"]["fields"]
    # the key of a wish cannot be reused for a rating either
    rating = post_json(client, "/api/v1/ratings", {"client": CLIENT, "score": 5}, keyed)
    assert rating.status_code == 422
    assert rating.json["error"]["code"] == "idempotency_key_reused"
    assert count(app, Wish) == 1 and count(app, WishRequest) == 1
    assert count(app, Client, Client.external_id == "crm-8") == 0
    assert post(client, {"client": CLIENT, "title": "Dark mode"}, keyed).json == first.json


def test_a_refused_wish_with_a_key_stores_no_answer(app, client, api_headers):
    """A 422 is not kept for the key: the corrected request under the same key is counted."""
    keyed = {**api_headers, "Idempotency-Key": "w-3"}
    refused = post(client, {"client": CLIENT, "wish_id": 999_999}, keyed)
    assert refused.status_code == 422 and "wish_id" in refused.json["error"]["fields"]
    assert count(app, IdempotentRequest) == 0 and count(app, Client) == 0
    assert post(client, {"client": CLIENT, "title": "Dark mode"}, keyed).status_code == 201
    assert count(app, WishRequest) == 1


def test_the_path_is_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").json
    post_wish = spec["paths"]["/wishes"]["post"]
    assert "201" in post_wish["responses"] and "422" in post_wish["responses"]
    # Every model is a component, referenced where it is used.
    answer = post_wish["responses"]["201"]["content"]["application/json"]["schema"]["$ref"]
    assert set(spec["components"]["schemas"][answer.rsplit("/", 1)[1]]["properties"]) >= {
        "wish_id",
        "distinct_clients",
        "review_on",
    }
    header = {p["name"]: p for p in post_wish["parameters"] if p["in"] == "header"}
    assert "idempotency_key_reused" in header["Idempotency-Key"]["description"]
    assert "409" in post_wish["responses"]


def test_the_asking_clients_language_is_kept_for_their_callback(app, client, api_headers):
    """The API's client object names it ``locale``, as on every other endpoint; the wish's client
    dropped it (the service read a ``language`` key), so the decision was told in the default."""
    asked = post(client, {"client": CLIENT | {"locale": "ru"}, "title": "Dark mode"}, api_headers)
    assert asked.status_code == 201
    with using(app):
        assert (
            db.session.scalar(sa.select(Client.locale).where(Client.external_id == "crm-7")) == "ru"
        )
