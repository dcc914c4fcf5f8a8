"""JSON API v1: what every endpoint shares — bearer tokens, the error shape, the OpenAPI document.

Each feature makes its own blueprint with ``api_blueprint`` (under ``/api/v1``, token checked,
``ApiError`` answered in the error shape, no CSRF or login) and registers it in its ``init_app``;
each route declares its contract with ``@operation`` (``core.api.contract``), which parses the request
into pydantic models and becomes the document at ``/api/v1/openapi.json``. Writes that a retry must
not repeat are declared with ``@creates`` (or go through ``idempotent``; ``core.api.idempotency``).
"""

from flask import Blueprint, current_app, g, request

from core import access
from core.api.contract import ApiError, answer, operation
from core.api.idempotency import IDEMPOTENT, creates, idempotent
from core.api.openapi import spec_json
from core.api.schemas import ApiModel, Instant
from core.api.tokens import authenticate
from core.database import READ_METHODS
from core.errors import api_error
from core.extensions import db

__all__ = [
    "IDEMPOTENT",
    "ApiError",
    "answer",
    "api_blueprint",
    "bp",
    "creates",
    "idempotent",
    "operation",
]


def _authenticate():
    view = current_app.view_functions.get(request.endpoint)
    contract = getattr(view, "api_operation", None)
    if contract is not None and contract.public:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return api_error(401, "unauthorized", "Send Authorization: Bearer <token>.")
    api_token = authenticate(token.strip(), writing=request.method not in READ_METHODS)
    if api_token is None:
        return api_error(401, "unauthorized", "This token is unknown, expired or revoked.")
    g.api_token = api_token
    scope = getattr(contract, "scope", None)
    if scope is not None and scope not in api_token.scopes:
        return api_error(403, "forbidden", f"This token lacks the scope {scope}.")
    return None


def _answer(error: ApiError):
    db.session.rollback()
    return api_error(error.status, error.code, error.message, error.fields)


def api_blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint under ``/api/v1`` for a feature's endpoints, sharing the token check."""
    blueprint = Blueprint(name, import_name, url_prefix="/api/v1")
    blueprint.before_request(_authenticate)
    blueprint.register_error_handler(ApiError, _answer)
    access.authenticates_itself(blueprint)  # bearer tokens, no cookies: no login, no CSRF
    return blueprint


# --- the core's own endpoints --------------------------------------------------------------------

bp = api_blueprint("api", __name__)


class TokenOut(ApiModel):
    name: str
    created_at: Instant


@bp.get("/openapi.json")
@operation("This document", responses={200: ("The OpenAPI 3.1 document", None)}, public=True)
def openapi():
    return current_app.response_class(spec_json(current_app), mimetype=current_app.json.mimetype)


@bp.get("/token")
@operation("Check the bearer token and see its name", responses={200: ("Valid", TokenOut)})
def whoami():
    """Lets another system check its token before sending real data."""
    return answer(TokenOut(name=g.api_token.name, created_at=g.api_token.created_at))
