"""A client who unsubscribes while their mail waits in the outbox gets nothing: the dispatcher
checks again at send time, cancels that mail (a final status the admin page names), counts it in
its report, and still sends everything else, staff mail to the same address included."""

from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from complaints.intake.mailing import send_due_surveys
from core.database import utcnow
from core.extensions import db
from core.mail import outbox
from core.mail.models import MailMessage
from core.models import Client
from tests.support.api import post_json
from tests.support.db import using
from tests.support.queries import count_statements
from tests.support.smtp import deliver, path_of

JOANA = {"external_id": "crm-7", "name": "Joana Silva", "email": "joana@example.com"}
RUI = {"external_id": "crm-8", "name": "Rui Costa", "email": "rui@example.com"}


def post_service(client, api_headers, who: dict, order: str):
    body = {
        "client": who,
        "order_ref": order,
        "completed_at": (utcnow() - timedelta(hours=2)).isoformat(),
    }
    assert post_json(client, "/api/v1/services", body, api_headers).status_code == 201


def staff_mail(app, to: str) -> int:
    """A mail to staff (no client): the opt-out of a client with the same address is not theirs."""
    with using(app):
        message = outbox.enqueue(
            to,
            "invitation",
            "invitation:1",
            "invitation",
            _l("You are invited to Huddle"),
            name="Joana",
            inviter="Marta",
            link="https://huddle.example/invite/abc",
        )
        db.session.commit()
        return message.id


def survey_of(app, email: str) -> MailMessage:
    with using(app):
        message = db.session.scalar(
            sa.select(MailMessage).where(
                MailMessage.recipient == email, MailMessage.kind == "survey"
            )
        )
        db.session.expunge(message)
        return message


def test_a_survey_queued_before_the_client_unsubscribed_is_cancelled_not_sent(
    app, client, api_headers, smtp, clock, login_as
):
    post_service(client, api_headers, JOANA, "S-1")
    post_service(client, api_headers, RUI, "S-2")
    with using(app):
        assert send_due_surveys(utcnow()) == (2, 0)  # both surveys wait in the outbox
    staff = staff_mail(app, "joana@example.com")
    joanas = survey_of(app, "joana@example.com")
    unsubscribe = client.post(path_of(joanas.unsubscribe_url), csrf=False)  # RFC 8058 one-click
    assert unsubscribe.status_code == 200

    # Cancelled at once: the admin's outbox says so while mail is off, before any dispatch
    cancelled = survey_of(app, "joana@example.com")
    assert (cancelled.status, cancelled.sent_at, cancelled.attempts) == ("cancelled", None, 0)
    login_as("admin")
    page = client.get("/admin/mail/outbox").text
    row = page.split(f'id="outbox-{joanas.id}"', 1)[1].split("</article>", 1)[0]
    assert "<mark>cancelled</mark>" in row
    assert "Not sent: the client unsubscribed after this mail was queued." in row
    assert "Retry" not in row
    assert "Cancelled (1)" in page
    listed = client.get("/admin/mail/outbox?status=cancelled").text
    assert f'id="outbox-{joanas.id}"' in listed and "rui@example.com" not in listed

    report = deliver(app, clock)

    assert smtp.to("joana@example.com") and all(
        mail.message["Subject"] == "You are invited to Huddle"
        for mail in smtp.to("joana@example.com")
    )
    assert len(smtp.to("rui@example.com")) == 1
    assert sorted(report.sent) == sorted([staff, survey_of(app, "rui@example.com").id])
    clock.advance(hours=1)
    again = deliver(app, clock)  # final: never sent, never cancelled twice
    assert (again.sent, again.cancelled) == ([], [])
    assert len(smtp.received) == 2


def test_the_dispatcher_checks_the_opt_out_again_before_sending(
    app, client, api_headers, smtp, clock
):
    """An opt-out the page did not make (written while the batch was read, or another path to
    it): the dispatcher cancels that mail itself, counts it and sends the rest."""
    post_service(client, api_headers, JOANA, "S-1")
    post_service(client, api_headers, RUI, "S-2")
    with using(app):
        assert send_due_surveys(utcnow()) == (2, 0)
        joana = db.session.scalar(sa.select(Client).where(Client.external_id == "crm-7"))
        joana.unsubscribed_at = utcnow()
        db.session.commit()
    joanas = survey_of(app, "joana@example.com")
    assert joanas.status == "pending"

    report = deliver(app, clock)

    assert smtp.to("joana@example.com") == [] and len(smtp.to("rui@example.com")) == 1
    assert report.cancelled == [joanas.id]
    assert str(report).startswith("sent 1, failed 0, dead 0, cancelled 1")
    assert survey_of(app, "joana@example.com").status == "cancelled"


def test_the_slack_outbox_has_no_cancelled_status(client, login_as):
    login_as("admin")
    assert "Cancelled (" not in client.get("/admin/slack/outbox").text


def _unsubscribed_clients_mail(app, client, api_headers, first: int, n: int) -> None:
    for i in range(first, first + n):
        who = {"external_id": f"crm-{i}", "name": f"Client {i}", "email": f"c{i}@example.com"}
        body = {"client": who, "send": True}
        assert post_json(client, "/api/v1/survey-links", body, api_headers).json["sent"] is True
    with using(app):
        db.session.execute(sa.update(Client).values(unsubscribed_at=utcnow()))
        db.session.commit()


def test_the_opt_out_is_read_once_per_batch_whatever_its_size(
    app, client, api_headers, smtp, clock
):
    """One statement cancels a batch's mail to unsubscribed clients: no query per message."""
    _unsubscribed_clients_mail(app, client, api_headers, 0, 2)
    with count_statements(app) as few:
        assert len(deliver(app, clock).cancelled) == 2
    _unsubscribed_clients_mail(app, client, api_headers, 2, 7)
    with count_statements(app) as many:
        assert len(deliver(app, clock).cancelled) == 7
    assert len(many) == len(few)
    for counter in (few, many):
        assert len([s for s in counter.statements if "clients" in s]) == 1
    assert smtp.received == []
