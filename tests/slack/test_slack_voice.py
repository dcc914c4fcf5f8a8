"""Huddle answers a Slack request in the language of whoever sent it: their own, else their team's,
else the installation's (a Slack user Huddle does not know). A Slack request has no logged-in
user, so every ``/standup`` answer, the check-in modal and every refusal of a click were in English
for everyone, whatever their settings said.

The requests carry ``Accept-Language: es``: Slack's servers send them, not the person's browser,
so what the header says must never decide. Expected texts come from the catalogue of the
language, and each test first checks that the catalogue has it, so English cannot pass for it.
"""

import json

import pytest
from flask_babel import gettext

from core.i18n import speaking
from dashboard.slack.account_link import CONFIRM_SLACK_LINK_ACTION
from dashboard.slack.check_in_modal import CHECK_IN_CALLBACK
from dashboard.slack.messages import TAKE_OWNERSHIP_ACTION
from dashboard.slack.standup_command import usage
from tests.support.slack import click_body, form_body, signed

NOT_THE_PERSONS = {"Accept-Language": "es"}


def said_in(app, locale: str | None, text: str, **variables) -> str:
    """``text`` as the catalogue of ``locale`` writes it (None: the installation's language)."""
    with app.test_request_context(), speaking(locale):
        return gettext(text, **variables)


def translated(app, locale: str, text: str, **variables) -> str:
    said = said_in(app, locale, text, **variables)
    assert said != said_in(app, "en", text, **variables), f"no {locale} for {text!r}"
    return said


def post(client, path: str, fields: dict):
    body = form_body(fields)
    return client.post(path, data=body, headers={**signed(body), **NOT_THE_PERSONS}, csrf=False)


def standup(client, text: str, user_id: str = "U_OLGA"):
    fields = {"command": "/standup", "text": text, "user_id": user_id, "trigger_id": "trigger-1"}
    return post(client, "/slack/commands", fields)


def first_line(response) -> str:
    return response.json["text"].splitlines()[0]


@pytest.fixture
def russian(make_team, make_user):
    """Olga reads Russian, in a Russian team that holds a stand-up every day."""
    team = make_team(workdays="1234567", timezone="UTC", locale="ru")
    return make_user("agent", name="Olga", slack_user_id="U_OLGA", team_id=team.id, locale="ru")


@pytest.mark.parametrize(
    ("text", "answer", "variables"),
    [
        ("today: calls", "✅ You are checked in for today's stand-up.", {}),
        ("mood: great | today: calls", "Mood is a number from 1 to 5.", {}),
        ("today: " + "x" * 5000, "Keep it under %(n)s characters.", {"n": "2\xa0000"}),
    ],
)
def test_standup_answers_in_the_askers_language(app, client, russian, text, answer, variables):
    assert first_line(standup(client, text)) == translated(app, "ru", answer, **variables)


def test_without_a_language_of_their_own_a_person_reads_their_teams(
    app, client, make_team, make_user
):
    team = make_team(workdays="1234567", timezone="UTC", locale="pt_BR")
    make_user("agent", slack_user_id="U_ANA", team_id=team.id, locale=None)
    answer = "✅ You are checked in for today's stand-up."
    assert first_line(standup(client, "today: calls", "U_ANA")) == translated(app, "pt_BR", answer)


def test_a_slack_user_huddle_does_not_know_reads_the_installations_language(client, fake_slack):
    response = standup(client, "today: calls", "U_NOBODY")
    assert response.json["text"].startswith("Huddle does not know your Slack account yet.")


def test_help_is_in_the_askers_language(app, client, russian):
    with app.test_request_context():
        with speaking("ru"):
            russian_help = usage()
        with speaking("en"):
            assert russian_help != usage(), "no Russian for the /standup help yet"
    assert standup(client, "help").json["text"] == russian_help.replace(">", "&gt;")
    # the word in their language asks for it too: "помощь" checked them in with it as the plan
    assert standup(client, "Помощь").json["text"] == russian_help.replace(">", "&gt;")


def test_the_check_in_modal_is_in_the_askers_language(app, client, russian, fake_slack):
    assert standup(client, "").status_code == 200
    (call,) = fake_slack.of("views.open")
    view = call.body["view"]
    view = view if isinstance(view, dict) else json.loads(view)
    labels = [block["label"]["text"] for block in view["blocks"]]
    words = ("Yesterday", "Today", "Blockers", "Mood")
    assert labels == [translated(app, "ru", word) for word in words]
    assert view["submit"]["text"] == translated(app, "ru", "Check in")
    assert view["close"]["text"] == translated(app, "ru", "Cancel")
    (mood,) = (block for block in view["blocks"] if block["block_id"] == "mood")
    options = [(o["value"], o["text"]["text"]) for o in mood["element"]["options"]]
    faces = (("🙂", "Doing well"), ("😐", "So-so"), ("😟", "Not great"))  # faces are stored
    assert options == [(face, f"{face} {translated(app, 'ru', word)}") for face, word in faces]


def test_a_refusal_in_the_modal_is_in_the_askers_language(app, client, russian):
    values = {"today": {"value": {"type": "plain_text_input", "value": " "}}}
    submission = {
        "type": "view_submission",
        "user": {"id": "U_OLGA"},
        "view": {"callback_id": CHECK_IN_CALLBACK, "state": {"values": values}},
    }
    response = post(client, "/slack/interactivity", {"payload": json.dumps(submission)})
    assert response.json["errors"] == {
        "today": translated(app, "ru", "Tell the team what you will do today.")
    }


def click(client, user_id: str, action_id: str, value: str):
    body = click_body(user_id, action_id, value)
    return client.post(
        "/slack/interactivity", data=body, headers={**signed(body), **NOT_THE_PERSONS}, csrf=False
    )


def test_a_refused_claim_is_told_in_the_clickers_language(
    app, client, russian, make_complaint, fake_slack
):
    complaint = make_complaint()
    click(client, "U_OLGA", TAKE_OWNERSHIP_ACTION, f"{complaint.id}:1")
    (ephemeral,) = fake_slack.of("chat.postEphemeral")
    assert ephemeral.body["text"] == translated(
        app, "ru", "Only managers own complaints. Ask a manager to take this one."
    )


def test_a_refused_link_confirmation_is_in_the_language_of_the_request(
    app, client, make_user, fake_slack
):
    """The "Yes, that's me" message was written in the asking person's language: its refusal too."""
    asking = make_user("agent", locale="ru", pending_slack_user_id="U_OLGA")
    click(client, "U_SOMEONE", CONFIRM_SLACK_LINK_ACTION, f"{asking.id}:U_OLGA")
    (ephemeral,) = fake_slack.of("chat.postEphemeral")
    assert ephemeral.body["text"] == translated(
        app, "ru", "Only the Slack account this was sent to can confirm it."
    )
