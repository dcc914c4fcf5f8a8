"""The stand-up history taken out of Huddle as a file, and who took it (the audit trail).

A file of a team's check-ins holds people's moods and blockers: once downloaded, Huddle no longer
knows where it goes, so the trail keeps who exported which period and filters. The export is a
GET: the event is written in a short transaction of its own after the file is built.
"""

from datetime import date

from core import audit
from core.database import write_apart
from core.extensions import db
from core.models import Team, User
from standup import history


def export_history(
    team: Team, actor: User, start: date, end: date, q: str | None, person_id: int | None
) -> str:
    """``history.export_csv``'s file, its export recorded; commits."""
    body = history.export_csv(team, start, end, q, person_id)
    team_id, actor_id = team.id, actor.id  # read before the commit expires them
    write_apart(db.session)
    audit.record(
        actor_id,
        "team",
        team_id,
        "history_exported",
        start=start.isoformat(),
        end=end.isoformat(),
        text=q,
        person_id=person_id,
    )
    db.session.commit()
    return body
