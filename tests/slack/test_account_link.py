"""A Slack user id a person gives themselves works only once that Slack user confirms it.

Typed under *My settings*, any id nobody held took effect at once: its owner in Slack then acted as
the person (their clicks, ``/standup``) and got their direct messages. Now the id waits, Huddle
sends that Slack user a direct message with a button (the real ``slack_sdk`` against the local fake
Slack), and only a signed click by that very Slack user links it.
"""

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from core.audit import AuditEvent
from core.extensions import db
from core.models import User
from dashboard.admin.services import update_person
from dashboard.slack.account_link import CONFIRM_SLACK_LINK_ACTION
from dashboard.slack.delivery import dispatch
from dashboard.slack.models import OutboxMessage
from dashboard.slack.mrkdwn import escape
from standup.models import CheckIn
from tests.support.db import using
from tests.support.slack import (
    FakeClock,
    click_body,
    form_body,
    formatting_left,
    payload_body,
    read_back,
    signed,
)


@pytest.fixture
def asker(client, login_as, make_team):
    """A logged-in agent in a team that holds a stand-up every day, with no Slack id yet."""
    team = make_team(workdays="1234567", timezone="UTC")
    return login_as("agent", name="Ana Lima", team_id=team.id)


def ask_for(client, user: User, slack_user_id: str, **fields):
    form = {"name": user.name, "timezone": "", "locale": "", "slack_user_id": slack_user_id}
    return client.post("/auth/account", data={**form, **fields})


def ids_of(app, user_id: int) -> tuple[str | None, str | None]:
    """(the id in force, the id waiting for its confirmation)."""
    with using(app):
        user = db.session.get(User, user_id)
        return user.slack_user_id, user.pending_slack_user_id


def link_requests(app) -> list[OutboxMessage]:
    with using(app):
        return list(
            db.session.scalars(
                sa.select(OutboxMessage)
                .where(OutboxMessage.kind == "slack-link-request")
                .order_by(OutboxMessage.id)
            )
        )


def sent_requests(app, fake_slack) -> list[dict]:
    """Send the outbox for real and return what reached Slack's ``chat.postMessage``."""
    with using(app):
        clock = FakeClock()
        dispatch(clock=clock, sleep=clock.sleep, budget=timedelta(minutes=5))
    return [call.body for call in fake_slack.posts()]


def button_value(message: dict) -> str:
    blocks = message["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    (button,) = [
        element
        for block in blocks
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == CONFIRM_SLACK_LINK_ACTION
    ]
    return button["value"]


def click(client, clicker: str, value: str):
    body = click_body(
        clicker, CONFIRM_SLACK_LINK_ACTION, value, channel="D_DIRECT", ts="1700000000.000002"
    )
    return client.post("/slack/interactivity", data=body, headers=signed(body), csrf=False)


def standup_from(client, slack_user_id: str):
    body = form_body({"command": "/standup", "text": "today: call Maria", "user_id": slack_user_id})
    return client.post("/slack/commands", data=body, headers=signed(body), csrf=False)


def audit_of(app, user_id: int) -> list[tuple[str, dict]]:
    with using(app):
        return [
            (event.action, event.details)
            for event in db.session.scalars(
                sa.select(AuditEvent)
                .where(AuditEvent.entity_type == "user", AuditEvent.entity_id == user_id)
                .order_by(AuditEvent.id)
            )
        ]


def test_the_id_waits_until_that_slack_user_clicks_yes_in_the_message_sent_to_them(
    app, client, asker, fake_slack
):
    assert ask_for(client, asker, " u0ana1 ").status_code == 302
    assert ids_of(app, asker.id) == (None, "U0ANA1")
    page = client.get("/auth/account").text
    assert 'value="U0ANA1"' in page and 'id="slack-link-waiting"' in page

    (message,) = sent_requests(app, fake_slack)
    assert message["channel"] == "U0ANA1"  # a direct message to the Slack user asked
    assert "Ana Lima" in message["text"]
    assert click(client, "U0ANA1", button_value(message)).status_code == 200

    assert ids_of(app, asker.id) == ("U0ANA1", None)
    (update,) = fake_slack.of("chat.update")
    assert (update.body["channel"], update.body["ts"]) == ("D_DIRECT", "1700000000.000002")
    assert CONFIRM_SLACK_LINK_ACTION not in json.dumps(update.body["blocks"])
    assert "linked to Ana Lima" in update.body["text"]
    assert [action for action, _details in audit_of(app, asker.id)] == [
        "slack_user_id_requested",
        "slack_user_id_changed",
    ]
    assert audit_of(app, asker.id)[-1][1] == {
        "slack_user_id": {"from": None, "to": "U0ANA1"},
        "confirmed_in": "slack",
    }
    assert 'id="slack-link-waiting"' not in client.get("/auth/account").text


def test_until_it_is_confirmed_the_slack_user_does_not_act_as_the_person(
    app, client, asker, fake_slack
):
    ask_for(client, asker, "U0ANA1")
    refused = standup_from(client, "U0ANA1")
    assert "Confirm first that this Slack account is yours" in refused.json["text"]
    with using(app):
        assert db.session.scalar(sa.select(sa.func.count(CheckIn.id))) == 0

    (message,) = sent_requests(app, fake_slack)
    click(client, "U0ANA1", button_value(message))
    assert "checked in" in standup_from(client, "U0ANA1").json["text"]
    with using(app):
        assert db.session.scalar(sa.select(CheckIn.user_id)) == asker.id


def test_only_the_slack_user_asked_can_confirm(app, client, asker, fake_slack):
    ask_for(client, asker, "U0ANA1")
    (message,) = sent_requests(app, fake_slack)
    assert click(client, "U0MALLORY", button_value(message)).status_code == 200
    assert ids_of(app, asker.id) == (None, "U0ANA1")
    (ephemeral,) = fake_slack.of("chat.postEphemeral")
    assert ephemeral.body["user"] == "U0MALLORY"
    assert "Only the Slack account this was sent to" in ephemeral.body["text"]
    assert fake_slack.of("chat.update") == []


def test_a_request_changed_in_huddle_meanwhile_can_no_longer_be_confirmed(
    app, client, asker, fake_slack
):
    ask_for(client, asker, "U0ANA1")
    ask_for(client, asker, "U0ANA2")  # a typo corrected: the first request stops waiting
    first, second = sent_requests(app, fake_slack)
    assert (first["channel"], second["channel"]) == ("U0ANA1", "U0ANA2")
    click(client, "U0ANA1", button_value(first))
    assert ids_of(app, asker.id) == (None, "U0ANA2")
    (ephemeral,) = fake_slack.of("chat.postEphemeral")
    assert "no longer waiting" in ephemeral.body["text"]
    click(client, "U0ANA2", button_value(second))
    assert ids_of(app, asker.id) == ("U0ANA2", None)


def test_an_id_someone_else_got_meanwhile_is_not_taken_from_them(
    app, client, asker, make_user, fake_slack
):
    ask_for(client, asker, "U0ANA1")
    (message,) = sent_requests(app, fake_slack)
    other = make_user("agent")
    with using(app):
        db.session.get(User, other.id).slack_user_id = "U0ANA1"  # an admin gave it to them
        db.session.commit()
    click(client, "U0ANA1", button_value(message))
    assert ids_of(app, asker.id) == (None, "U0ANA1")
    assert ids_of(app, other.id) == ("U0ANA1", None)
    (ephemeral,) = fake_slack.of("chat.postEphemeral")
    assert "already has this Slack user id" in ephemeral.body["text"]


def test_saving_again_asks_nobody_twice_and_clearing_or_going_back_is_at_once(
    app, client, asker, fake_slack
):
    ask_for(client, asker, "U0ANA1")
    ask_for(client, asker, "U0ANA1", name="Ana M. Lima")  # the page shows the waiting id
    assert len(link_requests(app)) == 1
    (message,) = sent_requests(app, fake_slack)
    click(client, "U0ANA1", button_value(message))

    ask_for(client, asker, "U0OTHER")
    assert ids_of(app, asker.id) == ("U0ANA1", "U0OTHER")  # the confirmed id stays until then
    ask_for(client, asker, "U0ANA1")  # back to the id in force: no request waits
    assert ids_of(app, asker.id) == ("U0ANA1", None)
    ask_for(client, asker, "")
    assert ids_of(app, asker.id) == (None, None)
    assert len(link_requests(app)) == 2
    assert audit_of(app, asker.id)[-1] == (
        "slack_user_id_changed",
        {"slack_user_id": {"from": "U0ANA1", "to": None}},
    )


@pytest.mark.parametrize(
    "value", ["", ":", "x:U0ANA1", "99999999999999999999:U0ANA1", "0:U0ANA1", "{user}:"]
)
def test_a_click_naming_no_waiting_request_changes_nothing(app, client, asker, fake_slack, value):
    ask_for(client, asker, "U0ANA1")
    value = value.replace("{user}", str(asker.id))
    assert click(client, "U0ANA1", value).status_code == 200
    assert ids_of(app, asker.id) == (None, "U0ANA1")
    assert fake_slack.of("chat.update") == []


def test_an_unsigned_click_changes_nothing(app, client, asker, fake_slack):
    ask_for(client, asker, "U0ANA1")
    (message,) = sent_requests(app, fake_slack)
    payload = {
        "type": "block_actions",
        "user": {"id": "U0ANA1"},
        "actions": [{"action_id": CONFIRM_SLACK_LINK_ACTION, "value": button_value(message)}],
    }
    answer = client.post(
        "/slack/interactivity",
        data=payload_body(payload),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        csrf=False,
    )
    assert answer.status_code == 401
    assert ids_of(app, asker.id) == (None, "U0ANA1")


def test_the_message_is_in_the_askers_language_and_quotes_their_name_as_text(
    app, client, login_as, fake_slack
):
    user = login_as("agent", name="<!channel> Ana", locale="pt_BR")
    ask_for(client, user, "U0ANA1", locale="pt_BR")
    (message,) = sent_requests(app, fake_slack)
    blocks = json.dumps(message["blocks"], ensure_ascii=False)
    assert "Sim, sou eu" in blocks
    assert "<!channel>" not in message["text"] + blocks
    assert "&lt;!channel&gt; Ana" in blocks
    click(client, "U0ANA1", button_value(message))
    (update,) = fake_slack.of("chat.update")
    assert "vinculada" in update.body["text"] and "<!channel>" not in update.body["text"]


def test_a_name_with_markers_is_quoted_as_typed_in_the_request_and_its_answer(
    app, client, login_as, fake_slack
):
    """``*Ana* _Lima_`` came bold and italic into the request and the confirmation."""
    user = login_as("agent", name="*Ana* _Lima_")
    ask_for(client, user, "U0ANA1")
    (message,) = sent_requests(app, fake_slack)
    asked = message["blocks"][0]["text"]["text"]
    name = escape("*Ana* _Lima_")
    assert asked.startswith(f"*{name}* asked Huddle") and f"here as *{name}*." in asked
    # the notification: look-alikes, no token (a phone or a screen reader might show the token)
    assert message["text"] == "Is this you, ∗Ana∗ ˍLimaˍ? Confirm your Slack account for Huddle."
    click(client, "U0ANA1", button_value(message))
    (update,) = fake_slack.of("chat.update")
    done = update.body["blocks"][0]["text"]["text"]
    assert formatting_left(done) == [] and formatting_left(update.body["text"]) == []
    assert read_back(done) == "✅ This Slack account is linked to *Ana* _Lima_ in Huddle."


def test_an_admin_setting_the_id_ends_the_waiting_request(
    app, client, asker, login_as, make_user, fake_slack
):
    ask_for(client, asker, "U0ANA1")
    (message,) = sent_requests(app, fake_slack)
    with using(app):
        admin = db.session.get(User, make_user("admin").id)
        person = db.session.get(User, asker.id)
        update_person(
            admin,
            person,
            role=person.role,
            team_id=person.team_id,
            active=True,
            compensation_limit=None,
            slack_user_id="U0ANA9",
            timezone=None,
            locale=None,
        )
    assert ids_of(app, asker.id) == ("U0ANA9", None)
    click(client, "U0ANA1", button_value(message))
    assert ids_of(app, asker.id) == ("U0ANA9", None)
