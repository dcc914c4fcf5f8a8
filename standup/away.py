"""Days away: a person marks the days they will not be at the stand-up (holidays, sick days).

The summary does not count them absent, the reminder skips them, and Today shows their follow-ups
to the managers who can take them over. Each function commits once, like every service.
"""

from datetime import date, timedelta

from flask_babel import gettext as _

from core.database import hold_row
from core.extensions import db
from core.models import AwayDay, User
from standup import queries
from standup.rules import StandupError

AWAY_RANGE_MAX_DAYS = 62


def mark_away(user: User, start: date, end: date | None) -> int:
    """Mark ``user`` away from ``start`` to ``end`` (inclusive); returns the days newly marked."""
    end = end or start
    if end < start:
        raise StandupError(_("The last day cannot be before the first."), "end")
    if (end - start).days >= AWAY_RANGE_MAX_DAYS:
        raise StandupError(_("Mark at most two months at a time."), "end")
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    # Of two clicks at once (PostgreSQL lets both look first) the second waits here and finds the
    # first one's days, instead of inserting them again into the unique (person, day).
    hold_row(db.session, User, user.id)
    known = queries.away_dates(user.id, days)
    new = [AwayDay(user_id=user.id, on=day) for day in days if day not in known]
    db.session.add_all(new)
    db.session.commit()
    return len(new)


def unmark_away(user: User, away_id: int) -> None:
    row = db.session.get(AwayDay, away_id)
    if row is None or row.user_id != user.id:
        raise StandupError(_("That day is not marked as away for you."))
    db.session.delete(row)
    db.session.commit()
