"""Wish writes sent several times at once (issue #11: races included): a double-clicked "Save",
the API retried without an Idempotency-Key, a double-clicked "Log the call" or "Close the review".
Through the real app on real threads, on SQLite and on PostgreSQL, committed for real.

PostgreSQL lets each request read what is there before the others commit; SQLite's write lock
at BEGIN makes them take turns. Each click is now answered as if it came a moment later.
"""

import pytest
import sqlalchemy as sa

from core.api.tokens import create_token
from core.audit import AuditEvent
from core.extensions import db
from core.models import Client, Team, User
from dashboard.slack.models import OutboxMessage
from tests.support.factories import build_user
from tests.support.races import (
    AT_ONCE,
    count,
    detached,
    one_won,
    posts_at_once,
    rows,
    sends_at_once,
)
from wishes import calendar, services
from wishes.models import Callback, Wish, WishDecision, WishRequest

HX = {"HX-Request": "true"}


def _team(app, slug: str) -> dict:
    """A team with an agent and a manager, and a client we know: committed, detached."""
    with app.app_context():
        team = Team(slug=slug, name=f"Team {slug}", workdays="12345")
        db.session.add(team)
        db.session.flush()
        agent = build_user(team_id=team.id, name="Agent")
        manager = build_user("manager", team_id=team.id, name="Manager")
        client = Client(external_id=f"client-{slug}", name="Known Client")
        db.session.add_all([agent, manager, client])
        db.session.commit()
        made = {"team": team, "agent": agent, "manager": manager, "client": client}
        made = {name: detached(row) for name, row in made.items()}
        db.session.remove()
    return made


def _wishes_titled(app, title: str) -> list:
    return rows(app, sa.select(Wish.id).where(Wish.title == title))


# --- 1. the same new wish for the same client, at once --------------------------------------------


@pytest.mark.parametrize("round_", range(3))
def test_a_double_clicked_new_wish_is_one_wish_counting_the_client_once(committed_app, round_):
    made = _team(committed_app, f"ask-page-{round_}")
    client, title = made["client"], f"Export to Excel {round_}"
    form = {
        "external_id": client.external_id,
        "name": client.name,
        "title": title,
        "problem": "The accountant wants a spreadsheet",
        "wish_id": "",
    }
    answers = posts_at_once(committed_app, [made["agent"]] * AT_ONCE, "/wishes/new", form)

    assert [answer.status_code for answer in answers] == [302] * AT_ONCE
    wishes = _wishes_titled(committed_app, title)
    assert len(wishes) == 1, wishes
    assert count(committed_app, WishRequest, WishRequest.client_id == client.id) == 1
    created = (AuditEvent.entity_type == "wish", AuditEvent.action == "created")
    assert count(committed_app, AuditEvent, AuditEvent.entity_id == wishes[0][0], *created) == 1


@pytest.mark.parametrize("round_", range(3))
def test_the_api_retried_at_once_without_a_key_is_one_wish(committed_app, round_):
    made = _team(committed_app, f"ask-api-{round_}")
    client, title = made["client"], f"Dark mode {round_}"
    with committed_app.app_context():
        headers = {"Authorization": f"Bearer {create_token(f'wish-race-{round_}')}"}
        db.session.remove()
    body = {"client": {"external_id": client.external_id, "name": client.name}, "title": title}
    answers = sends_at_once(committed_app, "/api/v1/wishes", body, headers)

    assert [answer.status_code for answer in answers] == [201] * AT_ONCE
    wishes = _wishes_titled(committed_app, title)
    assert len(wishes) == 1, wishes
    assert {answer.json["wish_id"] for answer in answers} == {wishes[0][0]}
    assert {answer.json["distinct_clients"] for answer in answers} == {1}
    assert count(committed_app, WishRequest, WishRequest.client_id == client.id) == 1


@pytest.mark.parametrize("round_", range(3))
def test_clients_asking_for_one_new_wish_at_once_count_on_one_wish(committed_app, round_):
    """Eight clients calling about the same new wish, taken down at the same instant: each looked for the title before the others committed (PostgreSQL) and opened a wish
    of their own, so the wish never reached three distinct clients."""
    made = _team(committed_app, f"many-ask-{round_}")
    title = f"Pay by instalments {round_}"
    forms = [
        {
            "external_id": f"caller-{round_}-{n}",
            "name": f"Caller {n}",
            "title": title,
            "problem": "Cannot pay it all at once",
            "wish_id": "",
        }
        for n in range(AT_ONCE)
    ]
    answers = posts_at_once(committed_app, [made["agent"]] * AT_ONCE, "/wishes/new", forms)

    assert [answer.status_code for answer in answers] == [302] * AT_ONCE
    wishes = _wishes_titled(committed_app, title)
    assert len(wishes) == 1, wishes
    asked = rows(
        committed_app, sa.select(WishRequest.client_id).where(WishRequest.wish_id == wishes[0][0])
    )
    assert len({client_id for (client_id,) in asked}) == AT_ONCE


# --- 3. closing the weekly review twice at once ---------------------------------------------------


def _decided_review(app, slug: str) -> dict:
    """``_team`` with a wish decided at the team's next review (which the decision opened)."""
    made = _team(app, slug)
    with app.app_context():
        team = db.session.get(Team, made["team"].id)
        team.slack_channel = f"#{slug}"
        agent, manager = (
            db.session.get(User, made["agent"].id),
            db.session.get(User, made["manager"].id),
        )
        client = db.session.get(Client, made["client"].id)
        wish = services.record_wish(
            client, title=f"Pay by cheque {slug}", problem="No card", agent=agent
        )
        made["on"] = calendar.next_review_on(team)
        services.decide(
            wish.wish.id, manager, team=team, review_on=made["on"], outcome="wont_do", reason="No"
        )
        made["review_id"] = calendar.get_review(team.id, made["on"]).id
        made["wish_id"] = wish.wish.id
        made["callback_id"] = db.session.scalar(
            sa.select(Callback.id).where(Callback.wish_id == wish.wish.id)
        )
        db.session.remove()
    return made


@pytest.mark.parametrize("round_", range(3))
def test_closing_the_review_twice_at_once_closes_it_once(committed_app, round_):
    slug = f"close-race-{round_}"
    made = _decided_review(committed_app, slug)
    url = f"/wishes/review/{slug}/{made['on'].isoformat()}/close"
    answers = posts_at_once(committed_app, [made["manager"]] * AT_ONCE, url, {}, HX)

    one_won(answers, 200, 422, "This review is already closed.")
    closed = (
        AuditEvent.entity_type == "wish_review",
        AuditEvent.entity_id == made["review_id"],
        AuditEvent.action == "closed",
    )
    assert count(committed_app, AuditEvent, *closed) == 1
    posted = OutboxMessage.dedup_key == f"wish-review-results:{made['review_id']}"
    assert count(committed_app, OutboxMessage, posted) == 1


@pytest.mark.parametrize("round_", range(3))
def test_decisions_made_while_the_review_closes_are_in_it_or_refused(committed_app, round_):
    """A manager closes the review while others still decide: a decision is either in what the
    close sent (its audit row counts the decisions) or refused, never recorded on a closed
    review after its results went out."""
    slug = f"close-decide-{round_}"
    made = _decided_review(committed_app, slug)
    with committed_app.app_context():
        agent = db.session.get(User, made["agent"].id)
        client = db.session.get(Client, made["client"].id)
        wish_ids = [
            services.record_wish(client, title=f"Wish {n} {slug}", problem="P", agent=agent).wish.id
            for n in range(AT_ONCE - 1)
        ]
        db.session.remove()
    on = made["on"].isoformat()
    urls = [f"/wishes/review/{slug}/{on}/close"]
    urls += [f"/wishes/review/{slug}/{on}/wishes/{wish_id}" for wish_id in wish_ids]
    forms = [{}] + [
        {f"wish-{wish_id}-outcome": "will_do", f"wish-{wish_id}-reason": "Yes"}
        for wish_id in wish_ids
    ]
    answers = posts_at_once(committed_app, [made["manager"]] * AT_ONCE, urls, forms, HX)

    assert answers[0].status_code == 200
    for answer in answers[1:]:
        assert answer.status_code in (200, 422)
        if answer.status_code == 422:
            text = answer.get_data(as_text=True)
            assert "This review is closed; the wish goes to the next one." in text
    decided = sum(answer.status_code == 200 for answer in answers[1:])
    at_review = rows(
        committed_app,
        sa.select(sa.func.count())
        .select_from(WishDecision)
        .where(WishDecision.review_id == made["review_id"]),
    )[0][0]
    assert at_review == 1 + decided
    closed = rows(
        committed_app,
        sa.select(AuditEvent.details).where(
            AuditEvent.entity_type == "wish_review",
            AuditEvent.entity_id == made["review_id"],
            AuditEvent.action == "closed",
        ),
    )
    assert [details["decisions"] for (details,) in closed] == [at_review]


# --- 2. logging one callback call twice at once ---------------------------------------------------


def _logged(app, made, action: str) -> int:
    """The audit rows of ``action`` ("called_back", "call_attempt") about the callback's wish."""
    where = (AuditEvent.entity_type == "wish", AuditEvent.entity_id == made["wish_id"])
    return count(app, AuditEvent, *where, AuditEvent.action == action)


def _call(app, made) -> tuple:
    callback = sa.select(Callback.attempts, Callback.done_at, Callback.last_outcome)
    return rows(app, callback.where(Callback.id == made["callback_id"]))[0]


@pytest.mark.parametrize("round_", range(3))
def test_a_double_clicked_reached_call_is_logged_once(committed_app, round_):
    made = _decided_review(committed_app, f"reached-race-{round_}")
    prefix = f"call-{made['callback_id']}"
    form = {
        f"{prefix}-outcome": "reached",
        f"{prefix}-notes": "Told them",
        f"{prefix}-attempts": "0",
    }
    url = f"/wishes/calls/{made['callback_id']}/done"
    answers = posts_at_once(committed_app, [made["agent"]] * AT_ONCE, url, form, HX)

    one_won(answers, 200, 422, "This call is already logged.")
    attempts, done_at, _outcome = _call(committed_app, made)
    assert attempts == 1 and done_at is not None
    assert _logged(committed_app, made, "called_back") == 1


@pytest.mark.parametrize("round_", range(3))
def test_a_double_clicked_unanswered_call_is_one_attempt(committed_app, round_):
    """Two real calls are not a second apart: the clicks sent from one showing of the call (the
    attempts it showed) are one attempt. The next call, logged from the row shown after it,
    counts again."""
    made = _decided_review(committed_app, f"attempt-race-{round_}")
    prefix = f"call-{made['callback_id']}"
    form = {f"{prefix}-outcome": "no_answer", f"{prefix}-attempts": "0"}
    url = f"/wishes/calls/{made['callback_id']}/done"
    answers = posts_at_once(committed_app, [made["agent"]] * AT_ONCE, url, form, HX)

    assert [answer.status_code for answer in answers] == [200] * AT_ONCE
    shown = f'name="{prefix}-attempts" value="1"'  # what the next click will say it saw
    for answer in answers:
        assert "1 attempt so far" in answer.get_data(as_text=True)
        assert shown in answer.get_data(as_text=True)
    assert _call(committed_app, made) == (1, None, "no_answer")
    assert _logged(committed_app, made, "call_attempt") == 1

    later = posts_at_once(
        committed_app, [made["agent"]], url, {**form, f"{prefix}-attempts": "1"}, HX
    )
    assert later[0].status_code == 200
    assert _call(committed_app, made) == (2, None, "no_answer")
    assert _logged(committed_app, made, "call_attempt") == 2
