"""``GET /api/v1/teams/<slug>/standups/<YYYY-MM-DD>``: a day's agenda, for wall displays and tools.

Read-only: it never prepares a stand-up (the job and the board do), so an unknown team or a day
without a stand-up is a 404 in the JSON error shape, and a malformed date a 400.
"""

import datetime as dt

import sqlalchemy as sa
from flask import jsonify

from core.api import ApiError, api_blueprint, operation, touch_token
from core.database import utcnow
from core.extensions import db
from standup import services
from standup.models import CheckIn
from standup.schemas import AgendaPath, StandupAgenda

bp = api_blueprint("standup_api", __name__)


def _live_refs(standup) -> dict[str, dict]:
    """Fresh references for the sections that change during the day (three queries)."""
    checked = set(
        db.session.scalars(sa.select(CheckIn.user_id).where(CheckIn.standup_id == standup.id))
    )
    people = services.members([standup.team_id])
    away = services._away([u.id for u in people], standup.on)
    return {
        "action_items": {"action_items": services._open_action_items(standup.team_id, utcnow())},
        "check_ins": {
            "members": [
                {"id": u.id, "name": u.name, "checked_in": u.id in checked}
                for u in people
                if u.id not in away
            ]
        },
        "parking_lot": {"topics": services._open_topics(standup.team_id)},
    }


@bp.get("/teams/<slug>/standups/<date>")
@operation(
    "A team's stand-up agenda on one date",
    path=AgendaPath,
    responses={200: ("The agenda", StandupAgenda)},
    errors=(404,),
)
def team_standup(slug: str, date: dt.date):
    on = date  # read by @operation with AgendaPath: a bad date was answered with a 400
    team = services.team_by_slug(slug)
    if team is None:
        raise ApiError(404, "not_found", "There is no team with this slug.")
    standup = services.standup_on(team.id, on)
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
        for item in services._items(standup.id)
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
