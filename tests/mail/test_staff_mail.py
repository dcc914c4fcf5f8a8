"""Mail to staff, delivered by the real local SMTP server: invitation, password reset, a client
writing to the head of support, and a complaint past its deadline without contact."""

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from babel.dates import format_time

from complaints.intake import services as intake
from complaints.models import Complaint
from core import clients
from core.audit import AuditEvent
from core.auth.services import RESET_REQUESTS_PER_SENDER
from core.database import utcnow
from core.extensions import db
from core.mail.models import MailMessage
from dashboard.scheduler.runner import run_job
from dashboard.slack.models import OutboxMessage
from tests.support.db import count, using
from tests.support.smtp import deliver, path_of


def test_an_invitation_arrives_by_mail_and_its_link_opens_the_password_page(
    app, client, login_as, make_team, smtp, clock
):
    login_as("admin", name="Marta Admin")
    team = make_team()
    response = client.post(
        "/admin/users",
        data={"email": "new@example.com", "name": "Nuno", "role": "agent", "team_id": team.id},
    )
    assert response.status_code == 201 and "invited by e-mail" in response.text
    assert len(deliver(app, clock).sent) == 1
    (mail,) = smtp.to("new@example.com")
    assert mail.message["Subject"] == "You are invited to Huddle"
    assert "Marta Admin invited you" in mail.text
    (link,) = [link for link in mail.links() if "/auth/invite/" in link]
    assert link in mail.text
    client.post("/auth/logout")
    page = client.get(path_of(link))
    assert page.status_code == 200 and "Nuno" in page.text


def test_a_forgotten_password_is_reset_through_a_mailed_link_in_the_persons_language(
    app, client, make_user, smtp, clock
):
    user = make_user("agent", email="olga@example.com", name="Olga", locale="ru")
    assert "Forgot your password?" in client.get("/auth/login").text
    for _ in range(2):  # asked twice in a quarter-hour: one mail
        response = client.post("/auth/forgot", data={"email": "Olga@Example.com"})
        assert response.status_code == 200 and "on its way" in response.text
    unknown = client.post("/auth/forgot", data={"email": "nobody@example.com"})
    assert unknown.status_code == 200 and "on its way" in unknown.text  # the same answer
    deliver(app, clock)
    assert [r.recipients for r in smtp.received] == [["olga@example.com"]]
    (mail,) = smtp.received
    assert mail.message["Content-Language"] == "ru"
    assert mail.message["Subject"] == "Ваш пароль в Huddle"
    (link,) = [link for link in mail.links() if "/auth/reset/" in link]
    response = client.post(
        path_of(link),
        data={"password": "a new long passphrase 42", "confirm": "a new long passphrase 42"},
    )
    assert response.status_code == 302
    assert client.get(path_of(link)).status_code == 404  # once only
    assert user.id


def test_asking_again_and_again_adds_no_audit_event_beyond_the_link_mailed(app, client, make_user):
    """Anyone may post the forgot form, as often as they like: an audit event per post filled the
    trail (and took a write the unknown e-mail did not, which told who has an account)."""
    make_user("agent", email="olga@example.com")
    for n in range(12):  # from as many addresses: no sender's limit is reached
        address = {"REMOTE_ADDR": f"198.51.100.{n + 1}"}
        client.post("/auth/forgot", data={"email": "olga@example.com"}, environ_base=address)
    asked = AuditEvent.action == "password_reset_requested"
    assert count(app, AuditEvent, asked) == 1 and count(app, MailMessage) == 1


def test_one_sender_cannot_mail_reset_links_to_everyone(app, client, make_user):
    """Past its limit a sender gets the same answer and nobody is mailed: one link per person
    and quarter-hour still let one sender mail every person in Huddle, over and over."""
    emails = [make_user("agent").email for _ in range(RESET_REQUESTS_PER_SENDER + 2)]
    for email in emails:
        answer = client.post("/auth/forgot", data={"email": email})
        assert answer.status_code == 200 and "on its way" in answer.text
    assert count(app, MailMessage) == RESET_REQUESTS_PER_SENDER
    other = {"REMOTE_ADDR": "203.0.113.77"}
    client.post("/auth/forgot", data={"email": emails[-1]}, environ_base=other)
    assert count(app, MailMessage) == RESET_REQUESTS_PER_SENDER + 1


def test_the_head_of_support_is_mailed_when_a_client_writes_to_them(
    app, client, make_user, smtp, clock
):
    head = make_user("admin", name="Helena Head", email="head@example.com")
    response = client.post(
        "/write-to-us",
        data={
            "name": "Irina",
            "contact": "irina@example.com",
            "message": "Courier was rude.\nCall me.",
        },
    )
    assert response.status_code == 200
    deliver(app, clock)
    (mail,) = smtp.to("head@example.com")
    assert mail.message["Subject"] == "Irina wrote to you"
    assert "Courier was rude.\nCall me." in mail.text and "irina@example.com" in mail.text
    (link,) = [link for link in mail.links() if "/complaints/" in link]
    client.log_in(head)
    assert client.get(path_of(link)).status_code == 200
    with using(app):  # the managers' Slack channel hears of it too, without contact details
        (post,) = db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "client-wrote")
        ).all()
        assert "Irina wrote to the head of support" in post.text
        assert "Courier was rude." in json.dumps(post.blocks)
        assert "irina@example.com" not in json.dumps(post.blocks) + post.text


@pytest.mark.parametrize("line_break", ["\r\n", "\n", "\u2028", "\x85", "\x0b"])
def test_a_name_that_breaks_lines_keeps_the_subject_on_one_line_and_the_mail_flowing(
    app, client, make_user, smtp, clock, line_break
):
    """A header may not break a line, and Python refuses one that would (a header injection).
    A name typed with a line break (a raw post, or U+2028 pasted from a document) made the
    whole mail run fail on this message, every run, so no mail went out behind it."""
    make_user("admin", name="Helena Head", email="head@example.com")
    response = client.post(
        "/write-to-us",
        data={
            "name": f"Irina{line_break}Bcc: all@example.com",
            "contact": "irina@example.com",
            "message": "Courier was rude.",
        },
    )
    assert response.status_code == 200
    make_user("agent", name="Ana", email="ana@example.com")
    assert client.post("/auth/forgot", data={"email": "ana@example.com"}).status_code in (200, 302)
    deliver(app, clock)
    assert sorted(r.recipients[0] for r in smtp.received) == [
        "ana@example.com",
        "head@example.com",
    ]
    (mail,) = smtp.to("head@example.com")
    assert mail.message["Subject"] == "Irina Bcc: all@example.com wrote to you"
    assert "Bcc" not in mail.message and mail.recipients == ["head@example.com"]


def test_the_owner_is_mailed_once_when_a_complaint_passes_its_deadline(
    app, db_session, make_user, smtp, clock
):
    owner = make_user("manager", name="Olga", email="olga.owner@example.com", locale="es")
    client = clients.upsert_client("crm-9", "Maria Silva", "maria@example.org")
    now = utcnow()
    intake.open_complaint(
        client, "Broken blender", channel="api", owner_id=owner.id, now=now - timedelta(hours=30)
    )
    db.session.commit()
    assert run_job("follow-up-watch", now)[0] == "done"
    run_job("follow-up-watch", now + timedelta(minutes=15))  # the same deadline: not again
    deliver(app, clock)
    (mail,) = smtp.to("olga.owner@example.com")
    assert mail.message["Content-Language"] == "es"
    assert "Maria Silva" in mail.message["Subject"] and "Broken blender" in mail.text
    assert "maria@example.org" not in mail.text  # the owner opens the complaint for details


def test_staff_mail_shows_times_in_the_recipients_timezone_and_language(
    app, db_session, make_user, make_team, smtp, clock
):
    """The owner's own timezone, else their team's, else the app's: never the viewer's."""
    moscow = make_team(timezone="Europe/Moscow", locale="ru")
    owners = {
        "sao-paulo": make_user(
            "manager", email="sp@example.com", timezone="America/Sao_Paulo", locale="pt_BR"
        ),
        "moscow": make_user("manager", email="msk@example.com", team_id=moscow.id),
        "default": make_user("manager", email="utc@example.com", locale="pt_BR"),
    }
    client = clients.upsert_client("crm-10", "Maria Silva", "maria@example.org")
    now = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)
    for owner in owners.values():
        intake.open_complaint(
            client, "Late parcel", channel="api", owner_id=owner.id, now=now - timedelta(hours=30)
        )
        db.session.commit()
    due = {c.owner_id: c.due_at for c in db.session.scalars(sa.select(Complaint)) if c.owner_id}
    assert run_job("follow-up-watch", now)[0] == "done"
    deliver(app, clock)

    def shown(key: str, zone: str, locale: str) -> str:
        return format_time(due[owners[key].id], "short", tzinfo=ZoneInfo(zone), locale=locale)

    (sp,) = smtp.to("sp@example.com")
    (msk,) = smtp.to("msk@example.com")
    (utc,) = smtp.to("utc@example.com")
    assert sp.message["Content-Language"] == "pt-BR"
    assert shown("sao-paulo", "America/Sao_Paulo", "pt_BR") in sp.text
    assert shown("sao-paulo", "UTC", "pt_BR") not in sp.text
    assert msk.message["Content-Language"] == "ru"  # the team's language, as its Slack's
    assert shown("moscow", "Europe/Moscow", "ru") in msk.text
    assert shown("moscow", "UTC", "ru") not in msk.text
    assert shown("default", "UTC", "pt_BR") in utc.text
