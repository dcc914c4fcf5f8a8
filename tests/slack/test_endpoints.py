"""Slack → Huddle: signed slash commands and button clicks work; unsigned or stale ones get 401."""

import json
import time

import pytest
import sqlalchemy as sa

from complaints.intake import services as intake
from complaints.models import Complaint
from core import clients
from core.extensions import db
from core.models import User
from dashboard.slack.check_in_modal import CHECK_IN_CALLBACK
from dashboard.slack.messages import TAKE_OWNERSHIP_ACTION
from standup.models import CheckIn
from tests.support.db import using
from tests.support.slack import form_body, payload_body, signed


@pytest.fixture
def team(make_team):
    """A team that holds a stand-up every day, so a check-in from Slack always has one to join."""
    return make_team(workdays="1234567", timezone="UTC")


@pytest.fixture
def check_ins(app, team):
    """Read back what reached the stand-up: (e-mail, yesterday, today, blockers, mood) per check-in."""

    def rows() -> list[tuple]:
        with using(app):
            found = db.session.execute(
                sa.select(
                    User.email, CheckIn.yesterday, CheckIn.today, CheckIn.blockers, CheckIn.mood
                )
                .join(User, User.id == CheckIn.user_id)
                .order_by(CheckIn.id)
            )
            return [tuple(row) for row in found]

    return rows


def command(text: str, user_id: str = "U_AGENT") -> dict:
    return {
        "command": "/standup",
        "text": text,
        "user_id": user_id,
        "trigger_id": "trigger-1",
        "response_url": "https://hooks.slack.test/x",
    }


def post_signed(client, path: str, body: str, **signing):
    return client.post(path, data=body, headers=signed(body, **signing), csrf=False)


# --- signatures ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=bad"},
        {"X-Slack-Request-Timestamp": "not-a-number", "X-Slack-Signature": "v0=bad"},
    ],
)
@pytest.mark.parametrize("path", ["/slack/commands", "/slack/interactivity"])
def test_unsigned_or_badly_signed_requests_get_401(client, make_user, check_ins, headers, path):
    make_user("agent", slack_user_id="U_AGENT")
    body = form_body(command("today: sneaky"))
    response = client.post(
        path,
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", **headers},
        csrf=False,
    )
    assert response.status_code == 401
    assert check_ins() == []


def test_a_replayed_request_older_than_five_minutes_gets_401(client, make_user, check_ins):
    make_user("agent", slack_user_id="U_AGENT")
    body = form_body(command("today: replay"))
    response = post_signed(client, "/slack/commands", body, timestamp=int(time.time()) - 6 * 60)
    assert response.status_code == 401 and check_ins() == []


def test_a_request_signed_with_another_secret_gets_401(client, make_user, check_ins):
    make_user("agent", slack_user_id="U_AGENT")
    body = form_body(command("today: forged"))
    response = post_signed(client, "/slack/commands", body, secret="someone-else")
    assert response.status_code == 401 and check_ins() == []


def test_without_a_signing_secret_everything_is_refused(app, client, check_ins):
    app.config["SLACK_SIGNING_SECRET"] = None
    body = form_body(command("today: x"))
    assert post_signed(client, "/slack/commands", body).status_code == 401


# --- /standup ------------------------------------------------------------------------------------


def test_standup_inline_checks_in(client, make_user, team, check_ins):
    make_user("agent", email="ana@example.com", slack_user_id="U_AGENT", team_id=team.id)
    body = form_body(command("yesterday: calls | today: the importer | blockers: none | mood: 🙂"))
    response = post_signed(client, "/slack/commands", body)
    assert response.status_code == 200 and response.json["response_type"] == "ephemeral"
    assert "checked in" in response.json["text"]
    assert check_ins() == [("ana@example.com", "calls", "the importer", "none", 4)]


def test_standup_text_without_keys_is_todays_plan(client, make_user, team, check_ins):
    make_user("agent", email="ana@example.com", slack_user_id="U_AGENT", team_id=team.id)
    post_signed(client, "/slack/commands", form_body(command("finish the refunds")))
    assert check_ins() == [("ana@example.com", "", "finish the refunds", "", None)]


def test_standup_refusal_is_told_to_the_user(client, make_user, check_ins):
    make_user("agent", slack_user_id="U_AGENT")  # in no team: there is no stand-up to join
    response = post_signed(client, "/slack/commands", form_body(command("today: calls")))
    assert response.status_code == 200
    assert response.json["text"] == (
        "You are not in a team yet, so there is no stand-up to check in to."
    )
    assert check_ins() == []


def test_standup_from_an_unknown_slack_user_is_refused_politely(client, fake_slack, check_ins):
    response = post_signed(client, "/slack/commands", form_body(command("today: x", "U_NOBODY")))
    assert (
        response.status_code == 200 and "does not know your Slack account" in response.json["text"]
    )
    assert check_ins() == []


def test_standup_without_text_opens_the_modal(client, make_user, fake_slack, check_ins):
    make_user("agent", slack_user_id="U_AGENT")
    response = post_signed(client, "/slack/commands", form_body(command("")))
    assert response.status_code == 200
    (call,) = fake_slack.of("views.open")
    assert call.body["trigger_id"] == "trigger-1"
    view = (
        call.body["view"] if isinstance(call.body["view"], dict) else json.loads(call.body["view"])
    )
    assert view["callback_id"] == CHECK_IN_CALLBACK


def test_modal_submission_checks_in_and_reports_field_errors(client, make_user, team, check_ins):
    make_user("agent", email="ana@example.com", slack_user_id="U_AGENT", team_id=team.id)

    def submission(today: str) -> dict:
        return {
            "type": "view_submission",
            "user": {"id": "U_AGENT"},
            "view": {
                "callback_id": CHECK_IN_CALLBACK,
                "state": {
                    "values": {
                        "yesterday": {"value": {"type": "plain_text_input", "value": "calls"}},
                        "today": {"value": {"type": "plain_text_input", "value": today}},
                        "blockers": {"value": {"type": "plain_text_input", "value": None}},
                        "mood": {
                            "value": {"type": "static_select", "selected_option": {"value": "😐"}}
                        },
                    }
                },
            },
        }

    ok = post_signed(client, "/slack/interactivity", payload_body(submission("refunds")))
    assert ok.status_code == 200
    assert check_ins() == [("ana@example.com", "calls", "refunds", "", 3)]
    empty = post_signed(client, "/slack/interactivity", payload_body(submission("  ")))
    assert empty.json["response_action"] == "errors" and "today" in empty.json["errors"]
    assert len(check_ins()) == 1


def test_a_garbled_payload_is_a_400_not_a_500(client):
    body = form_body({"payload": "{not json"})
    assert post_signed(client, "/slack/interactivity", body).status_code == 400


def _view(state) -> dict:
    return {"type": "view_submission", "user": {"id": "U_AGENT"}, "view": state}


MISSHAPEN = [
    "[" * 5000,  # deeper than Python's parser goes
    "[1, 2]",
    {"type": "block_actions", "user": 5, "actions": []},
    {"type": "block_actions", "user": {"id": ["U_AGENT"]}, "actions": []},
    {"type": "block_actions", "user": {"id": "U_AGENT"}, "actions": "take_ownership"},
    {"type": "block_actions", "user": {"id": "U_AGENT"}, "actions": [["take_ownership"]]},
    {"type": "block_actions", "user": {"id": "U_AGENT"}, "actions": [{"value": {"a": 1}}]},
    {"type": "block_actions", "user": {"id": "U_AGENT"}, "actions": [], "channel": "C"},
    _view("standup_check_in"),
    _view({"callback_id": CHECK_IN_CALLBACK, "state": [1]}),
    _view({"callback_id": CHECK_IN_CALLBACK, "state": {"values": {"today": "x"}}}),
    _view({"callback_id": CHECK_IN_CALLBACK, "state": {"values": {"today": {"value": 5}}}}),
    _view(
        {
            "callback_id": CHECK_IN_CALLBACK,
            "state": {"values": {"today": {"value": {"type": "x", "value": ["refunds"]}}}},
        }
    ),
]


@pytest.mark.parametrize("payload", MISSHAPEN)
def test_a_payload_of_another_shape_is_a_400_and_changes_nothing(
    client, make_user, team, check_ins, payload
):
    """Fields of another type than Slack documents, or nesting deeper than Python's parser goes,
    each answered 500 when read from the raw dict (``dashboard.slack.payloads``)."""
    make_user("agent", email="ana@example.com", slack_user_id="U_AGENT")
    raw = payload if isinstance(payload, str) else json.dumps(payload)
    response = post_signed(client, "/slack/interactivity", form_body({"payload": raw}))
    assert response.status_code == 400
    assert check_ins() == []


# --- "I'll call them" ----------------------------------------------------------------------------


@pytest.fixture
def low_rating(app):
    """A real low rating (through the complaints intake), which opens a complaint."""
    with using(app):
        client = clients.upsert_client("crm-77", "Maria Silva", "maria@example.org", "+55 11 99999")
        rating = intake.record_rating(client, 1, comment="Nobody called back", channel="api")
        db.session.commit()
        return rating.id, rating.complaint_id


def click(complaint_id: int, rating_id: int, slack_user: str) -> dict:
    return {
        "type": "block_actions",
        "user": {"id": slack_user},
        "channel": {"id": "C_MANAGERS"},
        "message": {"ts": "1700000000.000001"},
        "actions": [{"action_id": TAKE_OWNERSHIP_ACTION, "value": f"{complaint_id}:{rating_id}"}],
    }


def owner_of(app, complaint_id):
    with app.app_context():
        return db.session.scalar(sa.select(Complaint.owner_id).where(Complaint.id == complaint_id))


def test_the_button_makes_the_clicking_manager_the_owner_and_updates_the_message(
    app, client, make_user, low_rating, fake_slack
):
    rating_id, complaint_id = low_rating
    manager = make_user("manager", name="Olga", slack_user_id="U_OLGA")
    response = post_signed(
        client, "/slack/interactivity", payload_body(click(complaint_id, rating_id, "U_OLGA"))
    )
    assert response.status_code == 200
    assert owner_of(app, complaint_id) == manager.id
    (update,) = fake_slack.of("chat.update")
    assert update.body["channel"] == "C_MANAGERS" and update.body["ts"] == "1700000000.000001"
    blocks = json.dumps(update.body["blocks"])
    assert "Olga will call them" in blocks and TAKE_OWNERSHIP_ACTION not in blocks


def test_the_button_maps_a_slack_user_by_e_mail_once(
    app, client, make_user, low_rating, fake_slack
):
    rating_id, complaint_id = low_rating
    manager = make_user("manager", email="olga@example.com")
    fake_slack.users["U_NEW"] = {"id": "U_NEW", "profile": {"email": "Olga@Example.com"}}
    post_signed(
        client, "/slack/interactivity", payload_body(click(complaint_id, rating_id, "U_NEW"))
    )
    assert owner_of(app, complaint_id) == manager.id
    with app.app_context():
        assert db.session.get(User, manager.id).slack_user_id == "U_NEW"
    assert len(fake_slack.of("users.info")) == 1


def test_an_agent_cannot_take_it_and_is_told_so(app, client, make_user, low_rating, fake_slack):
    rating_id, complaint_id = low_rating
    make_user("agent", slack_user_id="U_AGENT")
    response = post_signed(
        client, "/slack/interactivity", payload_body(click(complaint_id, rating_id, "U_AGENT"))
    )
    assert response.status_code == 200 and owner_of(app, complaint_id) is None
    (ephemeral,) = fake_slack.of("chat.postEphemeral")
    assert "Only managers" in ephemeral.body["text"] and ephemeral.body["user"] == "U_AGENT"
    assert fake_slack.of("chat.update") == []


@pytest.mark.parametrize("value", ["²:1", "99999999999999999999:1", ":", "x:y"])
def test_a_click_naming_no_complaint_changes_nothing(
    app, client, make_user, low_rating, fake_slack, value
):
    make_user("manager", slack_user_id="U_MANAGER")
    rating_id, complaint_id = low_rating
    payload = click(complaint_id, rating_id, "U_MANAGER")
    payload["actions"][0]["value"] = value
    response = post_signed(client, "/slack/interactivity", payload_body(payload))
    assert response.status_code == 200
    assert owner_of(app, complaint_id) is None
    assert fake_slack.of("chat.update") == []


def test_an_unsigned_click_changes_nothing(app, client, make_user, low_rating, fake_slack):
    rating_id, complaint_id = low_rating
    make_user("manager", slack_user_id="U_OLGA")
    body = payload_body(click(complaint_id, rating_id, "U_OLGA"))
    response = client.post(
        "/slack/interactivity",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        csrf=False,
    )
    assert response.status_code == 401 and owner_of(app, complaint_id) is None
    assert fake_slack.calls == []
