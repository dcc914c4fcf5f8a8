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
from core.models import Client, Team
from tests.support.factories import build_user
from tests.support.races import AT_ONCE, count, posts_at_once, rows, sends_at_once
from wishes.models import Wish, WishRequest


def _detached(row):
    db.session.refresh(row)
    db.session.expunge(row)
    return row


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
        made = {name: _detached(row) for name, row in made.items()}
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
