"""The API contract is declared once: the document is valid OpenAPI 3.1, it describes every API route
with the very models its view checks requests with, and it says what the API really does (both
backends). The features' own API tests say what each endpoint does; these say that the document
agrees with it.
"""

import re

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from pydantic import ValidationError

from core.api.contract import field_messages
from core.api.openapi import REF, HuddleSchema, build_spec
from core.api.tokens import create_token
from core.database import utcnow
from standup import schedule
from standup import services as standups
from tests.support.db import using
from wishes.schemas import TITLE_OR_WISH_ID

CLIENT = {"external_id": "crm-1", "name": "Ana Lima", "email": "ana@example.com"}
# One body each endpoint accepts; the tests below spoil one field at a time.
VALID = {
    "/ratings": {"client": CLIENT, "score": 4, "comment": "Fine", "channel": "chat"},
    "/complaints": {"client": CLIENT, "summary": "Charged twice", "details": "Card ending 12"},
    "/survey-links": {"client": CLIENT, "order_ref": "A-1"},
    "/wishes": {"client": CLIENT, "title": "Dark mode", "details": "Eyes hurt at night"},
}
NULL = "must not be null (leave it out instead)"


@pytest.fixture
def headers(app):
    with using(app):
        token = create_token("contract")
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").json


def api_routes(app):
    """(documented path, method, contract) of every route the app serves under /api/v1."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        contract = getattr(app.view_functions[rule.endpoint], "api_operation", None)
        found += [(path, m.lower(), contract) for m in rule.methods - {"HEAD", "OPTIONS"}]
    return found


def expected_schema(model, mode):
    schema = model.model_json_schema(ref_template=REF, schema_generator=HuddleSchema, mode=mode)
    schema.pop("$defs", None)
    return schema


def component(spec, schema: dict) -> dict:
    return spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]


def validator(spec, schema: dict) -> Draft202012Validator:
    """A JSON Schema validator for ``schema``, its references resolved inside the document."""
    return Draft202012Validator({**schema, "components": spec["components"]})


def body_schema(spec, path: str) -> dict:
    return spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]


def answer_schema(spec, path: str, method: str, status: int) -> dict:
    response = spec["paths"][path][method]["responses"][str(status)]
    if "$ref" in response:
        response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return response["content"]["application/json"]["schema"]


def test_the_document_is_valid_openapi_3_1_and_public(client, spec):
    validate(spec)  # raises on any error
    assert spec["openapi"] == "3.1.0"
    assert client.get("/api/v1/openapi.json").status_code == 200  # no token


def test_the_document_is_written_once_and_is_what_the_routes_declare(app, client, spec):
    # Kept after the first request (it took ~10 ms each, issue #16): kept, it is still the routes'
    kept = app.extensions["huddle_openapi"]
    again = client.get("/api/v1/openapi.json")
    assert app.extensions["huddle_openapi"] is kept
    assert again.json == spec == build_spec(app)
    assert again.mimetype == "application/json"


def test_every_route_is_documented_with_the_models_its_view_checks_with(app, spec):
    routes = api_routes(app)
    assert {(path, method) for path, method, _ in routes} == {
        (path, method) for path, operations in spec["paths"].items() for method in operations
    }
    for path, method, contract in routes:
        assert contract is not None, f"{method} {path} declares no @operation"
        operation = spec["paths"][path][method]
        if contract.body:
            assert component(spec, body_schema(spec, path)) == expected_schema(
                contract.body, "validation"
            )
        for status, (_, model) in contract.responses.items():
            if model:
                documented = operation["responses"][str(status)]["content"]["application/json"]
                assert component(spec, documented["schema"]) == expected_schema(
                    model, "serialization"
                )
        for where, model in (
            ("path", contract.path),
            ("query", contract.query),
            ("header", contract.headers),
        ):
            if model:
                properties = expected_schema(model, "validation")["properties"]
                parameters = {
                    p["name"]: p["schema"] for p in operation["parameters"] if p["in"] == where
                }
                assert set(parameters) == set(properties)
        for status in (*contract.error_statuses(), *contract.responses):
            assert str(status) in operation["responses"]


def test_every_operation_documents_the_503_while_the_database_is_upgraded(app, spec):
    """Every route answers 503 ``unavailable`` with ``Retry-After`` while the database is set up or
    upgraded (``core.schema.unavailable``); the document listed no 503 at all."""
    unavailable = spec["components"]["responses"]["Unavailable"]
    assert unavailable["content"]["application/json"]["schema"] == {
        "$ref": REF.format(model="Error")
    }
    assert unavailable["headers"]["Retry-After"]["schema"] == {"type": "integer", "minimum": 0}
    for path, method, _ in api_routes(app):
        documented = spec["paths"][path][method]["responses"]["503"]
        assert documented == {"$ref": "#/components/responses/Unavailable"}, (method, path)


@pytest.mark.parametrize(
    "bad",
    [
        {},
        {
            "client": {"external_id": " ", "name": None, "phone": 7},
            "score": "5",
            "summary": None,
            "order_ref": None,
            "title": 5,
            "wish_id": True,
        },
    ],
)
def test_each_view_refuses_exactly_what_its_declared_model_refuses(app, client, headers, bad):
    for path, method, contract in api_routes(app):
        if contract is None or contract.body is None:
            continue
        with pytest.raises(ValidationError) as refused:
            contract.body.model_validate(bad)
        response = client.open(f"/api/v1{path}", method=method, json=bad, headers=headers)
        assert response.status_code == 422, path
        assert response.json["error"] == {
            "code": "invalid",
            "message": "Some fields are not valid.",
            "fields": field_messages(contract.body, refused.value),
        }


def _fields(schema: dict, spec) -> list[tuple[str, bool]]:
    """(dotted field, required) of a body schema, one level into nested objects."""
    fields = []
    for name, prop in schema["properties"].items():
        fields.append((name, name in schema.get("required", ())))
        if "$ref" in prop:
            nested = component(spec, prop)
            fields += [(f"{name}.{inner}", req) for inner, req in _fields(nested, spec)]
    return fields


@pytest.mark.parametrize("path", sorted(VALID))
def test_null_is_refused_as_the_document_says(client, headers, spec, path):
    """Absent means none; ``null`` is not a text, a number or an object, and both say so."""
    schema = body_schema(spec, path)
    check = validator(spec, schema)
    assert check.is_valid(VALID[path])
    for field, required in _fields(component(spec, schema), spec):
        body = {**VALID[path], "client": dict(CLIENT)}
        *outer, name = field.split(".")
        (body[outer[0]] if outer else body)[name] = None
        assert not check.is_valid(body), f"the document accepts null for {field}"
        response = client.post(f"/api/v1{path}", json=body, headers=headers)
        assert response.status_code == 422, field
        assert response.json["error"]["fields"] == {field: "is required" if required else NULL}
    accepted = client.post(f"/api/v1{path}", json=VALID[path], headers=headers)
    assert accepted.status_code == 201


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/ratings", {"client": CLIENT, "score": 1, "occurred_at": "2026-01-02T03:04:05+03:00"}),
        ("/ratings", {"client": CLIENT, "score": 3, "unknown": "ignored"}),
        ("/ratings", {"client": {**CLIENT, "external_id": "   "}, "score": 3}),
        ("/ratings", {"client": {**CLIENT, "name": ""}, "score": 3}),
        ("/ratings", {"client": CLIENT, "score": 6}),
        ("/ratings", {"client": CLIENT, "score": True}),
        ("/ratings", {"client": CLIENT, "score": 3, "channel": "pigeon"}),
        ("/ratings", {"client": CLIENT, "score": 3, "comment": "x" * 5001}),
        ("/ratings", {"client": "crm-1", "score": 3}),
        ("/complaints", {"client": CLIENT, "summary": " "}),
        ("/complaints", {"client": CLIENT, "summary": "x" * 301}),
        ("/survey-links", {"client": {**CLIENT, "phone": "1" * 41}}),
        ("/wishes", {"client": CLIENT, "title": "Dark mode"}),
        ("/wishes", {"client": CLIENT}),
        ("/wishes", {"client": CLIENT, "title": "   "}),
        ("/wishes", {"client": CLIENT, "details": "Only details"}),
        ("/wishes", {"client": CLIENT, "wish_id": 0}),
        ("/wishes", {"client": CLIENT, "wish_id": 2**31}),
        ("/wishes", {"client": CLIENT, "title": "x" * 201}),
    ],
)
def test_the_document_accepts_what_the_api_accepts(client, headers, spec, path, body):
    documented = validator(spec, body_schema(spec, path)).is_valid(body)
    response = client.post(f"/api/v1{path}", json=body, headers=headers)
    assert response.status_code in (201, 422)
    assert documented == (response.status_code == 201), response.json


def test_the_wishes_rule_is_in_the_document_and_enforced(client, headers, spec):
    schema = component(spec, body_schema(spec, "/wishes"))
    assert {"required": ["wish_id"]} in schema["anyOf"]
    assert any(branch.get("required") == ["title"] for branch in schema["anyOf"])
    refused = client.post("/api/v1/wishes", json={"client": CLIENT}, headers=headers)
    assert refused.status_code == 422
    assert refused.json["error"]["fields"] == {"title": TITLE_OR_WISH_ID}
    made = client.post("/api/v1/wishes", json=VALID["/wishes"], headers=headers).json
    by_id = {"client": {**CLIENT, "external_id": "crm-2"}, "wish_id": made["wish_id"]}
    counted = client.post("/api/v1/wishes", json=by_id, headers=headers)
    assert counted.status_code == 201 and counted.json["distinct_clients"] == 2


def test_every_answer_matches_its_documented_schema(
    app, client, headers, spec, make_team, make_user
):
    team = make_team(workdays="1234567")
    make_user(team_id=team.id, name="Ana")
    with using(app):
        standups.prepare_standups(utcnow())
        today = schedule.local_date(team, utcnow()).isoformat()
    post = {
        path: client.post(f"/api/v1{path}", json=body, headers=headers)
        for path, body in VALID.items()
    }
    answers = [
        *((path, "post", response) for path, response in post.items()),
        (
            "/ratings",
            "post",
            client.post("/api/v1/ratings", json={"client": CLIENT, "score": 1}, headers=headers),
        ),
        ("/complaints", "get", client.get("/api/v1/complaints?limit=1", headers=headers)),
        ("/complaints", "get", client.get("/api/v1/complaints?limit=0", headers=headers)),
        ("/token", "get", client.get("/api/v1/token", headers=headers)),
        ("/token", "get", client.get("/api/v1/token")),
        ("/ratings", "post", client.post("/api/v1/ratings", json={"score": 9}, headers=headers)),
        ("/wishes", "post", client.post("/api/v1/wishes", data="x", headers=headers)),
    ]
    agenda = f"/api/v1/teams/{team.slug}/standups/"
    answers += [
        ("/teams/{slug}/standups/{date}", "get", client.get(agenda + today, headers=headers)),
        (
            "/teams/{slug}/standups/{date}",
            "get",
            client.get(agenda + "1999-01-01", headers=headers),
        ),
        (
            "/teams/{slug}/standups/{date}",
            "get",
            client.get(agenda + "2025-13-40", headers=headers),
        ),
    ]
    seen = set()
    for path, method, response in answers:
        schema = answer_schema(spec, path, method, response.status_code)
        errors = list(validator(spec, schema).iter_errors(response.json))
        assert not errors, (path, response.status_code, errors[0].message)
        seen.add(response.status_code)
    assert seen == {200, 201, 400, 401, 404, 422}
