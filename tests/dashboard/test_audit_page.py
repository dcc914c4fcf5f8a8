"""#12: admins see the audit trail on a page, filtered by kind, action, person and day."""

import pytest

from core import audit
from core.extensions import db
from tests.support.db import using
from tests.support.queries import plan_of, statements_of
from tests.support.web import as_read


def test_admins_see_and_filter_the_audit_trail(app, client, login_as, make_user):
    someone = make_user("manager", name="Marta Filter")
    with using(app):
        audit.record(someone.id, "client", 7, "details_edited", changes={"name": ["A", "B"]})
        audit.record(None, "api_token", 3, "revoked", name="crm-token")
        db.session.commit()
    login_as("admin")
    page = client.get("/admin/audit/")
    assert page.status_code == 200
    assert (
        "details_edited" in page.text and "crm-token" in page.text and "Marta Filter" in page.text
    )
    by_kind = client.get("/admin/audit/?entity_type=api_token").text
    assert "crm-token" in by_kind and "Client #7" not in by_kind
    by_person = client.get(f"/admin/audit/?actor={someone.id}").text
    assert "Client #7" in by_person and "API token #3" not in by_person
    by_action = client.get("/admin/audit/?action=revoked").text
    assert "API token #3" in by_action and "Client #7" not in by_action
    future = client.get("/admin/audit/?since=2999-01-01").text
    assert "Client #7" not in future and "Nothing recorded" in future
    assert client.get("/admin/audit/?since=garbage&page=x").status_code == 200


def test_only_admins_see_the_audit_trail(client, login_as):
    login_as("manager")
    assert client.get("/admin/audit/").status_code == 403


def test_logins_invitations_role_changes_and_deactivations_are_audited_and_shown(
    app, client, login_as, make_user
):
    """#12 finding 8: the security-relevant changes land in the trail an admin reads."""
    import sqlalchemy as sa

    from core.audit import AuditEvent
    from tests.support.web import user_row

    person = make_user("agent", name="Paula Audited", password="correct horse battery")
    visitor = app.test_client()
    logged_in = visitor.post(
        "/auth/login", data={"email": person.email, "password": "correct horse battery"}
    )
    assert logged_in.status_code == 302
    admin = login_as("admin")
    invited = client.post(
        "/admin/users",
        data={"email": "invitee@example.com", "name": "Ivo Invited", "role": "agent", "team_id": 0},
    )
    assert invited.status_code == 201
    client.post(f"/admin/users/{person.id}", data=user_row(person, "manager"))  # and deactivates
    with using(app):
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.entity_type == "user")
        ).all()
        invitee = next(e for e in events if e.action == "created" and e.actor_id == admin.id)
        by_action = {e.action: e for e in events if e.entity_id == person.id}
    assert by_action["logged_in"].actor_id == person.id
    access = by_action["access_changed"]
    assert access.actor_id == admin.id
    assert access.details["role"] == {"from": "agent", "to": "manager"}
    assert access.details["active"] == {"from": True, "to": False}
    page = client.get("/admin/audit/?entity_type=user").text
    for action in ("logged_in", "created", "access_changed"):
        assert action in page
    assert f"Person #{invitee.entity_id}" in page and f"Person #{person.id}" in page


@pytest.mark.parametrize(
    "query",
    ["", "entity_type=client", "action=client.details_edited", "actor={actor}", "since=2020-01-01"],
)
def test_the_audit_page_walks_an_index_newest_first_for_every_filter(
    app, client, login_as, make_user, query
):
    """The trail grows with every write: the page reads its 50 newest from an index in its own
    order, never sorting (or reading) every event, and its menus read no events at all."""
    someone = make_user("manager", name="Marta Plan")
    with using(app):
        for n in range(30):
            audit.record(someone.id, "client", n, "details_edited", changes={"name": ["A", "B"]})
        db.session.commit()
    login_as("admin")
    url = "/admin/audit/?" + query.format(actor=someone.id)
    reads = [
        (statement, parameters)
        for statement, parameters in statements_of(app, client, url)
        if "FROM audit_events" in statement
    ]
    assert len(reads) == 1, [statement for statement, _ in reads]
    plan = plan_of(app, *reads[0], ordered=True)
    assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan
    assert "SCAN audit_events\n" not in plan + "\n" and "Seq Scan" not in plan, plan
    assert "ix_audit_events_" in plan, plan


def test_the_details_read_as_words_in_the_admins_language_and_timezone(
    app, client, login_as, make_team, make_user
):
    """They read as stored: "before_due_at: 2026-12-08T13:52+00:00; budget: 2000.0", "role: agent;
    team_id: 1", "expires_at: 2027-03-07T13:58:33.122587+00:00"."""
    team = make_team(name="Suporte Rio")
    person = make_user("agent")
    with using(app):
        audit.record(
            None,
            "user",
            person.id,
            "access_changed",
            role={"from": "agent", "to": "manager"},
            team_id={"from": None, "to": team.id},
        )
        audit.record(None, "api_token", 3, "created", expires_at="2027-03-07T13:58:33+00:00")
        audit.record(
            None,
            "complaint",
            9,
            "edited",
            before_due_at="2026-12-08T13:52:00+00:00",
            due_at="2026-12-09T15:00:00+00:00",
            budget="2000.0",
        )
        db.session.commit()
    login_as("admin", locale="ru", timezone="Europe/Moscow")
    page = as_read(client.get("/admin/audit/").text).replace("\xa0", " ").replace("\u202f", " ")
    assert (
        "Роль: Оператор → Менеджер" in page
        and "2000.0" not in page
        and "Команда: — → Suporte Rio" in page
    )
    assert "+00:00" not in page and "before_" not in page and "team_id" not in page
    assert "7 мар. 2027 г., 16:58" in page  # Moscow time, Babel's Russian style
    assert "9 дек. 2026 г., 18:00" in page and "8 дек. 2026 г., 16:52 →" in page
