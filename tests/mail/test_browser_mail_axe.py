"""Every kind of mail Huddle sends passes axe-core (WCAG 2.1 A and AA) in the real Chromium, in
English and in Russian: the mail as the local SMTP server received it, its HTML part loaded as a
mail program shows it. The unsubscribe line under a client's mail was #6b7280 on the page's
#f4f5f7 (4.43:1, under AA's 4.5) at 12px, which axe refused in each client mail.
"""

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from complaints import services as desk
from complaints.intake import services as intake
from complaints.intake.mailing import send_due_surveys
from complaints.models import Complaint
from core import clients
from core.database import utcnow
from core.extensions import db
from core.mail.models import MailMessage
from dashboard.scheduler.runner import run_job
from tests.support.api import post_json
from tests.support.browser import described, violations
from tests.support.db import using
from tests.support.smtp import deliver

EVERY_KIND = {
    "survey",
    "survey-reminder",
    "follow-up-survey",
    "invitation",
    "password-reset",
    "web-message",
    "follow-up-overdue",
}


def queue_every_kind(app, client, api_headers, make_user, make_team, login_as, language):
    """One mail of each kind, each to someone who reads ``language``."""
    done = utcnow() - timedelta(hours=2)
    service = {
        "client": {"external_id": "crm-a", "name": "Ana", "email": "ana@example.com"},
        "order_ref": "ORD-1",
        "completed_at": done.isoformat(),
    }
    service["client"]["locale"] = language
    assert post_json(client, "/api/v1/services", service, api_headers).status_code == 201
    with using(app):
        assert send_due_surveys(utcnow()) == (1, 0)
        assert send_due_surveys(utcnow() + timedelta(hours=49)) == (0, 1)
        owner = make_user("manager", name="Marta", email="marta@example.com", locale=language)
        rui = clients.upsert_client("crm-b", "Rui", "rui@example.com", locale=language)
        complaint = intake.open_complaint(
            rui, "Parcel lost", channel="api", owner_id=owner.id, now=utcnow() - timedelta(hours=30)
        )
        db.session.commit()
        assert run_job("follow-up-watch", utcnow())[0] == "done"
        desk.log_contact(complaint.id, owner, "call", "reached", "Sorry", at=utcnow())
        fresh = db.session.get(Complaint, complaint.id)
        desk.change_status(complaint.id, owner, "resolved", fresh.version)
    make_user("admin", name="Helena", email="head@example.com", locale=language)
    written = {"name": "Irina", "contact": "irina@example.com", "message": "Call me."}
    assert client.post("/write-to-us", data=written).status_code == 200
    make_user("agent", name="Olga", email="olga@example.com", locale=language)
    assert client.post("/auth/forgot", data={"email": "olga@example.com"}).status_code == 200
    login_as("admin", name="Admin")
    team = make_team(locale=language)
    invited = {"email": "nuno@example.com", "name": "Nuno", "role": "agent", "team_id": team.id}
    assert client.post("/admin/users", data=invited).status_code == 201


def kinds_by_message_id(app) -> dict[str, str]:
    with using(app):
        return dict(db.session.execute(sa.select(MailMessage.message_id, MailMessage.kind)).all())


@pytest.mark.parametrize("language", ["en", "ru"])
def test_every_kind_of_mail_as_delivered_passes_axe(
    app, client, api_headers, make_user, make_team, login_as, smtp, clock, chromium, language
):
    queue_every_kind(app, client, api_headers, make_user, make_team, login_as, language)
    deliver(app, clock)
    kinds = kinds_by_message_id(app)
    delivered = {kinds[mail.message["Message-ID"]]: mail for mail in smtp.received}
    assert set(delivered) == EVERY_KIND
    context = chromium.new_context(java_script_enabled=True)
    found = {}
    try:
        page = context.new_page()
        for kind, mail in sorted(delivered.items()):
            assert mail.message["Content-Language"] == language
            page.set_content(mail.html)
            assert page.get_attribute("html", "lang") == language
            problems = violations(page)
            if problems:
                found[kind] = described(problems)
    finally:
        context.close()
    assert found == {}, json.dumps(found, indent=1, ensure_ascii=False)
