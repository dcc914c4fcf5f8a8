"""#12: a client's name, e-mail and phone change only on purpose, and every change is audited."""

import sqlalchemy as sa

from complaints.intake import services as intake
from core import clients
from core.audit import AuditEvent
from core.extensions import db
from core.models import Client
from tests.support.db import all_rows, using


def _client_events(session) -> list[AuditEvent]:
    query = sa.select(AuditEvent).where(AuditEvent.entity_type == "client").order_by(AuditEvent.id)
    return list(session.scalars(query))


def test_people_input_adds_missing_details_and_never_replaces_known_ones(db_session, make_user):
    agent = make_user("agent")
    known = clients.upsert_client("crm-1", "Ana Souza", "ana@example.com")
    db_session.commit()
    again = clients.find_or_create_client(
        "crm-1", "Mallory", "evil@example.com", "+1 555 0100", actor_id=agent.id
    )
    assert again.id == known.id
    assert (again.name, again.email, again.phone) == ("Ana Souza", "ana@example.com", "+1 555 0100")
    (event,) = _client_events(db_session)
    assert (event.actor_id, event.action, event.details) == (
        agent.id,
        "details_changed",
        {"how": "added", "changes": {"phone": [None, "+1 555 0100"]}},
    )


def test_another_system_keeps_details_current_and_the_change_is_audited_old_to_new(db_session):
    clients.upsert_client("crm-2", "Olga", "olga@example.com")
    db_session.commit()
    clients.upsert_client("crm-2", "Olga Petrova", "olga@example.com")
    (event,) = _client_events(db_session)
    assert event.details == {"how": "system", "changes": {"name": ["Olga", "Olga Petrova"]}}


def test_staff_edit_may_change_and_clear_details_and_is_audited(db_session, make_user):
    manager = make_user("manager")
    client = clients.upsert_client("crm-3", "Jorge", "jorge@example.com", "+34 600")
    db_session.commit()
    changes = clients.edit_client(
        client, manager.id, name="Jorge Ruiz", email=None, phone="+34 600"
    )
    assert changes == {"name": ["Jorge", "Jorge Ruiz"], "email": ["jorge@example.com", None]}
    (event,) = _client_events(db_session)
    assert (event.actor_id, event.action) == (manager.id, "details_edited")


def test_anonymous_write_to_us_with_a_clients_email_does_not_rename_them(app, client, make_user):
    make_user("admin")
    with using(app):
        clients.upsert_client("crm-4", "Irina Ivanova", "irina@example.com", "+7 999")
        db.session.commit()
    data = {"name": "Renamed By A Stranger", "contact": "IRINA@example.com", "message": "Hi.\nx"}
    assert client.post("/write-to-us", data=data).status_code == 200
    (row,) = all_rows(app, Client)
    assert (row.name, row.email, row.phone) == ("Irina Ivanova", "irina@example.com", "+7 999")


def test_an_agent_sending_a_clients_id_with_a_complaint_does_not_rename_them(db_session, make_user):
    agent = make_user("agent")
    clients.upsert_client("crm-5", "Pedro", "pedro@example.com")
    db_session.commit()
    complaint = intake.record_staff_complaint(
        external_id="crm-5",
        name="Someone Else",
        email="other@example.com",
        phone=None,
        channel="phone",
        summary="Late parcel",
        details=None,
        actor=agent,
    )
    assert (complaint.client.name, complaint.client.email) == ("Pedro", "pedro@example.com")
    assert _client_events(db_session) == []
