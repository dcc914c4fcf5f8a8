"""The weekly review: one decision per wish, one callback per distinct client (SQLite and PostgreSQL)."""

from datetime import UTC, date, datetime

import pytest

from core.extensions import db
from core.signals import wish_review_closed
from tests.support.db import count, using
from tests.support.wishes import REVIEW_DAY, callbacks, wish
from wishes import briefs, calendar, pages, services
from wishes.models import Callback, WishDecision, WishReview


@pytest.fixture
def review(make_team, make_user):
    team = make_team(slug="sp-review", timezone="America/Sao_Paulo")
    manager = make_user("manager", team_id=team.id, name="Marta Souza")
    return team, manager


def decide(app, wish_id, review, outcome="will_do_if_paid", **kw):
    team, manager = review
    with using(app):
        return services.decide(
            wish_id,
            manager,
            team=team,
            review_on=REVIEW_DAY,
            outcome=outcome,
            reason=kw.pop("reason", "Only worth it for the biggest plan"),
            terms=kw.pop("terms", "US$ 800, delivered in six weeks"),
            **kw,
        ).callbacks


def test_a_decision_creates_exactly_one_callback_per_distinct_client(
    app, ask, make_client, make_user, review
):
    team, _ = review
    lucas = make_user("agent", team_id=team.id, name="Lucas")
    sofia = make_user("agent", team_id=team.id, name="Sofía")
    twice = make_client()
    wish_id = ask("Export reports to Excel", client=twice, agent=lucas)
    ask(wish_id=wish_id, client=twice, agent=sofia)  # asked again: still one client
    ask(wish_id=wish_id, agent=sofia)
    ask(wish_id=wish_id, agent=lucas)
    assert decide(app, wish_id, review) == 3
    made = callbacks(app)
    assert len(made) == 3 and len({c.client_id for c in made}) == 3
    # Each client is called by the agent who heard them first.
    assert sorted(c.agent_id for c in made) == sorted([lucas.id, sofia.id, lucas.id])
    assert {c.team_id for c in made} == {team.id}
    assert wish(app, wish_id).status == "decided"


def test_callbacks_are_due_two_working_days_after_the_decision(
    app, wish_with_clients, review, monkeypatch
):
    monkeypatch.setattr(calendar, "utcnow", lambda: datetime(2026, 12, 4, 15, tzinfo=UTC))
    wish_id = wish_with_clients(3)
    decide(app, wish_id, review, now=datetime(2026, 12, 4, 15, tzinfo=UTC))  # a Friday
    assert {c.due_on for c in callbacks(app)} == {date(2026, 12, 8)}  # Tuesday


def test_an_agent_who_left_hands_the_call_to_the_decider(app, ask, make_user, review):
    team, manager = review
    leaver = make_user("agent", team_id=team.id, active=False)
    wish_id = ask("Dark mode", agent=leaver)
    decide(app, wish_id, review, outcome="will_do", terms=None)
    [callback] = callbacks(app)
    assert callback.agent_id == manager.id


@pytest.mark.parametrize(
    ("outcome", "reason", "terms", "field"),
    [
        ("maybe", "Because", None, "outcome"),
        ("will_do", "   ", None, "reason"),
        ("will_do_if_paid", "Costly", "", "terms"),
        ("will_do_in_paid_period", "Costly", None, "terms"),
    ],
)
def test_a_bad_decision_is_refused_and_changes_nothing(
    app, wish_with_clients, review, outcome, reason, terms, field
):
    wish_id = wish_with_clients(3)
    with pytest.raises(services.WishError) as refused:
        decide(app, wish_id, review, outcome=outcome, reason=reason, terms=terms)
    assert refused.value.field == field
    with using(app):
        db.session.rollback()
    assert count(app, WishDecision) == 0 and count(app, Callback) == 0
    assert wish(app, wish_id).status == "open"


def test_a_manager_decides_only_wishes_of_their_team_or_of_none(
    app, ask, make_team, make_user, review
):
    """Moscow's manager could decide São Paulo's wish in Moscow's review (and have São Paulo's
    agents call its clients back): the review checked the team in the URL, not the wish's."""
    team, _manager = review
    wish_id = ask(agent=make_user("agent", team_id=team.id))
    moscow = make_team(slug="msk-review", timezone="Europe/Moscow")
    moscow_review = (moscow, make_user("manager", team_id=moscow.id))
    with pytest.raises(services.NotAllowed):
        decide(app, wish_id, moscow_review)
    with using(app):
        db.session.rollback()
    assert count(app, WishDecision) == 0 and count(app, Callback) == 0
    assert count(app, WishReview) == 0  # not even the review of that day was opened
    assert wish(app, wish_id).status == "open"
    assert decide(app, wish_id, review) == 1  # its own team's review still decides it
    assert decide(app, ask(title="Dark mode"), moscow_review) == 1  # a wish of no team: any


def test_a_wish_is_decided_once(app, wish_with_clients, review):
    wish_id = wish_with_clients(3)
    decide(app, wish_id, review, outcome="will_do", terms=None)
    with pytest.raises(services.WishError):
        decide(app, wish_id, review, outcome="wont_do")
    assert count(app, Callback) == 3


def test_closing_the_review_announces_its_decisions_and_ends_it(app, wish_with_clients, review):
    team, manager = review
    paid = wish_with_clients(3, "Export reports to Excel")
    declined = wish_with_clients(4, "Pay by cheque")
    decide(app, paid, review)
    decide(app, declined, review, outcome="wont_do", terms=None, reason="Banks withdraw cheques")
    heard = []

    def receiver(sender, review=None, decisions=None, **extra):
        heard.append((review.team_id, review.review_on, review.status, decisions))

    wish_review_closed.connect(receiver)
    try:
        with using(app):
            services.close_review(team, REVIEW_DAY, manager)
    finally:
        wish_review_closed.disconnect(receiver)
    [(team_id, review_on, status, decisions)] = heard
    assert (team_id, review_on, status) == (team.id, REVIEW_DAY, "closed")
    assert [(d.wish_id, d.outcome, d.clients_to_call, d.distinct_clients) for d in decisions] == [
        (paid, "will_do_if_paid", 3, 3),
        (declined, "wont_do", 4, 4),
    ]
    assert decisions[0].terms == "US$ 800, delivered in six weeks"
    assert decisions[1].reason == "Banks withdraw cheques" and decisions[1].terms is None
    late = wish_with_clients(3, "Dark mode")
    with pytest.raises(services.WishError):
        decide(app, late, review, outcome="will_do", terms=None)
    with pytest.raises(services.WishError), using(app):
        services.close_review(team, REVIEW_DAY, manager)


def test_already_possible_calls_every_client_back_and_is_counted(app, wish_with_clients, make_user):
    agent = make_user("agent")
    wish_id = wish_with_clients(2, "Export to CSV")
    with using(app):
        decided = services.answer_already_possible(
            wish_id, agent, "Reports → Download → CSV, top right"
        )
        assert decided.callbacks == 2 and decided.decision.review_id is None
        listing = pages.wish_list()
        assert briefs.wishes_for_review(None, REVIEW_DAY) == []
    assert listing.solved_by_existing == 1
    assert wish(app, wish_id).status == "already_possible"
    assert {c.agent_id for c in callbacks(app)} == {agent.id}  # API clients: the answering agent
