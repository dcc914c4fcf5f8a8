"""Staff entry of a complaint heard elsewhere, and the `huddle survey-link` command."""

import pytest

from complaints.models import Complaint
from core.audit import history
from core.models import Client
from tests.support.db import all_rows, count, using

FORM = {
    "name": "Marta Gómez",
    "email": "marta@example.com",
    "phone": "",
    "external_id": "",
    "channel": "social",
    "summary": "Posted that her refund never arrived",
    "details": "On Instagram, 3 days ago.",
}


def test_staff_entry_needs_a_login(client, make_user):
    make_user("agent")  # someone exists: otherwise the first-run set-up page comes first
    response = client.get("/complaints/new")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_agent_records_a_complaint_and_lands_on_it(app, client, login_as, make_team):
    team = make_team()
    agent = login_as("agent", team_id=team.id)
    page = client.get("/complaints/new")
    assert page.status_code == 200 and "Record a complaint" in page.text
    response = client.post("/complaints/new", data=FORM)
    (complaint,) = all_rows(app, Complaint)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/complaints/{complaint.id}")
    assert (complaint.channel, complaint.summary, complaint.details) == (
        "social",
        FORM["summary"],
        FORM["details"],
    )
    assert complaint.team_id == team.id and complaint.client.email == "marta@example.com"
    with using(app):
        assert history("complaint", complaint.id)[0].actor_id == agent.id


def test_staff_entry_finds_the_client_we_know(app, client, login_as, make_client):
    known = make_client(external_id="crm-77", name="Marta", email="MARTA@example.com")
    login_as("agent")
    client.post("/complaints/new", data=FORM)
    client.post("/complaints/new", data={**FORM, "email": "", "external_id": "crm-77"})
    assert count(app, Client) == 1
    assert {c.client_id for c in all_rows(app, Complaint)} == {known.id}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"summary": ""}, "summary"),
        ({"summary": "x" * 301}, "summary"),
        ({"email": "not-an-email"}, "email"),
        ({"phone": "call me maybe"}, "phone"),
        ({"channel": "api"}, "channel"),
        ({"external_id": "x" * 121}, "external_id"),
    ],
)
def test_bad_staff_input_is_explained_kept_and_changes_nothing(
    app, client, login_as, changes, field
):
    login_as("agent")
    response = client.post("/complaints/new", data={**FORM, **changes})
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.text
    assert 'value="Marta Gómez"' in response.text or field == "name"
    assert count(app, Complaint) == 0 and count(app, Client) == 0


def test_staff_entry_without_csrf_is_refused(app, client, login_as):
    login_as("agent")
    assert client.post("/complaints/new", data=FORM, csrf=False).status_code == 400
    assert count(app, Complaint) == 0


def test_import_is_for_managers(client, login_as):
    login_as("agent")
    assert client.get("/complaints/import").status_code == 403
    assert client.post("/complaints/import", data={}).status_code == 403
