"""POST /api/v1/wishes: another system records a client's wish (see /api/v1/openapi.json)."""

from flask import jsonify

from complaints.intake.validation import Checker
from core.api import ApiError, bp, json_body, touch_token
from core.api.openapi import error_responses, register
from wishes import services

MAX_ID = 2**31 - 1


@bp.post("/wishes")
def create_wish():
    """Count the client on a wish (``wish_id``) or a new one (``title``); say when it is reviewed.

    Asking twice is counted once, and a retry with the same client and title finds the wish it made
    the first time, so a repeated call never inflates the count or opens a duplicate.
    """
    data = json_body()
    check = Checker(data)
    client_data = check.client()
    title = check.text("title", max_length=200)
    details = check.text("details", max_length=10000)
    wish_id = check.integer("wish_id", 1, MAX_ID, required=False)
    if title is None and wish_id is None and "title" not in check.errors:
        check.errors["title"] = "is required (or give wish_id to count the client on a known wish)"
    if check.errors:
        raise ApiError(422, "invalid", "Some fields are not valid.", check.errors)
    touch_token()  # saved by the service's commit, with the wish
    client = services.upsert_client(client_data)
    try:
        recorded = services.record_wish(
            client,
            title=title,
            problem=details,
            details=details,
            wish_id=wish_id,
            channel="api",
        )
    except services.WishError as error:
        field = error.field or "title"
        raise ApiError(
            422, "invalid", "Some fields are not valid.", {field: "no such wish"}
        ) from None
    body = {
        "wish_id": recorded.wish.id,
        "distinct_clients": recorded.distinct_clients,
        "review_on": recorded.review_on.isoformat() if recorded.review_on else None,
        "status": recorded.wish.status,
        "decision": recorded.decision.outcome if recorded.decision else None,
    }
    return jsonify(body), 201


def _json(schema):
    return {"content": {"application/json": {"schema": schema}}}


register(
    {
        "/wishes": {
            "post": {
                "summary": "Record a client's wish; counted once per distinct client",
                "description": (
                    "Give `title` for a new wish or `wish_id` to count the client on a known one. "
                    "`review_on` is the date of the weekly review that will decide it (null when "
                    "it is already decided: then `decision` says how)."
                ),
                "requestBody": {
                    "required": True,
                    **_json(
                        {
                            "type": "object",
                            "required": ["client"],
                            "properties": {
                                # registered by complaints.api, shared by every endpoint
                                "client": {"$ref": "#/components/schemas/Client"},
                                "title": {"type": "string", "maxLength": 200},
                                "details": {
                                    "type": "string",
                                    "maxLength": 10000,
                                    "description": "The problem behind the wish, in the client's words",
                                },
                                "wish_id": {"type": "integer", "minimum": 1},
                            },
                        }
                    ),
                },
                "responses": {
                    "201": {
                        "description": "Counted",
                        **_json(
                            {
                                "type": "object",
                                "properties": {
                                    "wish_id": {"type": "integer"},
                                    "distinct_clients": {"type": "integer"},
                                    "review_on": {"type": ["string", "null"], "format": "date"},
                                    "status": {
                                        "type": "string",
                                        "enum": ["open", "decided", "already_possible"],
                                    },
                                    "decision": {"type": ["string", "null"]},
                                },
                            }
                        ),
                    },
                    **error_responses(400, 401, 413, 422),
                },
            }
        }
    },
)
