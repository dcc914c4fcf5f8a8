"""Stand-up tests: teams meeting at 09:00, and a crew of three taking turns to facilitate."""

from datetime import time
from types import SimpleNamespace

import pytest


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
