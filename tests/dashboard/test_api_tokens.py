"""#12 API tokens: scopes (403 in the error shape), expiry and revocation (401), the CLI and the
admin page (list, create, revoke, last used), and a use noted at most once a minute, never by a GET's
own commit (#16)."""

import html
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from core.api.tokens import SCOPE_LABELS, SCOPES, ApiToken, create_token, revoke_token
from core.audit import AuditEvent
from core.database import utcnow
from core.extensions import db
from core.models import Client
from tests.support.api import post_json
from tests.support.db import all_rows, using
from tests.support.queries import count_statements

CLIENT = {"external_id": "tok-1", "name": "Token Client"}


def _token(app, name="sys", **kwargs) -> dict:
    with using(app):
        token = create_token(name, **kwargs)
    return {"Authorization": f"Bearer {token}"}


def _row(app, name="sys") -> ApiToken:
    (row,) = [t for t in all_rows(app, ApiToken) if t.name == name]
    return row


def test_a_token_without_the_endpoints_scope_gets_403_in_the_error_shape(app, client):
    reader = _token(app, scopes=["complaints:read"])
    refused = post_json(client, "/api/v1/ratings", {"client": CLIENT, "score": 1}, reader)
    assert refused.status_code == 403 and refused.json["error"]["code"] == "forbidden"
    assert "ratings:write" in refused.json["error"]["message"]
    assert client.get("/api/v1/complaints", headers=reader).status_code == 200
    writer = _token(app, "writer", scopes=["ratings:write"])
    ok = post_json(client, "/api/v1/ratings", {"client": CLIENT, "score": 1}, writer)
    assert ok.status_code == 201
    assert client.get("/api/v1/complaints", headers=writer).status_code == 403


def test_a_token_made_without_scopes_may_do_everything(app, client):
    headers = _token(app)
    assert client.get("/api/v1/complaints", headers=headers).status_code == 200
    ok = post_json(client, "/api/v1/ratings", {"client": CLIENT, "score": 5}, headers)
    assert ok.status_code == 201


def test_expired_and_revoked_tokens_get_401(app, client):
    expiring = _token(app, "expiring", expires_at=utcnow() + timedelta(days=1))
    assert client.get("/api/v1/token", headers=expiring).status_code == 200
    with using(app):
        db.session.execute(sa.update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert client.get("/api/v1/token", headers=expiring).status_code == 401
    revoked = _token(app, "revoked")
    with using(app):
        revoke_token("revoked")
    assert client.get("/api/v1/token", headers=revoked).status_code == 401


def test_use_is_noted_at_most_once_a_minute_and_a_get_commits_nothing_else(app, client):
    headers = _token(app)
    assert _row(app).last_used_at is None
    assert client.get("/api/v1/complaints", headers=headers).status_code == 200
    first = _row(app).last_used_at
    assert first is not None
    with count_statements(app) as counter:
        assert client.get("/api/v1/complaints", headers=headers).status_code == 200
    writes = [s for s in counter.statements if s.lstrip().upper().startswith(("UPDATE", "INSERT"))]
    assert writes == [] and _row(app).last_used_at == first
    with using(app):  # a minute later the next use is noted again
        db.session.execute(sa.update(ApiToken).values(last_used_at=first - timedelta(minutes=2)))
        db.session.commit()
    assert client.get("/api/v1/complaints", headers=headers).status_code == 200
    assert _row(app).last_used_at > first - timedelta(minutes=2)


def test_cli_creates_lists_and_revokes(app, client):
    runner = app.test_cli_runner()
    made = runner.invoke(
        args=["tokens", "create", "crm", "--scope", "wishes:write", "--expires-days", "30"]
    )
    assert made.exit_code == 0, made.output
    headers = {"Authorization": f"Bearer {made.output.strip()}"}
    assert client.get("/api/v1/complaints", headers=headers).status_code == 403
    listed = runner.invoke(args=["tokens", "list"])
    assert "crm\tactive\twishes:write" in listed.output and "last used" in listed.output
    assert made.output.strip() not in listed.output
    assert runner.invoke(args=["tokens", "revoke", "crm"]).exit_code == 0
    assert "crm\trevoked" in runner.invoke(args=["tokens", "list"]).output
    assert client.get("/api/v1/token", headers=headers).status_code == 401
    assert runner.invoke(args=["tokens", "revoke", "nobody"]).exit_code != 0
    bad = runner.invoke(args=["tokens", "create", "x", "--scope", "everything"])
    assert bad.exit_code != 0


def test_admin_page_lists_creates_and_revokes_tokens(app, client, login_as):
    headers = _token(app, "billing")
    client.get("/api/v1/token", headers=headers)
    admin = login_as("admin")
    page = client.get("/admin/tokens/")
    assert page.status_code == 200 and "billing" in page.text and "never" in page.text
    made = client.post(
        "/admin/tokens/",
        data={"name": "helpdesk", "scopes": ["ratings:write"], "expires_days": "7"},
    )
    assert made.status_code == 201 and "shown only this once" in made.text
    row = _row(app, "helpdesk")
    assert row.scopes == "ratings:write" and row.expires_at is not None
    assert client.post(f"/admin/tokens/{_row(app, 'billing').id}/revoke").status_code == 302
    assert client.get("/api/v1/token", headers=headers).status_code == 401
    with using(app):
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.entity_type == "api_token")
        ).all()
        assert {(e.action, e.actor_id) for e in events} >= {
            ("created", admin.id),
            ("revoked", admin.id),
        }
    duplicate = client.post(
        "/admin/tokens/", data={"name": "helpdesk", "scopes": ["ratings:write"]}
    )
    assert duplicate.status_code == 422 and "exists already" in duplicate.text


def test_the_admin_page_says_why_a_token_is_refused_in_the_admins_language(app, client, login_as):
    """The token rules spoke English only, next to the fields of a Russian admin's page."""
    _token(app, "billing")
    login_as("admin", locale="ru")
    duplicate = client.post("/admin/tokens/", data={"name": "billing", "scopes": ["ratings:write"]})
    assert duplicate.status_code == 422
    assert "Токен с именем «billing» уже есть." in duplicate.text
    assert client.post("/admin/tokens/2000000000/revoke").status_code == 404
    missing = client.post("/admin/tokens/2000000000/revoke", headers={"HX-Request": "true"})
    assert "Такого токена нет." in missing.text


@pytest.mark.parametrize("name", ["crm/sync", "..", "."])
def test_a_token_of_any_name_is_revoked_from_the_page(app, client, login_as, name):
    """The Revoke form posted to /admin/tokens/<name>/revoke: "crm/sync" was a 404 there and ".."
    a path the browser folds away, so only the CLI could stop such a token."""
    headers = _token(app, name)
    login_as("admin")
    (action,) = re.findall(
        r'<form method="post" action="([^"]+/revoke)"', client.get("/admin/tokens/").text
    )
    assert client.post(html.unescape(action)).status_code == 302
    assert _row(app, name).revoked_at is not None
    assert client.get("/api/v1/token", headers=headers).status_code == 401


def test_only_admins_see_or_change_tokens(app, client, login_as):
    _token(app, "kept")
    login_as("manager")
    assert client.get("/admin/tokens/").status_code == 403
    assert (
        client.post("/admin/tokens/", data={"name": "x", "scopes": ["ratings:write"]}).status_code
        == 403
    )
    assert client.post(f"/admin/tokens/{_row(app, 'kept').id}/revoke").status_code == 403
    assert _row(app, "kept").revoked_at is None


def test_a_token_that_may_only_read_cannot_schedule_survey_mail(app, client):
    """POST /services named no scope, so any token (a reporting system's read-only one) could make
    Huddle e-mail a survey to any address it sent: it needs ``surveys:write``, as /survey-links."""
    service = {
        "client": CLIENT | {"email": "anyone@example.com"},
        "order_ref": "O-1",
        "completed_at": (utcnow() - timedelta(hours=1)).isoformat(),
    }
    reader = _token(app, scopes=["complaints:read"])
    refused = post_json(client, "/api/v1/services", service, reader)
    assert refused.status_code == 403 and "surveys:write" in refused.json["error"]["message"]
    assert [c.external_id for c in all_rows(app, Client)] == []
    surveys = _token(app, "surveys", scopes=["surveys:write"])
    assert post_json(client, "/api/v1/services", service, surveys).status_code == 201


def test_every_endpoint_behind_a_token_names_the_scope_it_needs(app):
    """Only reading one's own token needs no scope; a new endpoint that forgets its scope fails
    here, not in an audit."""
    unscoped = sorted(
        f"{sorted(rule.methods - {'HEAD', 'OPTIONS'})} {rule.rule}"
        for rule in app.url_map.iter_rules()
        if (contract := getattr(app.view_functions[rule.endpoint], "api_operation", None))
        and not contract.public
        and contract.scope is None
    )
    assert unscoped == ["['GET'] /api/v1/token"]


def test_the_token_page_says_what_each_scope_lets_a_system_do(client, login_as):
    assert set(SCOPE_LABELS) == set(SCOPES)
    login_as("admin", locale="ru")
    page = client.get("/admin/tokens/").text
    assert "ratings:write — отправлять оценки (низкая открывает жалобу)" in page
    assert "surveys:write — опрашивать наших клиентов по e-mail" in page
    assert " checked" not in page  # the admin chooses what it may do: nothing is ticked for them
