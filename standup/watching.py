"""Attendance by watching (issue #15): a member who has the live board open is at the meeting,
checked in or not. A write, kept beside ``standup.services`` (which is at its size limit)."""

import sqlalchemy as sa

from core.database import utcnow, write_apart
from core.extensions import db
from core.models import User
from standup.models import Attendance, Standup


def _lifted_absence(standup: Standup, user: User) -> Attendance | None:
    """The absence the start wrote for want of a check-in (marked at the start itself), never one
    the facilitator set later."""
    row = db.session.scalar(sa.select(Attendance).filter_by(standup_id=standup.id, user_id=user.id))
    if standup.status != "live" or not row or row.present or row.marked_at != standup.started_at:
        return None
    return row


def note_watching(standup: Standup, user: User) -> bool:
    """Lift that absence and bump the version the screens poll for. Commits if it changes.

    The board is a GET: it reads first and writes only when there is something to lift, in a
    short write transaction of its own that reads the rows again under the lock.
    """
    if _lifted_absence(standup, user) is None:
        return False
    write_apart(db.session)
    db.session.refresh(standup)
    row = _lifted_absence(standup, user)
    if row is None:
        db.session.commit()  # someone else changed it meanwhile: release the write lock
        return False
    row.present, row.marked_at, row.marked_by_id = True, utcnow(), user.id
    standup.version = (standup.version or 0) + 1
    db.session.commit()
    return True
