"""JSON API v1 for other systems: ratings, complaints, survey links (see /api/v1/openapi.json).

Views stay thin: ``validation.Checker`` says what is wrong with a body field by field, ``intake``
writes, and ``_idempotent`` makes one commit per request, together with the stored answer that an
``Idempotency-Key`` replay gets back.
"""

import hashlib
import json
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import current_app, g, jsonify, request, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.exc import IntegrityError

from complaints.intake import services as intake
from complaints.intake import survey
from complaints.intake.validation import Checker, Invalid
from complaints.models import CHANNELS, OPEN_STATUSES, STATUSES, Complaint, IdempotentRequest
from core import clients
from core.api import ApiError, bp, json_body, touch_token
from core.api.openapi import error_responses, register
from core.extensions import db
from core.inputs import parse_int
from core.models import Client, User

MAX_PAGE = 100
DEFAULT_PAGE = 50
# An API body is a rating or a complaint, not an upload: a small cap keeps junk out early.
API_MAX_BODY_BYTES = 256 * 1024
IDEMPOTENCY_KEY_MAX = 200


def _body() -> dict:
    """The JSON object sent, or a 400/413 in the error shape; nothing is written before this."""
    limit = current_app.config.get("API_MAX_BODY_BYTES", API_MAX_BODY_BYTES)
    overall = current_app.config.get("MAX_CONTENT_LENGTH")
    request.max_content_length = min(limit, overall) if overall else limit
    try:
        return json_body()
    except RecursionError:  # absurdly nested JSON: Python's parser gives up before we could
        raise ApiError(400, "bad_request", "The JSON body is nested too deeply.") from None


def _check(check: Checker) -> None:
    try:
        check.done()
    except Invalid as error:
        raise ApiError(422, "invalid", "Some fields are not valid.", error.fields) from None


def _idempotent(endpoint: str, handler, data: dict):
    """Run ``handler`` once per ``Idempotency-Key`` (per token); replays get the first answer back.

    The answer is stored in the same transaction as the change, so a crash leaves neither. Two
    concurrent requests with one key race on the unique constraint (token_id, key): the loser's
    insert fails (PostgreSQL makes it wait for the winner's commit first), it rolls back everything
    it did and replays the winner's answer. The same key with a different body or endpoint is a
    client bug and gets 422 ``idempotency_key_reused``; nothing is created.
    """
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        body, status = handler(data)
        db.session.commit()
        return jsonify(body), status
    if len(key) > IDEMPOTENCY_KEY_MAX:
        raise ApiError(
            422,
            "invalid",
            "Idempotency-Key is too long.",
            {"Idempotency-Key": f"at most {IDEMPOTENCY_KEY_MAX} characters"},
        )
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    fingerprint = hashlib.sha256(f"{endpoint}\n{canonical}".encode()).hexdigest()

    def stored() -> IdempotentRequest | None:
        return db.session.scalar(
            sa.select(IdempotentRequest).where(
                IdempotentRequest.token_id == g.api_token.id, IdempotentRequest.key == key
            )
        )

    def replay(previous: IdempotentRequest):
        if previous.endpoint != endpoint or previous.fingerprint != fingerprint:
            raise ApiError(
                422,
                "idempotency_key_reused",
                "This Idempotency-Key was used for a different request.",
                {"Idempotency-Key": "already used with another body"},
            )
        response = jsonify(previous.response)
        response.status_code = previous.status_code
        response.headers["Idempotent-Replay"] = "true"
        return response

    previous = stored()
    if previous is not None:
        return replay(previous)
    body, status = handler(data)
    db.session.add(
        IdempotentRequest(
            token_id=g.api_token.id,
            key=key,
            endpoint=endpoint,
            fingerprint=fingerprint,
            status_code=status,
            response=body,
        )
    )
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        previous = stored()
        if previous is None:  # the other request failed after all: let the client retry
            raise ApiError(
                409, "conflict", "A request with this Idempotency-Key is in progress; retry."
            ) from None
        return replay(previous)
    return jsonify(body), status


def _rating(data: dict):
    check = Checker(data)
    client_data = check.client()
    score = check.integer("score", 1, 5)
    comment = check.text("comment", max_length=5000)
    order_ref = check.text("order_ref", max_length=120)
    channel = check.channel()
    occurred_at = check.timestamp("occurred_at", not_future=True)
    _check(check)
    client = clients.upsert_client(**client_data)
    rating = intake.record_rating(
        client,
        score,
        comment=comment,
        channel=channel,
        order_ref=order_ref,
        occurred_at=occurred_at,
    )
    touch_token()
    return {"id": rating.id, "complaint_id": rating.complaint_id}, 201


def _complaint(data: dict):
    check = Checker(data)
    client_data = check.client()
    summary = check.text("summary", required=True, max_length=300)
    details = check.text("details", max_length=10000)
    channel = check.channel()
    _check(check)
    client = clients.upsert_client(**client_data)
    complaint = intake.open_complaint(client, summary, details=details, channel=channel)
    touch_token()
    owner = complaint.owner.name if complaint.owner_id else None
    return {"id": complaint.id, "owner": owner, "due_at": complaint.due_at.isoformat()}, 201


def _survey_link(data: dict):
    check = Checker(data)
    client_data = check.client()
    order_ref = check.text("order_ref", max_length=120)
    _check(check)
    client = clients.upsert_client(**client_data)
    link, token = survey.issue_link(client.id, order_ref=order_ref)
    touch_token()
    url = url_for("public.survey", token=token, _external=True)
    return {"url": url, "expires_at": link.expires_at.isoformat()}, 201


@bp.post("/ratings")
def create_rating():
    return _idempotent("ratings", _rating, _body())


@bp.post("/complaints")
def create_complaint():
    return _idempotent("complaints", _complaint, _body())


@bp.post("/survey-links")
def create_survey_link():
    return _idempotent("survey-links", _survey_link, _body())


def _cursors() -> URLSafeSerializer:
    """Cursors are signed: opaque to clients, and a tampered one is a clean 400, never a 500."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="huddle-api-cursor")


def _encode_cursor(opened_at: datetime, complaint_id: int) -> str:
    return _cursors().dumps([opened_at.astimezone(UTC).isoformat(), complaint_id])


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        opened, complaint_id = _cursors().loads(cursor)
        opened_at = datetime.fromisoformat(opened)
        if opened_at.tzinfo is None or not isinstance(complaint_id, int):
            raise ValueError(cursor)
        return opened_at, complaint_id
    except (BadSignature, ValueError, TypeError):
        raise ApiError(
            400, "bad_cursor", "This cursor is not one we gave out.", {"cursor": "invalid"}
        ) from None


def _limit() -> int:
    raw = request.args.get("limit", str(DEFAULT_PAGE))
    limit = parse_int(raw, 1, MAX_PAGE)
    if limit is None:
        raise ApiError(
            400, "bad_request", "limit is out of range.", {"limit": f"must be 1 to {MAX_PAGE}"}
        )
    return limit


@bp.get("/complaints")
def list_complaints():
    """Newest first, keyset-paginated: a page is one query, stable however many complaints arrive."""
    status = request.args.get("status", "open")
    if status not in (*STATUSES, "open", "all"):
        raise ApiError(
            400,
            "bad_request",
            "Unknown status.",
            {"status": "open, all, or one of " + ", ".join(STATUSES)},
        )
    limit = _limit()
    query = (
        sa.select(Complaint, Client.external_id, Client.name, User.name)
        .join(Client, Client.id == Complaint.client_id)
        .outerjoin(User, User.id == Complaint.owner_id)
        .order_by(Complaint.opened_at.desc(), Complaint.id.desc())
        .limit(limit + 1)
        .options(sa.orm.lazyload("*"))  # the joins above already fetch what the items show
    )
    if status == "open":
        query = query.where(Complaint.status.in_(OPEN_STATUSES))
    elif status != "all":
        query = query.where(Complaint.status == status)
    if request.args.get("cursor"):
        opened_at, last_id = _decode_cursor(request.args["cursor"])
        query = query.where(
            sa.or_(
                Complaint.opened_at < opened_at,
                sa.and_(Complaint.opened_at == opened_at, Complaint.id < last_id),
            )
        )
    rows = db.session.execute(query).all()
    items = [
        {
            "id": complaint.id,
            "client": {"external_id": external_id, "name": client_name},
            "summary": complaint.summary,
            "status": complaint.status,
            "channel": complaint.channel,
            "owner": owner_name,
            "opened_at": complaint.opened_at.isoformat(),
            "due_at": complaint.due_at.isoformat(),
            "resolved_at": complaint.resolved_at.isoformat() if complaint.resolved_at else None,
        }
        for complaint, external_id, client_name, owner_name in rows[:limit]
    ]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1][0]
        next_cursor = _encode_cursor(last.opened_at, last.id)
    touch_token()
    db.session.commit()
    return jsonify({"items": items, "next_cursor": next_cursor})


# --- OpenAPI ---------------------------------------------------------------------------------------

CLIENT_SCHEMA = {
    "type": "object",
    "description": "One of our clients, identified by the id your system gave them.",
    "required": ["external_id", "name"],
    "properties": {
        "external_id": {"type": "string", "minLength": 1, "maxLength": 120},
        "name": {"type": "string", "minLength": 1, "maxLength": 200},
        "email": {"type": "string", "maxLength": 254},
        "phone": {"type": "string", "maxLength": 40},
    },
}
CHANNEL = {"type": "string", "enum": list(CHANNELS), "default": "api"}
TIMESTAMP = {"type": "string", "format": "date-time"}
IDEMPOTENCY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "maxLength": IDEMPOTENCY_KEY_MAX},
    "description": "A replay with the same key returns the first answer and creates nothing; "
    "the same key with a different body answers 422 idempotency_key_reused.",
}
SCHEMAS = {
    "Client": CLIENT_SCHEMA,
    "RatingIn": {
        "type": "object",
        "required": ["client", "score"],
        "properties": {
            "client": {"$ref": "#/components/schemas/Client"},
            "score": {"type": "integer", "minimum": 1, "maximum": 5},
            "comment": {"type": "string", "maxLength": 5000},
            "order_ref": {"type": "string", "maxLength": 120},
            "channel": CHANNEL,
            "occurred_at": {
                **TIMESTAMP,
                "description": "ISO 8601; without an offset it is taken as UTC; not in the future.",
            },
        },
    },
    "RatingOut": {
        "type": "object",
        "required": ["id", "complaint_id"],
        "properties": {
            "id": {"type": "integer"},
            "complaint_id": {
                "type": ["integer", "null"],
                "description": "The complaint a low rating opened or joined; null for others.",
            },
        },
    },
    "ComplaintIn": {
        "type": "object",
        "required": ["client", "summary"],
        "properties": {
            "client": {"$ref": "#/components/schemas/Client"},
            "summary": {"type": "string", "minLength": 1, "maxLength": 300},
            "details": {"type": "string", "maxLength": 10000},
            "channel": CHANNEL,
        },
    },
    "ComplaintOut": {
        "type": "object",
        "required": ["id", "owner", "due_at"],
        "properties": {
            "id": {"type": "integer"},
            "owner": {"type": ["string", "null"], "description": "The owner's name, if any."},
            "due_at": {**TIMESTAMP, "description": "Deadline for the personal follow-up."},
        },
    },
    "ComplaintItem": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "client": {
                "type": "object",
                "properties": {"external_id": {"type": "string"}, "name": {"type": "string"}},
            },
            "summary": {"type": "string"},
            "status": {"type": "string", "enum": list(STATUSES)},
            "channel": {"type": "string"},
            "owner": {"type": ["string", "null"]},
            "opened_at": TIMESTAMP,
            "due_at": TIMESTAMP,
            "resolved_at": {"type": ["string", "null"], "format": "date-time"},
        },
    },
    "ComplaintPage": {
        "type": "object",
        "required": ["items", "next_cursor"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/ComplaintItem"}},
            "next_cursor": {
                "type": ["string", "null"],
                "description": "Pass as ?cursor= for the next page; null on the last page.",
            },
        },
    },
    "SurveyLinkIn": {
        "type": "object",
        "required": ["client"],
        "properties": {
            "client": {"$ref": "#/components/schemas/Client"},
            "order_ref": {"type": "string", "maxLength": 120},
        },
    },
    "SurveyLinkOut": {
        "type": "object",
        "required": ["url", "expires_at"],
        "properties": {"url": {"type": "string", "format": "uri"}, "expires_at": TIMESTAMP},
    },
}


def _json(name: str) -> dict:
    return {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}}


def _post(summary: str, schema_in: str, schema_out: str, description: str) -> dict:
    return {
        "post": {
            "summary": summary,
            "parameters": [IDEMPOTENCY],
            "requestBody": {"required": True, **_json(schema_in)},
            "responses": {
                "201": {"description": description, **_json(schema_out)},
                **error_responses(400, 401, 409, 413, 422),
            },
        }
    }


register(
    {
        "/ratings": _post(
            "Record a client's rating; one at or below LOW_RATING_MAX opens a complaint",
            "RatingIn",
            "RatingOut",
            "Recorded",
        ),
        "/complaints": {
            **_post("Open a complaint", "ComplaintIn", "ComplaintOut", "Opened"),
            "get": {
                "summary": "List complaints, newest first, with a cursor",
                "parameters": [
                    {
                        "name": "status",
                        "in": "query",
                        "schema": {
                            "type": "string",
                            "enum": ["open", "all", *STATUSES],
                            "default": "open",
                        },
                    },
                    {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": MAX_PAGE,
                            "default": DEFAULT_PAGE,
                        },
                    },
                ],
                "responses": {
                    "200": {"description": "A page", **_json("ComplaintPage")},
                    **error_responses(400, 401),
                },
            },
        },
        "/survey-links": _post(
            "Issue a signed, single-use rating link for a client",
            "SurveyLinkIn",
            "SurveyLinkOut",
            "Issued",
        ),
    },
    SCHEMAS,
)
