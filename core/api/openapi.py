"""The OpenAPI 3.1 document for /api/v1, written from the contracts the routes declare.

Nothing is described by hand: the paths are the app's registered API routes, and each one's
parameters, body, answers and errors come from its ``@operation`` (``core.api.contract``), whose
pydantic models are the ones that check the requests. A route without a contract is not documented,
and the tests refuse that.
"""

import re

from flask import Flask
from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema

from core.api.contract import Operation
from core.api.schemas import Error

PREFIX = "/api/v1"
REF = "#/components/schemas/{model}"

# Every error status the API answers with, as a named response with the Error schema.
ERRORS = {
    400: ("BadRequest", "The body is not a JSON object, or a parameter is not valid"),
    401: ("Unauthorized", "The bearer token is missing, unknown or revoked"),
    403: ("Forbidden", "This is not allowed"),
    404: ("NotFound", "There is no such thing"),
    409: ("Conflict", "A request with this Idempotency-Key is still in progress; retry"),
    413: ("TooLarge", "The body is too large"),
    422: ("Invalid", "Some fields are not valid; `error.fields` names each one"),
    503: (
        "Unavailable",
        "Huddle is being set up or upgraded (`error.code` is `unavailable`); try again after "
        "`Retry-After` seconds",
    ),
}
# Headers an error response documents besides its body (``core.schema.unavailable`` sets these).
ERROR_HEADERS = {
    503: {
        "Retry-After": {
            "description": "Seconds to wait before trying again",
            "required": True,
            "schema": {"type": "integer", "minimum": 0},
        }
    }
}


class HuddleSchema(GenerateJsonSchema):
    """pydantic's JSON Schema without clutter: no generated field titles, and no ``default: null``
    (an optional field left out means none; ``null`` itself is refused)."""

    def field_title_should_be_set(self, schema) -> bool:
        return False

    def default_schema(self, schema):
        if "default" in schema and schema["default"] is None:
            return self.generate_inner(schema["schema"])
        return super().default_schema(schema)


def model_schema(model: type[BaseModel], mode: str = "validation") -> dict:
    """``model``'s JSON Schema with references into the document's components."""
    return model.model_json_schema(ref_template=REF, schema_generator=HuddleSchema, mode=mode)


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


class _Document:
    def __init__(self):
        self.paths: dict = {}
        self.schemas: dict = {}

    def ref(self, model: type[BaseModel], mode: str) -> dict:
        schema = model_schema(model, mode)
        for name, nested in {**schema.pop("$defs", {}), model.__name__: schema}.items():
            if self.schemas.setdefault(name, nested) != nested:
                raise ValueError(f"Two different API schemas are named {name}; rename one model.")
        return {"$ref": REF.format(model=model.__name__)}

    def parameters(self, model: type[BaseModel] | None, where: str) -> list[dict]:
        if model is None:
            return []
        schema = model_schema(model)
        required = set(schema.get("required", ()))
        found = []
        for name, prop in schema["properties"].items():
            parameter = {"name": name, "in": where, "required": where == "path" or name in required}
            if "description" in prop:
                parameter["description"] = prop.pop("description")
            found.append({**parameter, "schema": prop})
        return found

    def operation(self, contract: Operation, arguments: set[str], endpoint: str) -> dict:
        untyped = [] if contract.path else sorted(arguments)
        parameters = [
            *(
                {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                for name in untyped
            ),
            *self.parameters(contract.path, "path"),
            *self.parameters(contract.query, "query"),
            *self.parameters(contract.headers, "header"),
        ]
        responses = {
            str(status): {
                "description": text,
                **(_json(self.ref(model, "serialization")) if model else {}),
            }
            for status, (text, model) in contract.responses.items()
        }
        for status in contract.error_statuses():
            responses[str(status)] = {"$ref": f"#/components/responses/{ERRORS[status][0]}"}
        doc = {"operationId": endpoint, "summary": contract.summary}
        if contract.description:
            doc["description"] = contract.description
        if parameters:
            doc["parameters"] = parameters
        if contract.body:
            doc["requestBody"] = {"required": True, **_json(self.ref(contract.body, "validation"))}
        doc["responses"] = responses
        if contract.public:
            doc["security"] = []
        return doc


def _headers(status: int) -> dict:
    return {"headers": ERROR_HEADERS[status]} if status in ERROR_HEADERS else {}


def spec_json(app: Flask) -> str:
    """The document as JSON, written on the first request and kept by the app.

    Written anew it took 9-11 ms of a worker for each anonymous request (issue #16). It follows
    from the routes alone, and Flask refuses new routes once the app has served a request.
    """
    kept = app.extensions.get("huddle_openapi")
    if kept is None:
        kept = app.extensions["huddle_openapi"] = app.json.dumps(
            build_spec(app), separators=(",", ":")
        )
    return kept


def build_spec(app: Flask) -> dict:
    document = _Document()
    document.ref(Error, "serialization")
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        contract = getattr(app.view_functions.get(rule.endpoint), "api_operation", None)
        if contract is None:
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule.removeprefix(PREFIX))
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        for method in methods:
            name = rule.endpoint if len(methods) == 1 else f"{rule.endpoint}_{method.lower()}"
            operation = document.operation(contract, set(rule.arguments), name)
            document.paths.setdefault(path, {})[method.lower()] = operation
    error = _json({"$ref": REF.format(model="Error")})
    responses = {
        name: {"description": text, **error, **_headers(status)}
        for status, (name, text) in ERRORS.items()
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Huddle API", "version": "1"},
        "servers": [{"url": PREFIX}],
        "security": [{"bearer": []}],
        "paths": document.paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": responses,
            "schemas": document.schemas,
        },
    }
