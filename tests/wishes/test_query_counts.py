"""The review page, calls to make, the list and a wish load in a fixed number of queries."""

import pytest

from tests.support.db import using
from tests.support.queries import statements_for
from wishes import calendar


@pytest.fixture
def world(app, make_team, make_user, ask, decide_wish):
    team = make_team(slug="qc-team")
    manager = make_user("manager", team_id=team.id)
    agent = make_user("agent", team_id=team.id)
    made = {"wishes": []}

    def seed(n):
        with using(app):
            review_on = calendar.next_review_on(team)
        for i in range(n):
            wish_id = ask(f"Wish number {len(made['wishes'])} {i}", agent=agent)
            for _ in range(2):
                ask(wish_id=wish_id, agent=agent)
            made["wishes"].append(wish_id)
            if i % 2:
                decide_wish(
                    wish_id,
                    "will_do_if_paid",
                    "Paid work",
                    terms="US$ 100",
                    manager=manager,
                    team=team,
                    review_on=review_on,
                )
        return made["wishes"][-1]

    return team, manager, agent, seed


def test_review_page_query_count_does_not_grow(app, client, world):
    _, manager, _, seed = world
    client.log_in(manager)
    seed(3)
    few = statements_for(app, client, "/wishes/review")
    seed(27)
    assert statements_for(app, client, "/wishes/review") == few
    assert few <= 12


def test_calls_to_make_query_count_does_not_grow(app, client, world):
    _, manager, agent, seed = world
    seed(3)
    client.log_in(agent)
    few = statements_for(app, client, "/wishes/calls")
    client.log_in(manager)
    team_few = statements_for(app, client, "/wishes/calls?who=team")
    seed(27)
    assert statements_for(app, client, "/wishes/calls?who=team") == team_few
    client.log_in(agent)
    assert statements_for(app, client, "/wishes/calls") == few
    assert few <= 6


def test_list_and_wish_page_query_counts_do_not_grow(app, client, world, ask):
    _, manager, _, seed = world
    client.log_in(manager)
    wish_id = seed(2)  # the second is decided: the page shows its callbacks too
    list_few = statements_for(app, client, "/wishes/?q=wish")
    page_few = statements_for(app, client, f"/wishes/{wish_id}")
    seed(20)
    for _ in range(20):
        ask(wish_id=wish_id)
    assert statements_for(app, client, "/wishes/?q=wish") == list_few
    assert statements_for(app, client, f"/wishes/{wish_id}") == page_few
