"""Admins clicking at once (issue #11: no 5xx, races included), through the real app on real
threads, on SQLite and on PostgreSQL, committed for real.

PostgreSQL lets every request look for the e-mail address or the short name first, find nothing
and insert: the unique constraint then stopped all but one with an IntegrityError (a 500). The
losers are told what they would have been told a moment later, next to the field, and nothing is
doubled.
"""

import pytest

from core.api.tokens import ApiToken
from core.extensions import db
from core.models import Team, User
from tests.support.factories import build_user
from tests.support.races import AT_ONCE, admin_screens, count, one_won, posts_at_once

HX = {"HX-Request": "true"}


@pytest.fixture(scope="module")
def admins(committed_app):
    return admin_screens(committed_app)


@pytest.mark.parametrize("round_", range(3))
def test_inviting_the_same_address_at_once_invites_once(committed_app, admins, round_):
    email = f"new-person-{round_}@example.com"
    form = {"email": email, "name": "New Person", "role": "agent", "team_id": "0"}
    answers = posts_at_once(committed_app, admins, "/admin/users", form, HX)

    one_won(answers, 201, 400, "Someone already has this e-mail address.")
    assert count(committed_app, User, User.email == email) == 1


@pytest.mark.parametrize("round_", range(3))
def test_adding_teams_with_the_same_short_name_at_once_adds_one(committed_app, admins, round_):
    slug = f"same-slug-{round_}"
    forms = [
        {
            "new-name": f"Team {n}",
            "new-slug": slug,
            "new-standup_time": "09:30",
            "new-timezone": "UTC",
            "new-locale": "en",
            "new-workdays": ["1", "2", "3", "4", "5"],
            "new-timebox_minutes": "15",
            "new-grace_minutes": "5",
        }
        for n in range(AT_ONCE)
    ]
    answers = posts_at_once(committed_app, admins, "/admin/teams/", forms, HX)

    one_won(answers, 201, 400, "Another team already uses this short name.")
    assert count(committed_app, Team, Team.slug == slug) == 1


@pytest.mark.parametrize("round_", range(3))
def test_renaming_two_teams_to_one_short_name_at_once_renames_one(committed_app, admins, round_):
    slug = f"taken-at-once-{round_}"
    with committed_app.app_context():
        teams = [Team(slug=f"before-{round_}-{n}", name=f"Before {n}") for n in range(AT_ONCE)]
        db.session.add_all(teams)
        db.session.commit()
        ids = [team.id for team in teams]
        db.session.remove()
    # Each screen edits another team's row to the same new short name.
    forms = [
        {
            f"t{team_id}-name": f"Renamed {team_id}",
            f"t{team_id}-slug": slug,
            f"t{team_id}-standup_time": "09:30",
            f"t{team_id}-timezone": "UTC",
            f"t{team_id}-locale": "en",
            f"t{team_id}-workdays": ["1", "2", "3", "4", "5"],
            f"t{team_id}-timebox_minutes": "15",
            f"t{team_id}-grace_minutes": "5",
        }
        for team_id in ids
    ]
    urls = [f"/admin/teams/{team_id}" for team_id in ids]
    answers = posts_at_once(committed_app, admins, urls, forms, HX)

    one_won(answers, 200, 400, "Another team already uses this short name.")
    assert count(committed_app, Team, Team.slug == slug) == 1


@pytest.mark.parametrize("round_", range(3))
def test_giving_one_slack_id_to_several_people_at_once_gives_it_once(committed_app, admins, round_):
    slack_id = f"U0RACE{round_}"
    with committed_app.app_context():
        people = [build_user(name=f"Slack {round_}.{n}") for n in range(AT_ONCE)]
        db.session.add_all(people)
        db.session.commit()
        ids = [person.id for person in people]
        db.session.remove()
    # Each screen gives another person the same Slack id on the people page.
    forms = [
        {
            f"u{user_id}-role": "agent",
            f"u{user_id}-team_id": "0",
            f"u{user_id}-active": "y",
            f"u{user_id}-slack_user_id": slack_id,
        }
        for user_id in ids
    ]
    urls = [f"/admin/users/{user_id}" for user_id in ids]
    answers = posts_at_once(committed_app, admins, urls, forms, HX)

    one_won(answers, 200, 400, "Someone else already has this Slack user id.")
    assert count(committed_app, User, User.slack_user_id == slack_id) == 1


@pytest.mark.parametrize("round_", range(3))
def test_naming_api_tokens_alike_at_once_makes_one(committed_app, admins, round_):
    name = f"billing-{round_}"
    form = {"name": name, "scopes": ["ratings:write"]}
    answers = posts_at_once(committed_app, admins, "/admin/tokens/", form)

    one_won(answers, 201, 422, f"A token named “{name}” exists already.")
    assert count(committed_app, ApiToken, ApiToken.name == name) == 1
