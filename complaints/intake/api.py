"""JSON API v1 for other systems: ratings, complaints, survey links (see /api/v1/openapi.json).

Views stay thin: ``@operation`` parses the request into the models of ``intake.schemas`` (and
refuses it field by field), ``intake`` writes, and ``_idempotent`` makes one commit per request,
together with the stored answer that an ``Idempotency-Key`` replay gets back.
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
from complaints.intake.schemas import (
    ComplaintIn,
    ComplaintItem,
    ComplaintOut,
    ComplaintPage,
    ComplaintQuery,
    IdempotencyHeaders,
    RatingIn,
    RatingOut,
    SurveyLinkIn,
    SurveyLinkOut,
)
from complaints.models import OPEN_STATUSES, Complaint, IdempotentRequest
from core import clients
from core.api import ApiError, answer, api_blueprint, operation, touch_token
from core.api.schemas import ApiModel, ClientIn
from core.extensions import db
from core.models import Client, User

bp = api_blueprint("complaints_api", __name__)


def _idempotent(endpoint: str, handler, body: ApiModel, key: str | None):
    """Run ``handler`` once per ``Idempotency-Key`` (per token); replays get the first answer back.

    The answer is stored in the same transaction as the change, so a crash leaves neither. Two
    concurrent requests with one key race on the unique constraint (token_id, key): the loser's
    insert fails (PostgreSQL makes it wait for the winner's commit first), it rolls back everything
    it did and replays the winner's answer. The same key with a different body or endpoint is a
    client bug and gets 422 ``idempotency_key_reused``; nothing is created.
    """
    if not key:
        answered = handler(body)
        db.session.commit()
        return answer(answered, 201)
    # The body as sent (keys sorted), so a replay matches however its JSON was laid out.
    sent = request.get_json(silent=True)  # parsed once already, by @operation
    canonical = json.dumps(sent, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
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
    answered = handler(body).model_dump(mode="json")
    db.session.add(
        IdempotentRequest(
            token_id=g.api_token.id,
            key=key,
            endpoint=endpoint,
            fingerprint=fingerprint,
            status_code=201,
            response=answered,
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
    return jsonify(answered), 201


def _client(data: ClientIn) -> Client:
    return clients.upsert_client(data.external_id, data.name, data.email, data.phone)


def _rating(body: RatingIn) -> RatingOut:
    rating = intake.record_rating(
        _client(body.client),
        body.score,
        comment=body.comment,
        channel=body.channel,
        order_ref=body.order_ref,
        occurred_at=body.occurred_at,
    )
    touch_token()
    return RatingOut(id=rating.id, complaint_id=rating.complaint_id)


def _complaint(body: ComplaintIn) -> ComplaintOut:
    complaint = intake.open_complaint(
        _client(body.client), body.summary, details=body.details, channel=body.channel
    )
    touch_token()
    owner = complaint.owner.name if complaint.owner_id else None
    return ComplaintOut(id=complaint.id, owner=owner, due_at=complaint.due_at)


def _survey_link(body: SurveyLinkIn) -> SurveyLinkOut:
    link, token = survey.issue_link(_client(body.client).id, order_ref=body.order_ref)
    touch_token()
    url = url_for("public.survey", token=token, _external=True)
    return SurveyLinkOut(url=url, expires_at=link.expires_at)


# Every write may be replayed with its key, and a second request racing the first one gets a 409.
WRITE = {"headers": IdempotencyHeaders, "errors": (409,)}


@bp.post("/ratings")
@operation(
    "Record a client's rating; one at or below LOW_RATING_MAX opens a complaint",
    body=RatingIn,
    responses={201: ("Recorded", RatingOut)},
    **WRITE,
)
def create_rating(body: RatingIn, headers: IdempotencyHeaders):
    return _idempotent("ratings", _rating, body, headers.key)


@bp.post("/complaints")
@operation("Open a complaint", body=ComplaintIn, responses={201: ("Opened", ComplaintOut)}, **WRITE)
def create_complaint(body: ComplaintIn, headers: IdempotencyHeaders):
    return _idempotent("complaints", _complaint, body, headers.key)


@bp.post("/survey-links")
@operation(
    "Issue a signed, single-use rating link for a client",
    body=SurveyLinkIn,
    responses={201: ("Issued", SurveyLinkOut)},
    **WRITE,
)
def create_survey_link(body: SurveyLinkIn, headers: IdempotencyHeaders):
    return _idempotent("survey-links", _survey_link, body, headers.key)


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


@bp.get("/complaints")
@operation(
    "List complaints, newest first, with a cursor",
    query=ComplaintQuery,
    responses={200: ("A page", ComplaintPage)},
)
def list_complaints(query: ComplaintQuery):
    """Newest first, keyset-paginated: a page is one query, stable however many complaints arrive."""
    limit = query.limit
    statement = (
        sa.select(Complaint, Client.external_id, Client.name, User.name)
        .join(Client, Client.id == Complaint.client_id)
        .outerjoin(User, User.id == Complaint.owner_id)
        .order_by(Complaint.opened_at.desc(), Complaint.id.desc())
        .limit(limit + 1)
        .options(sa.orm.lazyload("*"))  # the joins above already fetch what the items show
    )
    if query.status == "open":
        statement = statement.where(Complaint.status.in_(OPEN_STATUSES))
    elif query.status != "all":
        statement = statement.where(Complaint.status == query.status)
    if query.cursor:
        opened_at, last_id = _decode_cursor(query.cursor)
        statement = statement.where(
            sa.or_(
                Complaint.opened_at < opened_at,
                sa.and_(Complaint.opened_at == opened_at, Complaint.id < last_id),
            )
        )
    rows = db.session.execute(statement).all()
    items = [
        ComplaintItem(
            id=complaint.id,
            client={"external_id": external_id, "name": client_name},
            summary=complaint.summary,
            status=complaint.status,
            channel=complaint.channel,
            owner=owner_name,
            opened_at=complaint.opened_at,
            due_at=complaint.due_at,
            resolved_at=complaint.resolved_at,
        )
        for complaint, external_id, client_name, owner_name in rows[:limit]
    ]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1][0]
        next_cursor = _encode_cursor(last.opened_at, last.id)
    touch_token()
    db.session.commit()
    return answer(ComplaintPage(items=items, next_cursor=next_cursor))
