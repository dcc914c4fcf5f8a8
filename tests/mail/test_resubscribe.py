"""Subscribing again after an opt-out made by mistake: one click in a mail is easily made, and
until now it could not be undone by the client (staff could not either)."""

import re

import sqlalchemy as sa

from core.audit import AuditEvent
from core.extensions import db
from core.models import Client
from tests.support.api import post_json
from tests.support.db import using
from tests.support.smtp import deliver, path_of

CLIENT = {"external_id": "crm-8", "name": "Ирина Петрова", "email": "irina@example.com"}


def form_actions(page: str) -> list[str]:
    return re.findall(r'<form[^>]*action="([^"]+)"', page)


def _unsubscribed_at(app):
    with using(app):
        return db.session.scalar(sa.select(Client.unsubscribed_at))


def _trail(app) -> list[tuple[int | None, str]]:
    with using(app):
        query = sa.select(AuditEvent.actor_id, AuditEvent.action).where(
            AuditEvent.entity_type == "client"
        )
        return [tuple(row) for row in db.session.execute(query.order_by(AuditEvent.id))]


def _send_survey(client, api_headers) -> bool:
    body = {"client": {**CLIENT, "locale": "ru"}, "send": True}
    return post_json(client, "/api/v1/survey-links", body, api_headers).json["sent"]


def test_a_client_who_unsubscribed_by_mistake_subscribes_again(
    app, client, api_headers, smtp, clock
):
    assert _send_survey(client, api_headers) is True
    deliver(app, clock)
    (mail,) = smtp.received
    unsubscribe = path_of(mail.message["List-Unsubscribe"].strip().strip("<>"))
    client.post(unsubscribe, csrf=False)
    done = client.post(unsubscribe, csrf=False)
    assert done.status_code == 200 and "Вы отписались" in done.text
    undo = f"{unsubscribe}/undo"
    assert undo in form_actions(done.text)  # offered at once, in the client's language
    assert "Отписались по ошибке?" in done.text
    assert _unsubscribed_at(app) is not None
    assert client.get(unsubscribe).text.count(undo) == 1  # and on opening the link again later

    again = client.post(undo, csrf=False)
    assert again.status_code == 200 and "Вы снова подписаны" in again.text
    assert _unsubscribed_at(app) is None
    # The undo clears the moment; the trail keeps both, once each (a mail program may post again).
    client.post(undo, csrf=False)
    assert _trail(app) == [(None, "unsubscribed"), (None, "resubscribed")]
    smtp.reset()
    assert _send_survey(client, api_headers) is True
    deliver(app, clock)
    assert [m.message["To"] for m in smtp.received] == [CLIENT["email"]]


def test_a_forged_or_opened_undo_changes_nothing(app, client, api_headers, smtp, clock):
    _send_survey(client, api_headers)
    deliver(app, clock)
    unsubscribe = path_of(smtp.received[0].message["List-Unsubscribe"].strip().strip("<>"))
    client.post(unsubscribe, csrf=False)
    assert client.post("/unsubscribe/forged-token/undo", csrf=False).status_code == 404
    assert client.get(f"{unsubscribe}/undo").status_code == 405  # a mail scanner's GET
    assert _unsubscribed_at(app) is not None
