"""Who is away on a day: the days people marked they will not be at work (``core.models.AwayDay``).

In the core since issue #17, so the complaint list can flag an owner who is away and wish callbacks
can go to someone present; the stand-up writes the days (``standup/away.py``).
"""

from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa

from core.database import read_rows
from core.extensions import db
from core.models import AwayDay, User

# Built once, the values bound when run, read as rows: the board and the complaint list ask on
# every view (#16).
_AWAY_ON = sa.select(AwayDay.user_id).where(
    AwayDay.user_id.in_(sa.bindparam("user_ids", expanding=True)), AwayDay.on == sa.bindparam("on")
)


def away_on(user_ids: Iterable[int | None], on: date) -> set[int]:
    """Which of these people marked ``on`` as a day away (one query; none for an empty list)."""
    user_ids = list({user_id for user_id in user_ids if user_id is not None})
    if not user_ids:
        return set()
    return {row[0] for row in read_rows(db.session, _AWAY_ON, {"user_ids": user_ids, "on": on})}


def everyone_away_on(on: date) -> set[int]:
    """Everyone away on ``on``: each person looked up by (person, day) in the unique index, since
    people are few while the days they marked pile up over the years (two queries)."""
    return away_on(db.session.scalars(sa.select(User.id)), on)
