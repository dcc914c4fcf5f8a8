"""What an endpoint promises, declared once with ``@operation``: its body, parameters and answers.

The declaration is kept on the view (``view.api_operation``). The view gets the request already
parsed into those models, and ``core.api.openapi`` writes the document from the very same
declarations, so what is documented is what is checked. Refusals keep the API's one error shape:
a body or header field that is not valid is a 422 ``invalid`` naming each field (dotted when nested:
``client.name``); a bad query or path parameter is a 400 ``bad_request``; a body that is not a JSON
object is a 400; one that is too large a 413.
"""

from dataclasses import dataclass
from functools import wraps

from flask import current_app, request
from pydantic import BaseModel, ValidationError

from core.inputs import UNSTORABLE_MESSAGE, unstorable_json_field

# An API body is a rating, a complaint or a wish, not an upload: a small cap keeps junk out early.
API_MAX_BODY_BYTES = 256 * 1024

INVALID = "Some fields are not valid."


class ApiError(Exception):
    """Raise anywhere in an API view to answer with the JSON error shape."""

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields or {}


@dataclass(frozen=True)
class Operation:
    """One endpoint's contract. ``responses`` maps a status to (description, model or None)."""

    summary: str
    responses: dict[int, tuple[str, type[BaseModel] | None]]
    description: str | None = None
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    path: type[BaseModel] | None = None
    headers: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()  # what the view itself may answer beyond what the contract implies
    public: bool = False  # no token needed
    scope: str | None = None  # what the token must be allowed (core.api.tokens.SCOPES), else 403

    def error_statuses(self) -> list[int]:
        """Every error status the endpoint can answer with, from its declaration. Every one may
        answer 503 (``unavailable``, with ``Retry-After``) while the database is being set up or
        upgraded (``core.schema.unavailable``), before any contract is read."""
        statuses = {*self.errors, 503}
        if not self.public:
            statuses.add(401)
        if self.scope:
            statuses.add(403)
        if self.query or self.path:
            statuses.add(400)
        if self.body:
            statuses.update((400, 413, 422))
        if self.headers:
            statuses.add(422)
        return sorted(statuses)


def operation(summary: str, *, responses: dict, **declared):
    """Declare a view's contract; the view is called with ``body``/``query``/``headers`` models
    and its path parameters (validated by ``path`` when one is declared)."""
    contract = Operation(summary, responses, **declared)

    def decorator(view):
        @wraps(view)
        def parsed(**path_args):
            return view(**_read(contract, path_args))

        parsed.api_operation = contract
        return parsed

    return decorator


def answer(model: BaseModel, status: int = 200):
    """A declared response model as the JSON answer, written by pydantic in one call (a list page
    of 50 items through ``model_dump`` and ``jsonify`` cost a third of the request, issue #16)."""
    body = model.model_dump_json()
    return current_app.response_class(body, status=status, mimetype="application/json")


# --- reading the request ---------------------------------------------------------------------------


def _read(contract: Operation, path_args: dict) -> dict:
    """Path and query first (400), then the body as such (400/413), then its fields (422)."""
    args = dict(path_args)
    problems: dict[str, str] = {}
    if contract.path:
        path = _validate(contract.path, path_args, problems)
        args.update(path.model_dump() if path else {})
    if contract.query:
        args["query"] = _validate(contract.query, request.args.to_dict(), problems)
    if problems:
        raise ApiError(400, "bad_request", "Some parameters are not valid.", problems)
    data = json_body() if contract.body else None
    if contract.headers:
        args["headers"] = _validate(contract.headers, _headers(contract.headers), problems)
    if contract.body:
        args["body"] = _validate(contract.body, data, problems)
    if problems:
        raise ApiError(422, "invalid", INVALID, problems)
    return args


def _headers(model: type[BaseModel]) -> dict:
    names = [info.alias or name for name, info in model.model_fields.items()]
    return {name: request.headers[name] for name in names if name in request.headers}


def json_body() -> dict:
    """The request's JSON object, or a 400/413 that says what is wrong with it."""
    limit = current_app.config.get("API_MAX_BODY_BYTES", API_MAX_BODY_BYTES)
    overall = current_app.config.get("MAX_CONTENT_LENGTH")
    request.max_content_length = min(limit, overall) if overall else limit
    if not request.is_json:
        raise ApiError(400, "bad_request", "Send a JSON body with Content-Type: application/json.")
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # absurdly nested JSON: Python's parser gives up before we could
        raise ApiError(400, "bad_request", "The JSON body is nested too deeply.") from None
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request", "The body must be a JSON object.")
    field = unstorable_json_field(data)  # NUL or a lone surrogate: the database cannot store it
    if field is not None:
        raise ApiError(400, "bad_request", str(UNSTORABLE_MESSAGE), {field: "invalid characters"})
    return data


def _validate(model: type[BaseModel], data: dict, problems: dict[str, str]) -> BaseModel | None:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems.update(field_messages(model, error))
        return None


# --- what is wrong, in Huddle's words ---------------------------------------------------------------

# pydantic's error types, as the short messages the API has always answered with.
MESSAGES = {
    "missing": "is required",
    "string_too_short": "is required",  # only required texts have a minimum: one character
    "string_type": "must be a string",
    "string_too_long": "must be at most {max_length} characters",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "greater_than_equal": "must be at least {ge}",
    "less_than_equal": "must be at most {le}",
    "literal_error": "must be one of {expected}",
    "model_type": "must be an object",
    "date_type": "not a valid date",
    "date_parsing": "not a valid date",
    "date_from_datetime_parsing": "not a valid date",
    "date_from_datetime_inexact": "not a valid date",
}


def field_messages(model: type[BaseModel], error: ValidationError) -> dict[str, str]:
    """``{"client.name": "is required", ...}``: the first problem of each field."""
    messages: dict[str, str] = {}
    for problem in error.errors():
        loc = problem["loc"] or (problem.get("ctx", {}).get("field", ""),)
        name = ".".join(str(part) for part in loc)
        if name not in messages:
            messages[name] = _message(model, loc, problem)
    return messages


def _message(model: type[BaseModel], loc: tuple, problem: dict) -> str:
    if problem["type"] != "missing" and problem.get("input", ...) is None:
        return "is required" if _required(model, loc) else "must not be null (leave it out instead)"
    template = MESSAGES.get(problem["type"])
    return template.format(**problem.get("ctx", {})) if template else problem["msg"]


def _required(model: type[BaseModel], loc: tuple) -> bool:
    """Whether the field at ``loc`` (through nested models) must be given."""
    for part in loc[:-1]:
        info = model.model_fields.get(part)
        if info is None or not isinstance(info.annotation, type):
            return False
        model = info.annotation
        if not issubclass(model, BaseModel):
            return False
    info = model.model_fields.get(loc[-1]) if loc else None
    return info is not None and info.is_required()
