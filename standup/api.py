"""``GET /api/v1/teams/<slug>/standups/<YYYY-MM-DD>``: a day's agenda, for wall displays and tools.

Read-only: it never prepares a stand-up (the job and the board do), so an unknown team or a day
without a stand-up is a 404 in the JSON error shape, and a malformed date a 400.
"""

import datetime as dt

from flask import jsonify

from core.api import ApiError, api_blueprint, operation
from core.database import utcnow
from core.teams import team_by_slug
from standup import queries
from standup.schemas import AgendaPath, StandupAgenda

bp = api_blueprint("standup_api", __name__)


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


@bp.get("/teams/<slug>/standups/<date>")
@operation(
    "A team's stand-up agenda on one date",
    scope="standups:read",
    path=AgendaPath,
    responses={200: ("The agenda", StandupAgenda)},
    errors=(404,),
)
def team_standup(slug: str, date: dt.date):
    on = date  # read by @operation with AgendaPath: a bad date was answered with a 400
    team = team_by_slug(slug)
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
    return jsonify(
        {
            "team": team.slug,
            "date": on.isoformat(),
            "status": standup.status,
            "timebox_seconds": standup.timebox_seconds,
            "items": items,
        }
    )
