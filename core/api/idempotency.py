"""``Idempotency-Key``: a retried write returns its first answer and creates nothing again.

A create is usually declared with ``@creates(bp, rule, ...)`` on its write ``(body) -> answer``.
Any other view that supports it declares ``**IDEMPOTENT`` in its ``@operation`` (the header and the
409 of a race) and hands its write to ``idempotent``; the write itself must not commit
(``idempotent`` makes the request's one commit, with the stored answer).
"""

import hashlib
import json
import typing
from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from flask import Blueprint, g, jsonify, request
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from core.api.contract import ApiError, answer, operation
from core.api.schemas import ParamsModel, text
from core.database import UTCDateTime, utcnow
from core.extensions import db

KEY_MAX = 200


class IdempotentRequest(db.Model):
    """The first answer to an API request with an ``Idempotency-Key``, replayed for repeats."""

    __tablename__ = "idempotent_requests"
    __table_args__ = (
        sa.UniqueConstraint("token_id", "key", name="uq_idempotent_requests_token_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(sa.ForeignKey("api_tokens.id"))
    key: Mapped[str] = mapped_column(sa.String(200))
    endpoint: Mapped[str] = mapped_column(sa.String(80))
    fingerprint: Mapped[str] = mapped_column(sa.String(64))  # SHA-256 of endpoint and body
    status_code: Mapped[int]
    response: Mapped[dict] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class IdempotencyHeaders(ParamsModel):
    key: text(KEY_MAX) = Field(
        None,
        alias="Idempotency-Key",
        description="A replay with the same key returns the first answer and creates nothing; "
        "the same key with a different body answers 422 idempotency_key_reused.",
    )


# For ``@operation``: the header, and the 409 of a request racing another with its key.
IDEMPOTENT = {"headers": IdempotencyHeaders, "errors": (409,)}


def idempotent(
    endpoint: str,
    handler: Callable[[BaseModel], BaseModel],
    body: BaseModel,
    key: str | None,
    status: int = 201,
):
    """Answer ``handler(body)`` with ``status``, once per ``Idempotency-Key`` (per token): replays
    get the first answer back.

    The answer is stored in the same transaction as the change, so a crash leaves neither. Two
    concurrent requests with one key race on the unique constraint (token_id, key): the loser's
    insert fails (PostgreSQL makes it wait for the winner's commit first), it rolls back everything
    it did and replays the winner's answer. The same key with a different body or endpoint is a
    client bug and gets 422 ``idempotency_key_reused``; nothing is created.
    """
    if not key:
        answered = handler(body)
        db.session.commit()
        return answer(answered, status)
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
            status_code=status,
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
    return jsonify(answered), status


def creates(bp: Blueprint, rule: str, created: tuple[str, type[BaseModel]], **declared):
    """Declare ``POST rule`` as an idempotent create whose write is the decorated function.

    The write takes the validated ``body`` (its annotation is the request model) and returns the
    answer model; its docstring's first paragraph is the operation's summary and its name the
    endpoint. Replays of an ``Idempotency-Key`` are told apart per rule (its last segment), so
    the write, its contract and its idempotency are each written once. The write is returned
    unchanged.
    """

    def decorator(write: Callable[[BaseModel], BaseModel]):
        summary = " ".join(write.__doc__.split("\n\n")[0].split())
        name = rule.rsplit("/", 1)[-1]
        body_model = typing.get_type_hints(write)["body"]

        @operation(summary, body=body_model, responses={201: created}, **IDEMPOTENT, **declared)
        def view(body: BaseModel, headers: IdempotencyHeaders):
            return idempotent(name, write, body, headers.key)

        bp.add_url_rule(rule, write.__name__, view, methods=["POST"])
        return write

    return decorator
