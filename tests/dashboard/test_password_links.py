"""A forgotten password where Huddle sends no e-mail: the forgot page says so and sends people to an
admin, who gives out a link to choose a new password from the People page (an hour, single use,
audited). Before, the page promised a mail that only waited in the outbox, and only the CLI could
make a link."""

import re
from html import unescape
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from core.audit import AuditEvent
from core.extensions import db
from core.mail.models import MailMessage
from tests.support.db import all_rows
from tests.support.web import as_read

HX = {"HX-Request": "true"}
NEW_PASSWORD = "a new long passphrase 42"


def test_an_admin_hands_over_a_link_that_sets_a_new_password_once(app, client, login_as, make_user):
    admin = login_as("admin")
    olga = make_user("agent", name="Olga", email="olga@example.com")
    row = client.post(f"/admin/users/{olga.id}/reset-link", headers=HX)
    assert row.status_code == 200 and row.text.startswith(f'<tr id="user-{olga.id}"')
    assert "A link for Olga to choose a new password" in as_read(row.text)
    assert "Password link ready." in row.headers["HX-Trigger-After-Settle"]
    (link,) = re.findall(r"<code[^>]*>([^<]+)</code>", row.text)
    with app.app_context():
        (event,) = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "password_reset_issued")
        )
        assert (event.actor_id, event.entity_id) == (admin.id, olga.id)
    client.post("/auth/logout")
    path = urlsplit(unescape(link)).path
    assert (
        client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code
        == 302
    )
    assert client.get(path).status_code == 404  # once only
    client.post("/auth/logout")
    logged_in = client.post(
        "/auth/login", data={"email": "olga@example.com", "password": NEW_PASSWORD}
    )
    assert logged_in.status_code == 302


def test_only_an_admin_gives_a_link_and_only_to_an_active_account(app, client, login_as, make_user):
    gone = make_user("agent", name="Gone", active=False)
    login_as("manager")
    assert client.post(f"/admin/users/{gone.id}/reset-link").status_code == 403
    login_as("admin")
    refused = client.post(f"/admin/users/{gone.id}/reset-link", headers=HX)
    assert (
        refused.status_code == 400
        and "switched off" in refused.text
        and "<code" not in refused.text
    )
    assert client.post("/admin/users/999999/reset-link").status_code == 404
    with app.app_context():
        issued = sa.select(AuditEvent).where(AuditEvent.action == "password_reset_issued")
        assert list(db.session.scalars(issued)) == []


def test_without_mail_the_forgot_page_sends_people_to_an_admin_and_mails_nothing(
    app, client, make_user
):
    make_user("agent", email="olga@example.com")
    page = client.get("/auth/forgot", headers={"Accept-Language": "ru"})
    assert "Попросите администратора" in page.text and 'name="email"' not in page.text
    posted = client.post("/auth/forgot", data={"email": "olga@example.com"})
    assert posted.status_code == 200 and "Ask an admin" in posted.text
    assert all_rows(app, MailMessage) == []


@pytest.mark.parametrize(
    "app_config", [{"MAIL_URL": "smtp://127.0.0.1:1", "MAIL_FROM": "Huddle <h@example.com>"}]
)
def test_with_mail_the_forgot_page_offers_the_form(client, app_config):
    page = client.get("/auth/forgot")
    assert 'name="email"' in page.text and "Ask an admin" not in page.text
