"""Wishes are counted per distinct client; at the threshold a wish becomes a request (SQLite and PostgreSQL)."""

from datetime import timedelta

import pytest

from core import audit
from core.database import utcnow
from tests.support.db import count, using
from tests.support.wishes import REVIEW_DAY
from wishes import briefs, pages, services
from wishes.models import Wish, WishRequest


def test_a_client_asking_twice_counts_once(app, ask, make_client):
    joana = make_client(name="Joana")
    wish_id = ask("Dark mode", client=joana)
    assert ask(wish_id=wish_id, client=joana) == wish_id
    assert ask("Dark mode", client=joana) == wish_id  # same title again: the same wish
    with using(app):
        assert briefs.distinct_clients(wish_id) == 1
        actions = [e.action for e in audit.history("wish", wish_id)]
    assert actions == ["created", "asked", "asked_again", "asked_again"]
    assert count(app, WishRequest) == 1


def test_identical_titles_from_different_clients_are_one_wish(app, ask):
    first = ask("Export reports to Excel")
    second = ask("export   reports to EXCEL!")
    assert first == second
    assert count(app, Wish) == 1
    with using(app):
        assert briefs.distinct_clients(first) == 2


def test_three_distinct_clients_make_a_request_and_reach_the_review(app, ask, make_team):
    team = make_team()
    wish_id = ask("Bulk edit of orders")
    ask(wish_id=wish_id)
    with using(app):
        assert wishes_on_review(None) == []
    ask(wish_id=wish_id)
    with using(app):
        [brief] = wishes_on_review(team.id)
        assert brief.id == wish_id and brief.distinct_clients == 3
        assert briefs.is_request(brief.distinct_clients)


def wishes_on_review(team_id):
    return briefs.wishes_for_review(team_id, REVIEW_DAY)


@pytest.mark.parametrize("app_config", [{"WISH_THRESHOLD": 2}])
def test_the_threshold_is_configurable(app, ask):
    wish_id = ask("Bulk edit of orders")
    with using(app):
        assert wishes_on_review(None) == []
    ask(wish_id=wish_id)
    with using(app):
        assert [w.id for w in wishes_on_review(None)] == [wish_id]


def test_the_team_can_add_a_wish_below_the_threshold(app, ask, make_user, make_team):
    team = make_team()
    agent = make_user("agent", team_id=team.id)
    wish_id = ask("Invoices in Spanish", agent=agent)
    with using(app):
        assert wishes_on_review(team.id) == []
        services.add_to_review(wish_id, agent)
        [brief] = wishes_on_review(team.id)
    assert brief.id == wish_id and brief.distinct_clients == 1


def test_each_team_reviews_its_own_wishes_and_the_teamless_ones(
    app, wish_with_clients, make_user, make_team
):
    sp, msk = make_team(), make_team()
    sp_wish = wish_with_clients(3, "Pix payments", agent=make_user(team_id=sp.id))
    msk_wish = wish_with_clients(3, "Payments by SBP", agent=make_user(team_id=msk.id))
    api_wish = wish_with_clients(3, "Webhooks for orders")  # from the API: no team yet
    with using(app):
        assert {w.id for w in wishes_on_review(sp.id)} == {sp_wish, api_wish}
        assert {w.id for w in wishes_on_review(msk.id)} == {msk_wish, api_wish}


def test_review_briefs_carry_the_first_problems_and_the_age(app, ask, make_client):
    wish_id = ask("Export reports to Excel", problem="The accountant needs a spreadsheet")
    for n in range(4):
        ask(wish_id=wish_id, problem=f"Problem {n}")
    review_on = utcnow().date() + timedelta(days=9)  # after the asks, whatever today is
    with using(app):
        [brief] = briefs.wishes_for_review(None, review_on)
    assert brief.problems == ["The accountant needs a spreadsheet", "Problem 0", "Problem 1"]
    assert brief.distinct_clients == 5
    assert brief.age_days == (review_on - brief.first_asked_at.date()).days >= 8


def test_decided_wishes_leave_the_review_but_stay_searchable(
    app, wish_with_clients, make_user, make_team, decide_wish
):
    team = make_team()
    manager = make_user("manager", team_id=team.id)
    wish_id = wish_with_clients(3, "Pay by cheque")
    decide_wish(
        wish_id, reason="Cheques are being withdrawn by the banks", manager=manager, team=team
    )
    with using(app):
        assert wishes_on_review(team.id) == []
        listing = pages.wish_list("cheque", "declined")
    [row] = listing.rows
    assert row.id == wish_id and row.outcome == "wont_do"
    assert row.reason == "Cheques are being withdrawn by the banks"


def test_client_wishes_lists_what_a_client_asked(app, ask, make_client):
    joana = make_client()
    first = ask("Dark mode", client=joana)
    second = ask("Export reports to Excel", client=joana)
    ask(wish_id=second)
    ask("Something else entirely")
    with using(app):
        found = briefs.client_wishes(joana.id)
    assert {b.id: b.distinct_clients for b in found} == {first: 1, second: 2}
