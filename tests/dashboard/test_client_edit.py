"""#12: managers correct a client's details on purpose on the client's page; agents cannot; audited."""

import sqlalchemy as sa

from core.audit import AuditEvent
from core.extensions import db
from core.models import Client
from tests.support.db import all_rows, using


def test_a_manager_corrects_a_clients_details_and_the_old_values_are_audited(
    app, client, login_as, make_client
):
    target = make_client(email="old@example.com")
    manager = login_as("manager")
    page = client.get(f"/complaints/clients/{target.id}")
    assert (
        "Correct the client&#39;s details" in page.text
        or "Correct the client's details" in page.text
    )
    response = client.post(
        f"/clients/{target.id}/details",
        data={"name": "New Name", "email": "", "phone": "+55 11 91234 5678"},
    )
    assert response.status_code == 302
    (row,) = all_rows(app, Client)
    assert (row.name, row.email, row.phone) == ("New Name", None, "+55 11 91234 5678")
    with using(app):
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.entity_type == "client"))
        assert (event.actor_id, event.action) == (manager.id, "details_edited")
        assert event.details["changes"]["email"] == ["old@example.com", None]
        assert event.details["changes"]["name"] == [target.name, "New Name"]


def test_an_agent_sees_no_edit_form_and_gets_403(app, client, login_as, make_client):
    target = make_client()
    login_as("agent")
    assert "client-details-edit" not in client.get(f"/complaints/clients/{target.id}").text
    response = client.post(f"/clients/{target.id}/details", data={"name": "X"})
    assert response.status_code == 403
    assert all_rows(app, Client)[0].name == target.name


def test_a_bad_phone_is_explained_and_nothing_changes(app, client, login_as, make_client):
    target = make_client()
    login_as("manager")
    response = client.post(f"/clients/{target.id}/details", data={"name": "Y", "phone": "call me"})
    assert response.status_code == 400 and "phone number with digits" in response.text
    assert all_rows(app, Client)[0].name == target.name
