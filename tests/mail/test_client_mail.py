"""Mail to our clients through the real local SMTP server: the survey after a service (once per
order, one reminder), score buttons that record nothing until the client confirms, the follow-up
survey after a resolution (sent / opened / answered, resent by staff), and the one-click opt-out."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from complaints import services as desk
from complaints.intake import services as intake
from complaints.intake.mailing import send_due_surveys
from complaints.models import Complaint, Rating, Service
from core import clients
from core.database import utcnow
from core.extensions import db
from core.mail.models import MailMessage
from core.models import Client
from dashboard.scheduler.runner import run_job
from tests.support.api import post_json
from tests.support.db import count, using
from tests.support.queries import count_statements, plan_of
from tests.support.smtp import BASE, deliver, path_of

CLIENT = {"external_id": "crm-7", "name": "Joana Silva", "email": "joana@example.com"}


def score_links(mail) -> dict[int, str]:
    found = {}
    for link in mail.links():
        if "/s/" in link and "score=" in link:
            found[int(link.rsplit("score=", 1)[1])] = link
    return found


def post_service(client, api_headers, completed_at, order="ORD-1", key=None, **client_fields):
    body = {
        "client": {**CLIENT, **client_fields},
        "order_ref": order,
        "completed_at": completed_at.isoformat(),
    }
    extra = {"Idempotency-Key": key} if key else {}
    return post_json(client, "/api/v1/services", body, api_headers, **extra)


def run_surveys(app, at):
    with using(app):
        return send_due_surveys(at)


def test_a_service_gets_one_survey_after_the_delay_in_the_clients_language(
    app, client, api_headers, smtp, clock
):
    done = utcnow() - timedelta(minutes=5)
    first = post_service(client, api_headers, done, locale="pt_BR")
    assert first.status_code == 201 and first.json["created"] is True
    again = post_service(client, api_headers, done)  # the same order told twice
    assert again.status_code == 201 and again.json["created"] is False
    assert again.json["id"] == first.json["id"]
    assert count(app, Service) == 1
    assert run_surveys(app, utcnow()) == (0, 0)  # the delay (60 minutes) has not passed
    assert run_surveys(app, done + timedelta(minutes=61)) == (1, 0)
    assert run_surveys(app, done + timedelta(minutes=62)) == (0, 0)
    deliver(app, clock)
    (mail,) = smtp.to("joana@example.com")
    assert mail.message["Content-Language"] == "pt-BR"
    assert mail.message["Subject"] == "Como nos saímos?"
    assert "ORD-1" in mail.text
    # who "we" are: the company's name (unset here), as on the pages the mail opens; never Huddle
    assert "— Atendimento ao cliente" in mail.text and "Huddle" not in mail.text
    assert sorted(score_links(mail)) == [1, 2, 3, 4, 5]
    assert mail.message["List-Unsubscribe"].strip().startswith(f"<{BASE}/unsubscribe/")
    assert mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert score_links(mail)[3] in mail.text


def test_a_scanner_opening_every_link_records_nothing_and_the_client_confirms(
    app, client, api_headers, smtp, clock
):
    done = utcnow() - timedelta(hours=2)
    post_service(client, api_headers, done)
    run_surveys(app, utcnow())
    deliver(app, clock)
    (mail,) = smtp.received
    for link in mail.links():  # what a mail scanner does
        assert client.get(path_of(link)).status_code in (200, 302)
    assert count(app, Rating) == 0
    page = client.get(path_of(score_links(mail)[2]))
    (chosen,) = re.findall(r"<input[^>]*checked[^>]*>", page.text)
    assert 'value="2"' in chosen
    token_path = path_of(score_links(mail)[2]).split("?")[0]
    confirmed = client.post(token_path, data={"score": "2", "comment": "Late"})
    assert confirmed.status_code == 200
    with using(app):
        (rating,) = db.session.scalars(sa.select(Rating)).all()
        assert (rating.score, rating.order_ref) == (2, "ORD-1")
        assert rating.complaint_id is not None  # a low score opens a complaint


def test_one_reminder_when_unanswered_and_none_when_answered(app, client, api_headers, smtp, clock):
    done = utcnow() - timedelta(hours=1, minutes=1)
    post_service(client, api_headers, done, order="A")
    post_service(client, api_headers, done, order="B")
    now = utcnow()
    assert run_surveys(app, now) == (2, 0)
    deliver(app, clock)
    answered = next(m for m in smtp.received if "B" in m.text.split("order")[1][:5])
    client.post(path_of(score_links(answered)[5]).split("?")[0], data={"score": "5"})
    assert run_surveys(app, now + timedelta(hours=47)) == (0, 0)
    assert run_surveys(app, now + timedelta(hours=48, minutes=1)) == (0, 1)
    assert run_surveys(app, now + timedelta(hours=96)) == (0, 0)  # one reminder only
    clock.advance(hours=1)
    deliver(app, clock)
    kinds = [m.kind for m in _mail_rows(app)]
    assert sorted(kinds) == ["survey", "survey", "survey-reminder"]
    assert len(smtp.received) == 3


def _mail_rows(app) -> list[MailMessage]:
    with using(app):
        rows = list(db.session.scalars(sa.select(MailMessage).order_by(MailMessage.id)))
        for row in rows:
            db.session.expunge(row)
        return rows


def test_an_opted_out_client_gets_nothing(app, client, api_headers, smtp, clock):
    post_json(client, "/api/v1/survey-links", {"client": CLIENT, "send": True}, api_headers)
    deliver(app, clock)
    (mail,) = smtp.received
    unsubscribe = path_of(mail.message["List-Unsubscribe"].strip().strip("<>"))
    page = client.get(unsubscribe)  # opening asks, it does not unsubscribe
    assert page.status_code == 200 and "Stop e-mail from us?" in page.text
    with using(app):
        assert db.session.scalar(sa.select(Client.unsubscribed_at)) is None
    one_click = client.post(unsubscribe, csrf=False)  # RFC 8058: the mail program posts
    assert one_click.status_code == 200 and "You are unsubscribed" in one_click.text
    smtp.reset()
    linked = post_json(
        client, "/api/v1/survey-links", {"client": CLIENT, "send": True}, api_headers
    )
    assert linked.status_code == 201 and linked.json["sent"] is False
    post_service(client, api_headers, utcnow() - timedelta(hours=3))
    assert run_surveys(app, utcnow()) == (0, 0)
    deliver(app, clock)
    assert smtp.received == []
    assert client.get("/unsubscribe/forged-token").status_code == 404


def test_survey_links_can_be_sent_and_need_an_address(app, client, api_headers, smtp, clock):
    sent = post_json(
        client,
        "/api/v1/survey-links",
        {"client": {**CLIENT, "locale": "es"}, "order_ref": "X-9", "send": True},
        api_headers,
    )
    assert sent.status_code == 201 and sent.json["sent"] is True
    deliver(app, clock)
    (mail,) = smtp.received
    assert mail.message["Content-Language"] == "es"
    assert score_links(mail)[4].startswith(sent.json["url"])
    nobody = post_json(
        client,
        "/api/v1/survey-links",
        {"client": {"external_id": "crm-no-mail", "name": "No Mail"}, "send": True},
        api_headers,
    )
    assert nobody.status_code == 422 and "client.email" in nobody.json["error"]["fields"]


@pytest.fixture
def resolved(app, make_user):
    """A complaint of a client with an address, resolved after a call: (complaint id, manager)."""
    with using(app):
        manager = make_user("manager", name="Marta")
        client = clients.upsert_client("crm-8", "Rui Costa", "rui@example.com", locale="ru")
        complaint = desk_open(client, manager)
        desk.log_contact(complaint.id, manager, "call", "reached", "Sorry", at=utcnow())
        fresh = db.session.get(Complaint, complaint.id)
        desk.change_status(complaint.id, manager, "resolved", fresh.version)
        return complaint.id, manager


def desk_open(client, manager):
    complaint = intake.open_complaint(client, "Parcel lost", channel="api", owner_id=manager.id)
    db.session.commit()
    return complaint


def test_the_follow_up_survey_is_mailed_on_resolution_and_tracked(
    app, client, resolved, smtp, clock
):
    complaint_id, manager = resolved
    deliver(app, clock)
    (mail,) = smtp.to("rui@example.com")
    assert mail.message["Content-Language"] == "ru"
    client.log_in(manager)
    page = client.get(f"/complaints/{complaint_id}")
    assert "Follow-up survey" in page.text and ">sent<" in page.text
    assert client.get(path_of(score_links(mail)[4])).status_code == 403  # staff never answer
    assert ">sent<" in client.get(f"/complaints/{complaint_id}").text  # nor count as opening
    the_client = app.test_client()  # the client, in their own browser
    the_client.get(path_of(score_links(mail)[4]))
    assert ">opened<" in client.get(f"/complaints/{complaint_id}").text
    mailed_earlier(app)
    resent = client.post(
        f"/complaints/{complaint_id}/follow-up/resend", headers={"HX-Request": "true"}
    )
    assert resent.status_code == 200 and "sent again" in resent.text
    deliver(app, clock)
    assert len(smtp.to("rui@example.com")) == 2
    the_client.post(path_of(score_links(mail)[4]).split("?")[0], data={"score": "4"})
    assert ">answered<" in client.get(f"/complaints/{complaint_id}").text
    again = client.post(
        f"/complaints/{complaint_id}/follow-up/resend", headers={"HX-Request": "true"}
    )
    assert again.status_code == 422 and "already answered" in again.text


def mailed_earlier(app, minutes: int = 16) -> None:
    """As if every mail so far had been queued ``minutes`` ago (a resend waits 15 minutes)."""
    with using(app):
        for mail in db.session.scalars(sa.select(MailMessage)):
            mail.created_at -= timedelta(minutes=minutes)
        db.session.commit()


def test_a_second_click_soon_after_mails_the_client_no_second_time(app, client, resolved):
    """Each "Send again" queued one more mail: a double click, or impatience, mailed the client
    twice in a minute."""
    complaint_id, manager = resolved
    client.log_in(manager)
    resend = f"/complaints/{complaint_id}/follow-up/resend"
    too_soon = client.post(resend, headers={"HX-Request": "true"})  # the resolution's mail: now
    assert too_soon.status_code == 422 and "less than 15 minutes ago" in too_soon.text
    assert count(app, MailMessage) == 1
    mailed_earlier(app)
    assert client.post(resend, headers={"HX-Request": "true"}).status_code == 200
    again = client.post(resend, headers={"HX-Request": "true"})
    assert again.status_code == 422 and count(app, MailMessage) == 2


def test_agents_cannot_resend_the_follow_up(app, client, resolved, login_as):
    complaint_id, _manager = resolved
    login_as("agent")
    assert client.post(f"/complaints/{complaint_id}/follow-up/resend").status_code == 403


def test_the_survey_job_sends_what_is_due(app, client, api_headers):
    post_service(client, api_headers, utcnow() - timedelta(hours=2))
    with using(app):
        status, detail = run_job("survey-mail", utcnow())
    assert (status, detail) == ("done", "1 surveys, 0 reminders")


def test_sending_again_counts_this_surveys_mails_from_the_clients_own(
    app, client, resolved, smtp, clock
):
    """Each "Send again" is one more mail, counted among the client's mails (an index), not by a
    ``LIKE`` over every mail ever queued, which no index answers (and which also counted the
    mails of survey 70 as survey 7's)."""
    complaint_id, manager = resolved
    client.log_in(manager)
    resend = f"/complaints/{complaint_id}/follow-up/resend"
    mailed_earlier(app)
    assert client.post(resend, headers={"HX-Request": "true"}).status_code == 200
    mailed_earlier(app)
    with count_statements(app) as counter:
        assert client.post(resend, headers={"HX-Request": "true"}).status_code == 200
    deliver(app, clock)
    assert len(smtp.to("rui@example.com")) == 3
    reads = [
        (statement, parameters)
        for statement, parameters in zip(counter.statements, counter.parameters, strict=True)
        if statement.lstrip().upper().startswith("SELECT") and "FROM mail_messages" in statement
    ]
    assert reads
    for statement, parameters in reads:
        plan = plan_of(app, statement, parameters, conditions_only=True)
        assert "SCAN mail_messages" not in plan and "Seq Scan on mail_messages" not in plan, plan
