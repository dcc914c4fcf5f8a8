"""Stand-up writes sent twice at once (issue #11: no 5xx, races included): a double-clicked "Mark
away" or "Check in", two screens marking one person present, two managers saving the settings.
Through the real app on real threads, on SQLite and on PostgreSQL, committed for real.

PostgreSQL lets each request read what is there before the other commits: both found no row and
both inserted one, and the unique constraint answered the second with an IntegrityError (a 500).
Every click is now answered as if it came a moment later, and nothing is written twice.
"""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from core.database import utcnow
from core.extensions import db
from core.models import AwayDay, Team
from standup import schedule, services
from standup.models import Attendance, CheckIn, Holiday, RotationEntry
from tests.support.factories import build_user
from tests.support.races import (
    AT_ONCE,
    count,
    detached,
    posts_at_once,
    rows,
)

HX = {"HX-Request": "true"}


def _team(app, slug: str):
    """A team meeting every day with its planned stand-up of today: (team id, day, its people;
    the first is the facilitator, the last a manager of the team)."""
    with app.app_context():
        team = Team(slug=slug, name="Race Team", workdays="1234567")
        db.session.add(team)
        db.session.flush()
        people = [build_user(team_id=team.id, name=f"Person {c}") for c in "ABC"]
        people.append(build_user("manager", team_id=team.id, name="Manager"))
        db.session.add_all(people)
        db.session.flush()
        db.session.add_all(
            RotationEntry(team_id=team.id, user_id=person.id, position=position)
            for position, person in enumerate(people[:3])
        )
        db.session.commit()
        on = schedule.local_date(team, utcnow())
        standup = services.open_board(team, on, utcnow())
        lead = next(person for person in people if person.id == standup.facilitator_id)
        people.remove(lead)
        people.insert(0, lead)
        team_id = team.id
        people = [detached(person) for person in people]
        db.session.remove()
    return team_id, on, people


@pytest.mark.parametrize("round_", range(3))
def test_marking_the_same_days_away_at_once_marks_them_once(committed_app, round_):
    _team_id, on, people = _team(committed_app, f"away-race-{round_}")
    me = people[1]
    form = {"start": on.isoformat(), "end": (on + timedelta(days=3)).isoformat()}
    answers = posts_at_once(committed_app, [me] * AT_ONCE, "/standup/away", form)

    assert [answer.status_code for answer in answers] == [302] * AT_ONCE
    days = rows(committed_app, sa.select(AwayDay.on).where(AwayDay.user_id == me.id))
    assert sorted(day for (day,) in days) == [on + timedelta(days=n) for n in range(4)]


@pytest.mark.parametrize("round_", range(3))
def test_saving_the_settings_at_once_keeps_each_holiday_and_place_once(committed_app, round_):
    team_id, on, people = _team(committed_app, f"settings-race-{round_}")
    manager = people[-1]
    form = {
        "name": "Race Team",
        "standup_time": "09:30",
        "timezone": "UTC",
        "workdays": list("1234567"),
        "timebox_minutes": "15",
        "grace_minutes": "5",
        "holidays": f"{(on + timedelta(days=30)).isoformat()} Party\n"
        f"{(on + timedelta(days=31)).isoformat()}",
        "rotation": "\n".join(person.email for person in reversed(people[:3])),
    }
    answers = posts_at_once(
        committed_app, [manager] * AT_ONCE, f"/standup/settings-race-{round_}/settings", form
    )

    assert [answer.status_code for answer in answers] == [302] * AT_ONCE
    holidays = rows(committed_app, sa.select(Holiday.on).where(Holiday.team_id == team_id))
    assert sorted(day for (day,) in holidays) == [on + timedelta(days=n) for n in (30, 31)]
    rotation = rows(
        committed_app,
        sa.select(RotationEntry.user_id)
        .where(RotationEntry.team_id == team_id)
        .order_by(RotationEntry.position),
    )
    assert [user_id for (user_id,) in rotation] == [person.id for person in reversed(people[:3])]


@pytest.mark.parametrize("round_", range(3))
def test_checking_in_twice_at_once_keeps_one_check_in(committed_app, round_):
    slug = f"check-in-race-{round_}"
    _team_id, on, people = _team(committed_app, slug)
    me = people[1]
    form = {"yesterday": "Calls", "today": "More calls", "mood": "4"}
    answers = posts_at_once(
        committed_app, [me] * AT_ONCE, f"/standup/{slug}/{on.isoformat()}/check-in", form, HX
    )

    assert [answer.status_code for answer in answers] == [200] * AT_ONCE
    assert count(committed_app, CheckIn, CheckIn.user_id == me.id) == 1


@pytest.mark.parametrize("round_", range(3))
def test_marking_one_person_on_two_screens_at_once_keeps_one_row(committed_app, round_):
    slug = f"attendance-race-{round_}"
    _team_id, on, people = _team(committed_app, slug)
    lead, absent = people[0], people[1]
    url = f"/standup/{slug}/{on.isoformat()}/attendance/{absent.id}"
    answers = posts_at_once(committed_app, [lead] * AT_ONCE, url, {"present": "0"}, HX)

    assert [answer.status_code for answer in answers] == [200] * AT_ONCE
    marked = rows(
        committed_app, sa.select(Attendance.present).where(Attendance.user_id == absent.id)
    )
    assert marked == [(False,)]
