"""One survey mail per client and order, through the real API: ``POST /survey-links`` with
``send`` and ``POST /services`` for the same order share the outbox key ``survey-order:…``, so the
client is asked once whichever arrives first, or twice."""

from datetime import timedelta

import sqlalchemy as sa

from complaints.intake import survey
from complaints.intake.mailing import send_due_surveys
from complaints.models import Service, SurveyLink
from core.database import utcnow
from core.extensions import db
from core.mail.models import MailMessage
from core.models import Client
from tests.support.api import post_json
from tests.support.db import count, using
from tests.support.smtp import deliver

CLIENT = {"external_id": "crm-42", "name": "Lena Wolf", "email": "lena@example.com"}
ORDER = "ORD-77"


def post_service(client, api_headers, completed_at, key=None):
    body = {"client": CLIENT, "order_ref": ORDER, "completed_at": completed_at.isoformat()}
    extra = {"Idempotency-Key": key} if key else {}
    answer = post_json(client, "/api/v1/services", body, api_headers, **extra)
    assert answer.status_code == 201, answer.json
    return answer.json


def send_link(client, api_headers, key=None):
    body = {"client": CLIENT, "order_ref": ORDER, "send": True}
    extra = {"Idempotency-Key": key} if key else {}
    answer = post_json(client, "/api/v1/survey-links", body, api_headers, **extra)
    assert answer.status_code == 201, answer.json
    return answer.json


def surveys(app, at):
    with using(app):
        return send_due_surveys(at)


def order_mail_keys(app) -> list[str]:
    with using(app):
        client_id = db.session.scalar(sa.select(Client.id).where(Client.external_id == "crm-42"))
        keys = list(db.session.scalars(sa.select(MailMessage.dedup_key)))
    assert keys == [f"survey-order:{client_id}:{ORDER}"] * len(keys)
    return keys


def test_survey_link_first_then_the_service_asks_once(app, client, api_headers, smtp, clock):
    assert send_link(client, api_headers)["sent"] is True
    again = send_link(client, api_headers)  # told twice, without an Idempotency-Key
    assert again["sent"] is True  # the link the client already has
    done = utcnow() - timedelta(hours=2)
    assert post_service(client, api_headers, done)["created"] is True
    assert surveys(app, utcnow()) == (0, 0)  # the service's survey is the one mailed
    deliver(app, clock)
    assert len(smtp.to("lena@example.com")) == 1
    assert len(order_mail_keys(app)) == 1
    assert count(app, SurveyLink) == 1
    # The service adopted the mailed link: its one reminder follows it.
    assert surveys(app, utcnow() + timedelta(hours=49)) == (0, 1)


def test_service_first_then_survey_link_before_it_is_due_asks_once(
    app, client, api_headers, smtp, clock
):
    done = utcnow() - timedelta(minutes=5)  # the survey is due in 55 minutes
    post_service(client, api_headers, done)
    assert send_link(client, api_headers)["sent"] is True  # mailed now
    assert surveys(app, done + timedelta(minutes=61)) == (0, 0)
    deliver(app, clock)
    assert len(smtp.to("lena@example.com")) == 1
    assert len(order_mail_keys(app)) == 1
    with using(app):
        service = db.session.scalar(sa.select(Service))
        assert service.survey_link_id == db.session.scalar(sa.select(SurveyLink.id))


def test_service_first_and_mailed_then_survey_link_asks_once(app, client, api_headers, smtp, clock):
    post_service(client, api_headers, utcnow() - timedelta(hours=2))
    post_service(client, api_headers, utcnow() - timedelta(hours=2))  # twice
    assert surveys(app, utcnow()) == (1, 0)
    deliver(app, clock)
    answer = send_link(client, api_headers)
    assert answer["sent"] is True  # already in the client's mailbox: no second mail
    deliver(app, clock)
    assert len(smtp.to("lena@example.com")) == 1
    assert len(order_mail_keys(app)) == 1 and count(app, SurveyLink) == 1
    with using(app):  # the answer's link is the mailed one
        token = answer["url"].rsplit("/s/", 1)[1]
        assert survey.link_from_token(token).id == db.session.scalar(sa.select(SurveyLink.id))
