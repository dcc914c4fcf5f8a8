"""JSON API v1 for other systems: ratings, complaints, survey links (see /api/v1/openapi.json)."""

import base64
import hashlib
import json
from datetime import datetime

import sqlalchemy as sa
from flask import g, jsonify, request, url_for
from sqlalchemy.exc import IntegrityError

from complaints import intake, survey
from complaints.models import OPEN_STATUSES, STATUSES, Client, Complaint, IdempotentRequest
from complaints.validation import Checker, Invalid
from dashboard.api import ApiError, bp, json_body, touch_token
from dashboard.api.openapi import error_responses, register
from dashboard.extensions import db
from dashboard.models import User

MAX_PAGE = 100


def _invalid(error: Invalid) -> ApiError:
    return ApiError(422, "invalid", "Some fields are not valid.", error.fields)


def _idempotent(endpoint: str, handler):
    """Run ``handler`` once per Idempotency-Key (per token); replays get the first answer back.

    The stored answer is written in the same transaction as the change, so a crash leaves neither; two
    concurrent requests with one key race on the unique constraint and the loser replays the winner.
    """
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        return handler()
    if len(key) > 200:
        raise ApiError(
            422,
            "invalid",
            "Idempotency-Key is too long.",
            {"Idempotency-Key": "at most 200 characters"},
        )
    fingerprint = hashlib.sha256(request.get_data()).hexdigest()

    def stored():
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
    body, status = handler(commit=False)
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
        return replay(stored())
    return jsonify(body), status


@bp.post("/ratings")
def create_rating():
    def handle(commit=True):
        data = json_body()
        check = Checker(data)
        client_data = check.client()
        score = check.integer("score", 1, 5)
        comment = check.text("comment", max_length=5000)
        order_ref = check.text("order_ref", max_length=120)
        channel = check.channel()
        occurred_at = check.timestamp("occurred_at")
        try:
            check.done()
        except Invalid as error:
            raise _invalid(error) from None
        client = intake.upsert_client(**client_data)
        rating = intake.record_rating(
            client,
            score,
            comment=comment,
            channel=channel,
            order_ref=order_ref,
            occurred_at=occurred_at,
        )
        touch_token()
        body = {"id": rating.id, "complaint_id": rating.complaint_id}
        if commit:
            db.session.commit()
            return jsonify(body), 201
        return body, 201

    return _idempotent("ratings", handle)


@bp.post("/complaints")
def create_complaint():
    def handle(commit=True):
        data = json_body()
        check = Checker(data)
        client_data = check.client()
        summary = check.text("summary", required=True, max_length=300)
        details = check.text("details", max_length=10000)
        channel = check.channel()
        try:
            check.done()
        except Invalid as error:
            raise _invalid(error) from None
        client = intake.upsert_client(**client_data)
        complaint = intake.open_complaint(client, summary, details=details, channel=channel)
        touch_token()
        body = {"id": complaint.id, "owner": None, "due_at": complaint.due_at.isoformat()}
        if commit:
            db.session.commit()
            return jsonify(body), 201
        return body, 201

    return _idempotent("complaints", handle)


def _encode_cursor(opened_at: datetime, complaint_id: int) -> str:
    raw = json.dumps([opened_at.isoformat(), complaint_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        opened, complaint_id = json.loads(base64.urlsafe_b64decode(padded))
        return datetime.fromisoformat(opened), int(complaint_id)
    except (ValueError, TypeError, json.JSONDecodeError):
        raise ApiError(
            400, "bad_cursor", "This cursor is not one we gave out.", {"cursor": "invalid"}
        ) from None


@bp.get("/complaints")
def list_complaints():
    """Newest first, keyset-paginated: ``next_cursor`` is stable however many complaints arrive."""
    status = request.args.get("status", "open")
    if status not in (*STATUSES, "open", "all"):
        raise ApiError(
            400,
            "bad_request",
            "Unknown status.",
            {"status": "open, all, or one of " + ", ".join(STATUSES)},
        )
    try:
        limit = min(MAX_PAGE, max(1, int(request.args.get("limit", 50))))
    except ValueError:
        raise ApiError(
            400, "bad_request", "limit must be a number.", {"limit": "must be 1 to 100"}
        ) from None
    query = (
        sa.select(Complaint, Client.external_id, Client.name, User.name)
        .join(Client, Client.id == Complaint.client_id)
        .outerjoin(User, User.id == Complaint.owner_id)
        .order_by(Complaint.opened_at.desc(), Complaint.id.desc())
        .limit(limit + 1)
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
        }
        for complaint, external_id, client_name, owner_name in rows[:limit]
    ]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1][0]
        next_cursor = _encode_cursor(last.opened_at, last.id)
    return jsonify({"items": items, "next_cursor": next_cursor})


@bp.post("/survey-links")
def create_survey_link():
    data = json_body()
    check = Checker(data)
    client_data = check.client()
    order_ref = check.text("order_ref", max_length=120)
    try:
        check.done()
    except Invalid as error:
        raise _invalid(error) from None
    client = intake.upsert_client(**client_data)
    link, token = survey.issue_link(client.id, order_ref=order_ref)
    touch_token()
    db.session.commit()
    url = url_for("public.survey", token=token, _external=True)
    return jsonify({"url": url, "expires_at": link.expires_at.isoformat()}), 201


CLIENT_SCHEMA = {
    "type": "object",
    "required": ["external_id", "name"],
    "properties": {
        "external_id": {"type": "string", "maxLength": 120},
        "name": {"type": "string", "maxLength": 200},
        "email": {"type": "string", "maxLength": 254},
        "phone": {"type": "string", "maxLength": 40},
    },
}
CHANNEL = {"type": "string", "description": "Where it came from", "default": "api"}
IDEMPOTENCY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "maxLength": 200},
    "description": "A replay with the same key returns the first answer and creates nothing.",
}


def _json(schema):
    return {"content": {"application/json": {"schema": schema}}}


register(
    {
        "/ratings": {
            "post": {
                "summary": "Record a client's rating; a low one opens a complaint",
                "parameters": [IDEMPOTENCY],
                "requestBody": {
                    "required": True,
                    **_json(
                        {
                            "type": "object",
                            "required": ["client", "score"],
                            "properties": {
                                "client": {"$ref": "#/components/schemas/Client"},
                                "score": {"type": "integer", "minimum": 1, "maximum": 5},
                                "comment": {"type": "string", "maxLength": 5000},
                                "order_ref": {"type": "string", "maxLength": 120},
                                "channel": CHANNEL,
                                "occurred_at": {"type": "string", "format": "date-time"},
                            },
                        }
                    ),
                },
                "responses": {
                    "201": {
                        "description": "Recorded",
                        **_json(
                            {
                                "type": "object",
                                "properties": {
                                    "id": {"type": "integer"},
                                    "complaint_id": {"type": ["integer", "null"]},
                                },
                            }
                        ),
                    },
                    **error_responses(400, 401, 413, 422),
                },
            }
        },
        "/complaints": {
            "post": {
                "summary": "Open a complaint",
                "parameters": [IDEMPOTENCY],
                "requestBody": {
                    "required": True,
                    **_json(
                        {
                            "type": "object",
                            "required": ["client", "summary"],
                            "properties": {
                                "client": {"$ref": "#/components/schemas/Client"},
                                "summary": {"type": "string", "maxLength": 300},
                                "details": {"type": "string", "maxLength": 10000},
                                "channel": CHANNEL,
                            },
                        }
                    ),
                },
                "responses": {
                    "201": {
                        "description": "Opened",
                        **_json(
                            {
                                "type": "object",
                                "properties": {
                                    "id": {"type": "integer"},
                                    "owner": {"type": ["string", "null"]},
                                    "due_at": {"type": "string", "format": "date-time"},
                                },
                            }
                        ),
                    },
                    **error_responses(400, 401, 413, 422),
                },
            },
            "get": {
                "summary": "List complaints, newest first",
                "parameters": [
                    {
                        "name": "status",
                        "in": "query",
                        "schema": {"type": "string", "default": "open"},
                    },
                    {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 100}},
                ],
                "responses": {
                    "200": {
                        "description": "A page",
                        **_json(
                            {
                                "type": "object",
                                "properties": {
                                    "items": {"type": "array"},
                                    "next_cursor": {"type": ["string", "null"]},
                                },
                            }
                        ),
                    },
                    **error_responses(400, 401),
                },
            },
        },
        "/survey-links": {
            "post": {
                "summary": "Issue a signed, single-use rating link for a client",
                "requestBody": {
                    "required": True,
                    **_json(
                        {
                            "type": "object",
                            "required": ["client"],
                            "properties": {
                                "client": {"$ref": "#/components/schemas/Client"},
                                "order_ref": {"type": "string"},
                            },
                        }
                    ),
                },
                "responses": {
                    "201": {
                        "description": "Issued",
                        **_json(
                            {
                                "type": "object",
                                "properties": {
                                    "url": {"type": "string"},
                                    "expires_at": {"type": "string", "format": "date-time"},
                                },
                            }
                        ),
                    },
                    **error_responses(400, 401, 422),
                },
            }
        },
    },
    {"Client": CLIENT_SCHEMA},
)
