"""JSON API v1: bearer-token authentication, the error shape, and the OpenAPI document.

Feature packages add their routes to ``bp`` (importing it from here) and their paths to
``dashboard.api.openapi``; this module owns only what every endpoint shares.
"""

import sqlalchemy as sa
from flask import Blueprint, g, jsonify, request

from core.api.openapi import build_spec
from core.api.tokens import ApiToken, hash_token
from core.database import utcnow
from core.errors import api_error
from core.extensions import db
from core.inputs import UNSTORABLE_MESSAGE, unstorable_json_field

bp = Blueprint("api", __name__, url_prefix="/api/v1")


class ApiError(Exception):
    """Raise anywhere in an API view to answer with the JSON error shape."""

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields or {}


def json_body() -> dict:
    """The request's JSON object, or a 400 that says what is wrong with it."""
    if not request.is_json:
        raise ApiError(400, "bad_request", "Send a JSON body with Content-Type: application/json.")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request", "The body must be a JSON object.")
    field = unstorable_json_field(data)
    if field is not None:
        raise ApiError(400, "bad_request", str(UNSTORABLE_MESSAGE), {field: "invalid characters"})
    return data


@bp.before_request
def authenticate():
    if request.endpoint == "api.openapi":
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return api_error(401, "unauthorized", "Send Authorization: Bearer <token>.")
    api_token = db.session.scalar(
        sa.select(ApiToken).where(
            ApiToken.token_hash == hash_token(token.strip()), ApiToken.revoked_at.is_(None)
        )
    )
    if api_token is None:
        return api_error(401, "unauthorized", "This token is unknown or revoked.")
    g.api_token = api_token
    return None


@bp.errorhandler(ApiError)
def handle_api_error(error: ApiError):
    db.session.rollback()
    return api_error(error.status, error.code, error.message, error.fields)


@bp.get("/openapi.json")
def openapi():

    return jsonify(build_spec())


@bp.get("/token")
def whoami():
    """Lets another system check its token before sending real data."""
    return jsonify({"name": g.api_token.name, "created_at": g.api_token.created_at.isoformat()})


def touch_token() -> None:
    """Note when a token was last used; the caller's commit saves it with the request's change."""
    if getattr(g, "api_token", None) is not None:
        g.api_token.last_used_at = utcnow()
