"""``GET /api/v1/teams/<slug>/standups/<YYYY-MM-DD>``: a day's agenda, for wall displays and tools.

Read-only: it never prepares a stand-up (the job and the board do), so an unknown team or a day
without a stand-up is a 404 in the JSON error shape, and a malformed date a 400.
"""

from datetime import date

from flask import jsonify

from core.api import ApiError, bp, touch_token
from core.api.openapi import error_responses, register
from core.database import utcnow
from core.extensions import db
from standup import queries


def _live_refs(standup) -> dict[str, dict]:
    """Fresh references for the sections that change during the day (three queries)."""
    checked = queries.checked_in_ids(standup.id)
    people = queries.members([standup.team_id])
    away = queries.away_on([u.id for u in people], standup.on)
    return {
        "action_items": {"action_items": queries.open_action_item_refs(standup.team_id, utcnow())},
        "check_ins": {
            "members": [
                {"id": u.id, "name": u.name, "checked_in": u.id in checked}
                for u in people
                if u.id not in away
            ]
        },
        "parking_lot": {"topics": queries.open_topic_refs(standup.team_id)},
    }


@bp.get("/teams/<slug>/standups/<day>")
def team_standup(slug: str, day: str):
    try:
        on = date.fromisoformat(day)
    except ValueError:
        raise ApiError(
            400, "bad_request", "The date must be YYYY-MM-DD.", {"date": "not a valid date"}
        ) from None
    team = queries.team_by_slug(slug)
    if team is None:
        raise ApiError(404, "not_found", "There is no team with this slug.")
    standup = queries.standup_on(team.id, on)
    if standup is None:
        raise ApiError(404, "not_found", "This team has no stand-up on that date.")
    live = _live_refs(standup) if standup.status != "ended" else {}
    items = [
        {
            "kind": item.kind,
            "title": item.title,
            "timebox_seconds": item.timebox_seconds,
            "refs": live.get(item.kind, item.refs),
        }
        for item in queries.agenda_items(standup.id)
    ]
    touch_token()
    db.session.commit()
    return jsonify(
        {
            "team": team.slug,
            "date": on.isoformat(),
            "status": standup.status,
            "timebox_seconds": standup.timebox_seconds,
            "items": items,
        }
    )


AGENDA_SCHEMA = {
    "type": "object",
    "required": ["team", "date", "status", "timebox_seconds", "items"],
    "properties": {
        "team": {"type": "string", "description": "The team's slug"},
        "date": {"type": "string", "format": "date"},
        "status": {"type": "string", "enum": ["planned", "live", "ended"]},
        "timebox_seconds": {"type": "integer"},
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["kind", "title", "timebox_seconds", "refs"],
                "properties": {
                    "kind": {
                        "type": "string",
                        "enum": [
                            "carried",
                            "overnight",
                            "follow_ups",
                            "wishes",
                            "action_items",
                            "check_ins",
                            "parking_lot",
                        ],
                    },
                    "title": {"type": "string"},
                    "timebox_seconds": {"type": "integer"},
                    "refs": {
                        "type": "object",
                        "description": "What the item is about (complaint, action item, member "
                        "and topic references); never a client's e-mail or phone",
                    },
                },
            },
        },
    },
}

register(
    {
        "/teams/{slug}/standups/{date}": {
            "get": {
                "summary": "A team's stand-up agenda on one date",
                "parameters": [
                    {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}},
                    {
                        "name": "date",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "format": "date"},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "The agenda",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/StandupAgenda"}
                            }
                        },
                    },
                    "401": {"$ref": "#/components/responses/Unauthorized"},
                    **error_responses(400, 404),
                },
            }
        }
    },
    {"StandupAgenda": AGENDA_SCHEMA},
)
