"""Property-based fuzzing of the JSON API against its own OpenAPI document, on both databases.

Hypothesis draws requests for every operation of ``/api/v1/openapi.json``: bodies that follow the
documented schema (drawn from its JSON schema by ``valid`` below), bodies whose fields hold any JSON at all (huge and
non-finite numbers, NUL bytes, lone surrogates, deep nesting, wrong types), and any text in query
strings, path segments and the ``Idempotency-Key`` header. Whatever is sent, the answer is never a
5xx, its status is one the document declares for that operation, an error has the one error shape,
and a success has the documented body; a refused request changes nothing. The number of examples is bounded so the module runs in well
under a minute.
"""

import copy
import string
from datetime import UTC
from urllib.parse import quote

import jsonschema
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from complaints.models import Complaint, Rating, SurveyLink
from core.api.idempotency import IdempotentRequest
from core.extensions import db
from core.models import Client
from tests.support.app import make_app
from tests.support.db import using
from wishes.models import Wish, WishRequest

EXAMPLES = 25
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _spec() -> dict:
    app = make_app("sqlite://")
    with app.test_client() as client:
        return client.get("/api/v1/openapi.json").json


SPEC = _spec()
OPERATIONS = [
    (method.upper(), path, operation)
    for path, methods in SPEC["paths"].items()
    for method, operation in methods.items()
]


def _inline(schema, components: dict):
    """The schema with every ``#/components/schemas/X`` replaced by X itself (none is recursive)."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            return _inline(components[schema["$ref"].rsplit("/", 1)[-1]], components)
        return {key: _inline(value, components) for key, value in schema.items()}
    if isinstance(schema, list):
        return [_inline(item, components) for item in schema]
    return schema


def _schema(schema: dict) -> dict:
    return _inline(copy.deepcopy(schema), SPEC["components"]["schemas"])


def from_schema(schema: dict):
    """Values that follow ``schema``: the part of JSON Schema the API's pydantic models produce."""
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "anyOf" in schema and "type" not in schema:
        return st.one_of([from_schema(option) for option in schema["anyOf"]])
    kind = schema.get("type")
    if kind == "integer":
        return st.integers(schema.get("minimum"), schema.get("maximum"))
    if kind == "number":
        return st.floats(schema.get("minimum"), schema.get("maximum"), allow_nan=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    if kind == "array":
        return st.lists(from_schema(schema.get("items", {})), max_size=3)
    if kind == "string":
        return _strings(schema)
    if kind == "object" or "properties" in schema:
        return _objects(schema)
    return ANY_JSON


def _strings(schema: dict):
    form = schema.get("format")
    if form == "date":
        return st.dates().map(str)
    if form == "date-time":
        return st.datetimes(timezones=st.just(UTC)).map(lambda at: at.isoformat())
    if form == "email":
        return st.sampled_from(["ana@example.com", "x@y.io"])
    low, high = schema.get("minLength", 0), min(schema.get("maxLength", 80), 80)
    return st.text(min_size=low, max_size=max(low, high)).filter(lambda text: text.strip())


def _objects(schema: dict):
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    for option in schema.get("anyOf", [])[:1]:  # e.g. a wish: a title, or else a known wish_id
        required |= set(option.get("required", []))
    return st.fixed_dictionaries(
        {name: from_schema(sub) for name, sub in properties.items() if name in required},
        optional={
            name: from_schema(sub) for name, sub in properties.items() if name not in required
        },
    )


# Any JSON: what another system could send by mistake or on purpose.
ODD_TEXT = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["\x00", "a\x00b", "\ud800", "²", "٣", "１", "sNaN", "1e999999", "-0", " "]),
    st.text(min_size=300, max_size=6000),
)
ODD_NUMBERS = st.one_of(
    st.integers(),
    st.sampled_from([2**31, 2**63, -(2**63) - 1, 10**400, 0, -1]),
    st.floats(allow_nan=False, allow_infinity=False),
)
ANY_JSON = st.recursive(
    st.none() | st.booleans() | ODD_NUMBERS | ODD_TEXT,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(ODD_TEXT, children, max_size=4)
    ),
    max_leaves=12,
)
# Deeply nested JSON, as the raw bytes of a body (no JSON encoder would write it).
DEEP = st.integers(min_value=50, max_value=5000).map(lambda n: ("[" * n + "]" * n).encode())


def _bodies(schema: dict):
    """Bodies that follow the schema, and the same fields holding anything at all."""
    properties = schema.get("properties", {})
    garbled = st.fixed_dictionaries(
        {}, optional={name: ANY_JSON | from_schema(sub) for name, sub in properties.items()}
    )
    return st.one_of(from_schema(schema), garbled, ANY_JSON)


HEADER_TEXT = st.text(alphabet=string.printable.strip() + " é", max_size=250)


def _requests(method: str, path: str, operation: dict):
    """A strategy of (url, json body or raw text or None, extra headers)."""
    parameters = {p["in"]: [] for p in operation.get("parameters", [])}
    for parameter in operation.get("parameters", []):
        parameters[parameter["in"]].append(parameter)
    path_values = st.fixed_dictionaries(
        {
            p["name"]: st.one_of(
                from_schema(_schema(p["schema"])), st.text(min_size=1, max_size=20)
            )
            for p in parameters.get("path", [])
        }
    )
    query_values = st.fixed_dictionaries(
        {},
        optional={
            p["name"]: st.one_of(from_schema(_schema(p["schema"])).map(str), ODD_TEXT)
            for p in parameters.get("query", [])
        },
    )
    header_values = st.fixed_dictionaries(
        {}, optional={p["name"]: HEADER_TEXT for p in parameters.get("header", [])}
    )
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    bodies = st.none()
    if content:
        bodies = st.one_of(_bodies(_schema(content["schema"])), DEEP)

    @st.composite
    def draw(draw_):
        url = "/api/v1" + path
        for name, value in draw_(path_values).items():
            url = url.replace("{" + name + "}", quote(str(value), safe="", errors="surrogatepass"))
        query = draw_(query_values)
        if query:
            url += "?" + "&".join(
                f"{quote(k)}={quote(v, safe='', errors='surrogatepass')}" for k, v in query.items()
            )
        return url, draw_(bodies), draw_(header_values)

    return draw()


WRITTEN = (Client, Rating, Complaint, SurveyLink, Wish, WishRequest, IdempotentRequest)


FOOTPRINT = sa.select(
    *(sa.select(sa.func.count()).select_from(model).scalar_subquery() for model in WRITTEN)
)


def _footprint(app) -> list[int]:
    """How many rows the API's writes can add, table by table (one query: it runs per example)."""
    with using(app):
        return list(db.session.execute(FOOTPRINT).one())


def _check_answer(response, method: str, path: str, operation: dict) -> None:
    status = response.status_code
    assert status < 500, (method, path, status, response.get_data(as_text=True)[:500])
    declared = operation["responses"]
    assert str(status) in declared, (method, path, status, response.get_data(as_text=True)[:500])
    documented = declared[str(status)]
    if "$ref" in documented:
        documented = SPEC["components"]["responses"][documented["$ref"].rsplit("/", 1)[-1]]
    content = documented.get("content", {}).get("application/json")
    if content is None or not content.get("schema"):
        return
    jsonschema.validate(response.json, _schema(content["schema"]))


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    OPERATIONS,
    ids=[f"{method} {path}" for method, path, _ in OPERATIONS],
)
def test_any_request_is_answered_as_documented(app, client, api_headers, method, path, operation):
    @FUZZ
    @given(_requests(method, path, operation))
    def request_is_answered(drawn):
        url, body, headers = drawn
        headers = {**api_headers, **headers}
        before = _footprint(app) if method == "POST" else None
        if isinstance(body, bytes):
            response = client.open(
                url, method=method, data=body, headers=headers, content_type="application/json"
            )
        elif body is not None:
            response = client.open(url, method=method, json=body, headers=headers)
        else:
            response = client.open(url, method=method, headers=headers)
        _check_answer(response, method, path, operation)
        if response.status_code >= 400 and method == "POST":
            assert _footprint(app) == before, (url, response.status_code, response.json)

    request_is_answered()
