"""Stand-up tests: teams meeting at 09:00, and a crew of three taking turns to facilitate."""

from datetime import time
from types import SimpleNamespace

import pytest

from core.database import utcnow
from standup import schedule, services
from tests.support.db import using


@pytest.fixture
def make_standup_team(make_team):
    """``make_team`` for a team meeting at 09:00 (UTC, weekdays, 15 minutes) unless told otherwise."""

    def make(**fields):
        fields.setdefault("standup_time", time(9, 0))
        return make_team(**fields)

    return make


@pytest.fixture
def crew(make_standup_team, make_user, set_rotation):
    """Persons A, B and C (Slack ids UA, UB, UC) in that rotation, on a team posting to #crew."""
    team = make_standup_team(slack_channel="#crew")
    people = [make_user(team_id=team.id, name=f"Person {c}", slack_user_id=f"U{c}") for c in "ABC"]
    set_rotation(team, people)
    return SimpleNamespace(team=team, people=people)


@pytest.fixture
def meeting(app, make_standup_team, make_user, set_rotation):
    """A team of two whose facilitator (the first) has opened today's board; nobody checked in."""
    team = make_standup_team(workdays="1234567")
    lead = make_user(team_id=team.id, name="Lena Lead")
    watcher = make_user(team_id=team.id, name="Walter Watch")
    set_rotation(team, [lead, watcher])
    on = schedule.local_date(team, utcnow())
    with using(app):
        services.open_board(team, on, utcnow())
    url = f"/standup/{team.slug}/{on.isoformat()}"
    return team, on, lead, watcher, url
