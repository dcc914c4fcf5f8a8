"""The complaint desk: ownership, contacts, the resolve rule, playbooks, compensation, careful edits."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from complaints.models import Compensation, Complaint, Contact, SurveyLink
from core.audit import AuditEvent
from core.database import utcnow
from core.extensions import db
from tests.support.complaints import fetch
from tests.support.db import count, using
from tests.support.web import htmx


def test_open_list_shows_our_complaints_with_overdue_in_red(client, login_as, make_complaint):
    login_as("agent")
    make_complaint(summary="Late courier")
    make_complaint(summary="Wrong size", due_at=utcnow() - timedelta(hours=3))
    page = client.get("/complaints/").text
    assert "Late courier" in page and "Wrong size" in page
    assert re.search(r'class="overdue"', page)
    only_overdue = client.get("/complaints/?view=overdue", headers={"HX-Request": "true"})
    assert "Wrong size" in only_overdue.text and "Late courier" not in only_overdue.text
    assert "<html" not in only_overdue.text
    found = client.get("/complaints/?q=courier").text
    assert "Late courier" in found and "Wrong size" not in found


def test_bad_filters_fall_back_instead_of_failing(client, login_as):
    login_as("agent")
    assert client.get("/complaints/?view=evil&page=-3&category=x&sort=drop").status_code == 200


def test_manager_takes_a_complaint_from_the_list_in_place(app, client, login_as, make_complaint):
    manager = login_as("manager", name="Marta")
    complaint = make_complaint()
    row = htmx(client, f"/complaints/{complaint.id}/take", {"from": "list"})
    assert row.status_code == 200 and row.text.lstrip().startswith("<tr") and "Marta" in row.text
    assert fetch(app, complaint.id).owner_id == manager.id


def test_agents_cannot_own_complaints(app, client, login_as, make_complaint):
    login_as("agent")
    complaint = make_complaint()
    assert htmx(client, f"/complaints/{complaint.id}/take").status_code == 403
    assert fetch(app, complaint.id).owner_id is None


def test_resolve_without_a_reaching_contact_is_refused(app, client, login_as, make_complaint):
    manager = login_as("manager")
    complaint = make_complaint(owner_id=manager.id)
    htmx(
        client, f"/complaints/{complaint.id}/contacts", {"channel": "call", "outcome": "no_answer"}
    )
    version = fetch(app, complaint.id).version
    response = htmx(
        client, f"/complaints/{complaint.id}/status", {"status": "resolved", "version": version}
    )
    assert response.status_code == 422
    assert "Log a contact that reached the client" in response.text
    assert fetch(app, complaint.id).status == "contacting"


def test_log_call_then_resolve_issues_a_follow_up_link(app, client, login_as, make_complaint):
    manager = login_as("manager")
    complaint = make_complaint(owner_id=manager.id)
    logged = htmx(
        client,
        f"/complaints/{complaint.id}/contacts",
        {"channel": "call", "outcome": "reached", "notes": "Apologised, will refund"},
    )
    assert logged.status_code == 200 and "Apologised, will refund" in logged.text
    version = fetch(app, complaint.id).version
    resolved = htmx(
        client, f"/complaints/{complaint.id}/status", {"status": "resolved", "version": version}
    )
    assert resolved.status_code == 200 and "/s/" in resolved.text
    after = fetch(app, complaint.id)
    assert after.status == "resolved" and after.resolved_at is not None
    assert count(app, SurveyLink, SurveyLink.purpose == "follow_up") == 1
    assert count(app, AuditEvent, AuditEvent.entity_id == complaint.id) >= 2


def test_concurrent_edit_is_caught_and_the_input_kept(app, client, login_as, make_complaint):
    login_as("manager")
    complaint = make_complaint(summary="Original")
    version = fetch(app, complaint.id).version
    first = htmx(
        client,
        f"/complaints/{complaint.id}/edit",
        {"version": version, "summary": "First editor", "category_id": 0, "constructive": ""},
    )
    assert first.status_code == 200
    second = htmx(
        client,
        f"/complaints/{complaint.id}/edit",
        {
            "version": version,
            "summary": "Second editor's text",
            "category_id": 0,
            "constructive": "",
        },
    )
    assert second.status_code == 409
    assert "changed this complaint while you were editing" in second.text
    assert "Second editor&#39;s text" in second.text  # their input is still in the form
    assert fetch(app, complaint.id).summary == "First editor"


def test_playbook_sets_category_budget_deadline_and_checklist(
    app, client, login_as, make_complaint, make_playbook
):
    login_as("manager")
    complaint = make_complaint()
    playbook = make_playbook(suggested_compensation=Decimal("15.00"), follow_up_hours=4)
    version = fetch(app, complaint.id).version
    response = htmx(
        client,
        f"/complaints/{complaint.id}/playbook",
        {"playbook_id": playbook.id, "version": version},
    )
    assert response.status_code == 200 and "Check the courier" in response.text
    after = fetch(app, complaint.id)
    assert (after.category_id, after.budget, after.playbook_id) == (
        playbook.category_id,
        Decimal("15.00"),
        playbook.id,
    )
    htmx(client, f"/complaints/{complaint.id}/steps/1")
    assert fetch(app, complaint.id).checklist_done == [1]
    assert htmx(client, f"/complaints/{complaint.id}/steps/9").status_code == 422


def test_compensation_above_the_limit_waits_for_an_admin(
    app, client, login_as, make_complaint, make_user
):
    manager = make_user("manager", compensation_limit=Decimal("20"))
    client.log_in(manager)
    complaint = make_complaint(owner_id=manager.id)
    htmx(client, f"/complaints/{complaint.id}/compensation", {"kind": "discount", "amount": "10"})
    htmx(client, f"/complaints/{complaint.id}/compensation", {"kind": "refund", "amount": "50"})
    with using(app):
        statuses = dict(
            db.session.execute(sa.select(Compensation.amount, Compensation.status)).all()
        )
    assert statuses == {Decimal("10.00"): "approved", Decimal("50.00"): "pending"}
    with using(app):
        pending = db.session.scalar(
            sa.select(Compensation.id).where(Compensation.status == "pending")
        )
    assert htmx(client, f"/complaints/compensation/{pending}/approve").status_code == 403
    client.log_in(make_user("admin"))
    assert htmx(client, f"/complaints/compensation/{pending}/approve").status_code == 200
    assert count(app, Compensation, Compensation.status == "approved") == 2


@pytest.mark.parametrize(
    ("path", "data", "message"),
    [
        ("contacts", {"channel": "call"}, "Choose what came of it."),
        ("contacts", {"channel": "pigeon", "outcome": "reached"}, "Not a valid choice"),
        ("compensation", {"kind": "refund", "amount": "-5"}, "Enter an amount above zero."),
        ("compensation", {"kind": "refund", "amount": "lots"}, "Enter an amount like 35.90."),
        ("playbook", {"playbook_id": "999", "version": "1"}, "Not a valid choice"),
        ("status", {"status": "flying", "version": "1"}, "cannot go from"),
    ],
)
def test_bad_input_is_refused_clearly_and_changes_nothing(
    app, client, login_as, make_complaint, path, data, message
):
    login_as("manager")
    complaint = make_complaint()
    response = htmx(client, f"/complaints/{complaint.id}/{path}", data)
    assert response.status_code in (400, 422)
    assert message in response.text
    assert count(app, Contact) == 0 and count(app, Compensation) == 0
    assert fetch(app, complaint.id).status == "new"


def test_staff_entry_records_a_complaint_and_keeps_input_on_error(app, client, login_as):
    login_as("agent")
    bad = client.post(
        "/complaints/new", data={"external_id": "c-9", "name": "Typed Client", "summary": ""}
    )
    assert bad.status_code == 400 and 'value="Typed Client"' in bad.text
    good = client.post(
        "/complaints/new",
        data={
            "external_id": "c-9",
            "name": "Typed Client",
            "channel": "social",
            "summary": "Angry tweet about delay",
        },
    )
    assert good.status_code == 302
    with using(app):
        complaint = db.session.scalar(sa.select(Complaint))
        assert (complaint.channel, complaint.summary) == ("social", "Angry tweet about delay")


def test_client_page_shows_ratings_and_complaints(client, login_as, make_complaint, make_client):
    login_as("agent")
    our_client = make_client(name="Ekaterina")
    make_complaint(client_id=our_client.id, summary="Broken lamp")
    page = client.get(f"/complaints/clients/{our_client.id}")
    assert (
        page.status_code == 200 and "Broken lamp" in page.text and "One of our clients" in page.text
    )
    assert client.get("/complaints/clients/999999").status_code == 404


def test_playbooks_are_written_by_admins_only(app, client, login_as):
    login_as("manager")
    assert client.get("/complaints/playbooks").status_code == 403
    login_as("admin")
    response = client.post(
        "/complaints/playbooks",
        data={
            "category": "Billing error",
            "title": "Double charge",
            "steps": "Apologise\nRefund at once",
            "follow_up_hours": "6",
            "active": "y",
        },
    )
    assert response.status_code == 302
    page = client.get("/complaints/playbooks").text
    assert "Double charge" in page and "Billing error" in page


def test_no_route_deletes_a_complaint_or_rating(app):
    for rule in app.url_map.iter_rules():
        assert "DELETE" not in rule.methods, rule
        assert "delete" not in rule.rule.lower(), rule
