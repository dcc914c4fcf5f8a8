"""#12: admins see the audit trail on a page, filtered by kind, action, person and day."""

from core import audit
from core.extensions import db
from tests.support.db import using


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
    assert "crm-token" in by_kind and "client #7" not in by_kind
    by_person = client.get(f"/admin/audit/?actor={someone.id}").text
    assert "client #7" in by_person and "api_token #3" not in by_person
    by_action = client.get("/admin/audit/?action=revoked").text
    assert "api_token #3" in by_action and "client #7" not in by_action
    future = client.get("/admin/audit/?since=2999-01-01").text
    assert "client #7" not in future and "Nothing recorded" in future
    assert client.get("/admin/audit/?since=garbage&page=x").status_code == 200


def test_only_admins_see_the_audit_trail(client, login_as):
    login_as("manager")
    assert client.get("/admin/audit/").status_code == 403
