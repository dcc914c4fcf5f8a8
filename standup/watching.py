"""Attendance by watching (issue #15): a member who has the live board open is at the meeting,
checked in or not. A write, kept beside ``standup.services`` (which is at its size limit)."""

import sqlalchemy as sa

from core.database import utcnow
from core.extensions import db
from core.models import User
from standup.models import Attendance, Standup


def note_watching(standup: Standup, user: User) -> bool:
    """Lift the absence the start wrote for want of a check-in (marked at the start itself), never
    one the facilitator set later; bump the version the screens poll for. Commits if it changes."""
    row = db.session.scalar(sa.select(Attendance).filter_by(standup_id=standup.id, user_id=user.id))
    if standup.status != "live" or not row or row.present or row.marked_at != standup.started_at:
        return False
    row.present, row.marked_at, row.marked_by_id = True, utcnow(), user.id
    standup.version = (standup.version or 0) + 1
    db.session.commit()
    return True
