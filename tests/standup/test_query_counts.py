"""The board costs a fixed number of queries however many complaints exist; polling costs little."""

import pytest

from core.database import utcnow
from core.extensions import db
from core.models import User
from standup import queries, schedule, services
from tests.support.db import using
from tests.support.queries import count_statements


def statements_for(app, client, url, headers=None):
    client.get(url, headers=headers)  # warm up: preparing the day happens once, on first open
    with count_statements(app) as counter:
        response = client.get(url, headers=headers)
    assert response.status_code in (200, 204)
    return len(counter), response


@pytest.fixture
def busy_team(app, make_standup_team, make_user, make_complaint, make_rating):
    """A team whose board has ``n`` complaints overnight, ``n`` members checked in, ``n`` actions."""

    def make(n: int):
        team = make_standup_team(workdays="1234567")
        people = [make_user(team_id=team.id) for _ in range(n)]
        now = utcnow()
        for i in range(n):
            make_complaint(now.replace(microsecond=0) - _hours(i % 5 + 1), team_id=team.id)
            make_rating(now - _hours(1), 1)
        with using(app):
            owner = db.session.get(User, people[0].id)
            standup = services.open_board(team, schedule.local_date(team, now), now)
            for i, person in enumerate(people):
                services.record_check_in(
                    db.session.get(User, person.id), "Yesterday", f"Today {i}", "", 3
                )
                services.add_action_item(standup, owner, f"Action {i}", person.id, None)
                services.add_topic(standup, owner, f"Topic {i}")
            services.start_standup(standup, db.session.get(User, standup.facilitator_id))
        return team, people[0]

    return make


def _hours(n):
    from datetime import timedelta

    return timedelta(hours=n)


def test_board_query_count_does_not_grow_with_complaints_or_people(app, client, busy_team):
    small, small_member = busy_team(3)
    big, big_member = busy_team(30)
    client.log_in(small_member)
    few, _ = statements_for(app, client, f"/standup/{small.slug}/")
    client.log_in(big_member)
    many, response = statements_for(app, client, f"/standup/{big.slug}/")
    assert "Today 29" in response.get_data(as_text=True)
    assert few == many
    assert many <= 14


def test_a_poll_costs_two_queries_and_no_body_while_nothing_changed(app, client, busy_team):
    team, member = busy_team(5)
    client.log_in(member)
    on = schedule.local_date(team, utcnow()).isoformat()
    with using(app):
        version = queries.standup_on(team.id, schedule.local_date(team, utcnow())).version
    url = f"/standup/{team.slug}/{on}/live"
    unchanged, response = statements_for(app, client, f"{url}?v={version}", {"HX-Request": "true"})
    assert response.status_code == 204 and response.data == b""
    assert unchanged == 2  # the session's user, the version lookup
    changed, response = statements_for(app, client, f"{url}?v=0", {"HX-Request": "true"})
    assert response.status_code == 200
    assert changed <= 5
    assert len(response.data) < 12_000
