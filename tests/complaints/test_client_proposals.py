"""#12: public input never changes a known client; what it says differently waits for staff, who
accept or dismiss it on the client's page (their team's managers and admins), audited."""

import json

import pytest
import sqlalchemy as sa

from complaints.intake.survey import issue_link
from core import clients
from core.audit import AuditEvent
from core.extensions import db
from core.models import Client, ClientDetailProposal
from tests.support.db import all_rows, count, reloaded, using
from tests.support.web import htmx


@pytest.fixture
def known(app, make_team, make_user):
    """Irina, a known client, and a head of support (an admin) in the team that gets messages."""
    team = make_team()
    head = make_user("admin", name="Helena Head", team_id=team.id)
    with using(app):
        irina = clients.upsert_client("crm-4", "Irina Ivanova", "irina@example.com")
        db.session.commit()
        return {"client_id": irina.id, "team_id": team.id, "head": head}


def _write(app, name: str, contact: str):
    visitor = app.test_client()
    data = {"name": name, "contact": contact, "message": "My parcel is late.\nTwo weeks."}
    assert visitor.post("/write-to-us", data=data).status_code == 200


def _events(app, action: str) -> list[AuditEvent]:
    return all_rows(app, AuditEvent, AuditEvent.action == action)


def test_a_message_to_us_changes_no_known_client_and_holds_what_differs(app, known):
    _write(app, "Renamed By A Stranger", "IRINA@example.com")
    _write(app, "Renamed By A Stranger", "irina@example.com")  # said twice, proposed once
    _write(app, "irina  ivanova", "irina@example.com")  # the same name, spelt loosely: nothing
    row = reloaded(app, Client, known["client_id"])
    assert (row.name, row.email, row.phone) == ("Irina Ivanova", "irina@example.com", None)
    (proposal,) = all_rows(app, ClientDetailProposal)
    assert (proposal.client_id, proposal.field, proposal.value) == (
        known["client_id"],
        "name",
        "Renamed By A Stranger",
    )
    assert (proposal.source, proposal.team_id) == ("write_to_us", known["team_id"])
    (event,) = _events(app, "details_proposed")
    assert (event.actor_id, event.entity_id) == (None, known["client_id"])
    assert event.details == {
        "field": "name",
        "value": "Renamed By A Stranger",
        "source": "write_to_us",
    }
    assert _events(app, "details_changed") == []
    assert count(app, Client) == 1  # the message joined the known client


def test_a_stranger_becomes_a_new_client_with_their_details(app, known):
    _write(app, "Nadia New", "+7 900 123 45 67")
    (new,) = all_rows(app, Client, Client.id != known["client_id"])
    assert (new.name, new.phone) == ("Nadia New", "+7 900 123 45 67")
    assert count(app, ClientDetailProposal) == 0


def test_answering_a_survey_changes_no_client_detail(app, known):
    with using(app):
        _, token = issue_link(known["client_id"])
        db.session.commit()
    visitor = app.test_client()
    assert visitor.post(f"/s/{token}", data={"score": "2", "comment": "Cold"}).status_code == 200
    row = reloaded(app, Client, known["client_id"])
    assert (row.name, row.email, row.phone) == ("Irina Ivanova", "irina@example.com", None)
    assert _events(app, "details_changed") == [] and count(app, ClientDetailProposal) == 0


def _proposal_url(app, known, decision: str) -> str:
    (proposal,) = all_rows(app, ClientDetailProposal)
    return f"/clients/{known['client_id']}/proposals/{proposal.id}/{decision}"


def test_a_manager_of_the_team_sees_and_accepts_a_proposal(app, client, login_as, known):
    _write(app, "Irina Petrova", "irina@example.com")
    manager = login_as("manager", team_id=known["team_id"])
    page = client.get(f"/clients/{known['client_id']}").text
    assert "Details waiting for confirmation" in page and "Irina Petrova" in page
    url = _proposal_url(app, known, "accept")
    assert f'action="{url}"' in page and f'hx-post="{url}"' in page
    assert client.post(url, csrf=False).status_code == 400  # no CSRF token, no change
    answer = htmx(client, url)
    assert answer.status_code == 200
    assert '<h1 dir="auto">Irina Petrova</h1>' in answer.text and "<html" not in answer.text
    assert "huddle:announce" in json.loads(answer.headers["HX-Trigger-After-Settle"])
    assert reloaded(app, Client, known["client_id"]).name == "Irina Petrova"
    assert count(app, ClientDetailProposal) == 0
    (event,) = _events(app, "proposal_accepted")
    assert event.actor_id == manager.id
    assert event.details == {
        "source": "write_to_us",
        "changes": {"name": ["Irina Ivanova", "Irina Petrova"]},
    }
    assert htmx(client, url).status_code == 409  # decided already: nothing happens twice


def test_dismissing_keeps_the_client_and_is_audited(app, client, login_as, known):
    _write(app, "Irina Petrova", "irina@example.com")
    login_as(known["head"])  # an admin, who decides for every team
    answer = client.post(_proposal_url(app, known, "dismiss"))
    assert answer.status_code == 302  # without JavaScript: back to the client's page
    assert reloaded(app, Client, known["client_id"]).name == "Irina Ivanova"
    assert count(app, ClientDetailProposal) == 0
    (event,) = _events(app, "proposal_dismissed")
    assert event.actor_id == known["head"].id
    assert (event.details["field"], event.details["value"]) == ("name", "Irina Petrova")


@pytest.mark.parametrize("who", ["agent", "manager of another team"])
def test_people_without_the_right_cannot_decide(app, client, login_as, make_team, known, who):
    _write(app, "Irina Petrova", "irina@example.com")
    if who == "agent":
        login_as("agent", team_id=known["team_id"])
    else:
        login_as("manager", team_id=make_team().id)
    page = client.get(f"/clients/{known['client_id']}").text
    assert "/proposals/" not in page  # no buttons for them
    for decision in ("accept", "dismiss"):
        assert htmx(client, _proposal_url(app, known, decision)).status_code == 403
    assert reloaded(app, Client, known["client_id"]).name == "Irina Ivanova"
    assert count(app, ClientDetailProposal) == 1
    assert _events(app, "proposal_accepted") == _events(app, "proposal_dismissed") == []


def test_a_merge_takes_the_duplicates_proposals_along(app, client, login_as, known):
    with using(app):
        clients.upsert_client("crm-5", "Irina I.", "irina.work@example.com")
        db.session.commit()
    _write(app, "Irina Work", "irina.work@example.com")
    login_as(known["head"])
    response = client.post(f"/clients/{known['client_id']}/merge", data={"other": "crm-5"})
    assert response.status_code == 302
    (proposal,) = all_rows(app, ClientDetailProposal)
    assert proposal.client_id == known["client_id"]
    with using(app):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Client)) == 1
