"""The admin mail outbox: the same page family as Slack's, previews, Retry, admins only."""

import re

import pytest
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core import outbox as core_outbox
from core.audit import AuditEvent
from core.errors import Forbidden
from core.extensions import db
from core.mail import outbox
from core.mail.models import MailMessage
from tests.support.db import reloaded, using
from tests.support.outbox import (
    add_messages,
    assert_page_queries_fixed,
    assert_page_reads_bounded,
)


@pytest.fixture
def app_config():
    return {"MAIL_URL": None, "MAIL_FROM": None, "BASE_URL": "https://huddle.example"}


def _enqueue(i: int, status: str):
    return outbox.enqueue(
        f"person{i}@example.com",
        "invitation",
        f"k-{status}-{i}",
        "invitation",
        _l("You are invited to Huddle"),
        locale="es",
        name="Ana <b>",
        inviter="Marta",
        link="https://huddle.example/auth/invite/x",
    )


def add(app, n: int = 1, status: str = "pending", **fields) -> list[int]:
    return add_messages(app, _enqueue, n, status, **fields)


@pytest.mark.parametrize("url", ["/admin/mail/outbox", "/admin/slack/outbox"])
def test_only_admins_see_the_outboxes(client, login_as, url):
    login_as("manager")
    assert client.get(url).status_code == 403


def test_waiting_mail_is_previewed_in_its_language_when_mail_is_off(app, client, login_as):
    add(app)
    login_as("admin")
    page = client.get("/admin/mail/outbox").text
    assert "E-mail is not configured" in page
    assert "person0@example.com" in page and "Tienes una invitación a Huddle" in page
    (_message_id,) = re.findall(
        r'<iframe [^>]*sandbox[^>]*src="/admin/mail/outbox/(\d+)/preview"', page
    )
    assert "srcdoc" not in page
    assert "Ana &lt;b&gt;" in page  # the pre-rendered text part, escaped
    assert 'href="/admin/mail/outbox"' in page  # the nav link


def test_a_preview_shows_the_mail_with_its_styles_and_nothing_else(app, client, login_as):
    """Framed by srcdoc, a preview took the page's policy (style-src 'self'): every inline style of
    the mail was refused. Its own page lets them apply, runs nothing, loads nothing from elsewhere."""
    (message_id,) = add(app)
    login_as("admin")
    preview = client.get(f"/admin/mail/outbox/{message_id}/preview")
    assert preview.status_code == 200 and preview.mimetype == "text/html"
    assert preview.text == reloaded(app, MailMessage, message_id).html_body
    assert 'style="' in preview.text  # the mail's own inline styles, which the policy lets apply
    policy = preview.headers["Content-Security-Policy"]
    assert "style-src 'unsafe-inline'" in policy and "default-src 'none'" in policy
    assert "sandbox" in policy and "script-src" not in policy
    assert preview.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert client.get(f"/admin/mail/outbox/{message_id + 1000}/preview").status_code == 404
    login_as("manager")
    assert client.get(f"/admin/mail/outbox/{message_id}/preview").status_code == 403


def test_a_dead_mail_is_retried_by_htmx(app, client, login_as):
    (dead,) = add(app, status="dead", attempts=20, last_error="550 'No such user'")
    admin = login_as("admin")
    page = client.get("/admin/mail/outbox?status=dead").text
    assert "550" in page and "Retry" in page
    response = client.post(f"/admin/mail/outbox/{dead}/retry", headers={"HX-Request": "true"})
    assert response.status_code == 200 and f'id="outbox-{dead}"' in response.text
    message = reloaded(app, MailMessage, dead)
    assert (message.status, message.attempts) == ("pending", 0)
    # A retry sends words to a client again: the trail says who, on the message.
    with using(app):
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.entity_id == dead))
        assert (event.entity_type, event.action) == ("mail_message", "retried")
        assert event.actor_id == admin.id


def test_retrying_a_sent_mail_is_refused(app, client, login_as):
    (sent,) = add(app, status="sent")
    login_as("admin")
    response = client.post(f"/admin/mail/outbox/{sent}/retry", headers={"HX-Request": "true"})
    assert response.status_code == 409
    assert reloaded(app, MailMessage, sent).status == "sent"


def test_the_page_loads_in_a_fixed_number_of_queries(app, client, login_as):
    login_as("admin")
    assert_page_queries_fixed(app, client, add, "/admin/mail/outbox")


def test_the_page_reads_what_it_shows_however_many_were_sent(app, client, login_as):
    login_as("admin")
    assert_page_reads_bounded(app, client, add, MailMessage, "/admin/mail/outbox")


def test_each_mail_says_its_kind_and_language_in_the_admins_words(app, client, login_as):
    (dead,) = add(app, status="dead", attempts=20, last_error="550 'No such user'")
    login_as("admin", locale="ru")
    page = client.get("/admin/mail/outbox").text
    assert "Приглашение · Español" in page and "invitation ·" not in page
    row = client.post(f"/admin/mail/outbox/{dead}/retry", headers={"HX-Request": "true"}).text
    assert "Приглашение · Español" in row


def test_the_retry_service_itself_refuses_anyone_but_an_admin(app, make_user):
    """Only the route checked the role: any other caller could send a dead mail to a client."""
    (dead,) = add(app, status="dead", attempts=20)
    manager = make_user("manager")
    with using(app), pytest.raises(Forbidden):
        core_outbox.retry(MailMessage, dead, manager, "mail_message")
    assert reloaded(app, MailMessage, dead).status == "dead"
    with using(app):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0
