"""An inline ``/standup`` keeps everything typed, files it where the person said, and answers with
what each field holds (``dashboard.slack.standup_command``). It split at every ``|`` and kept one
piece per field, answering "checked in" over text it had dropped or filed as today's.

Posted as Slack posts them (signed), read back from the database."""

import pytest
import sqlalchemy as sa
from flask_babel import gettext

from core.extensions import db
from core.i18n import speaking
from core.models import User
from dashboard.slack.mrkdwn import escape
from standup.models import CheckIn
from tests.support.db import using
from tests.support.slack import form_body, formatting_left, read_back, signed


def standup(client, text: str):
    body = form_body({"command": "/standup", "text": text, "user_id": "U_ANA"})
    return client.post("/slack/commands", data=body, headers=signed(body), csrf=False)


def recorded(app) -> tuple | None:
    """(yesterday, today, blockers, mood) of Ana's check-in, None when she has none."""
    with using(app):
        row = db.session.execute(
            sa.select(CheckIn.yesterday, CheckIn.today, CheckIn.blockers, CheckIn.mood)
            .join(User, User.id == CheckIn.user_id)
            .where(User.slack_user_id == "U_ANA")
        ).first()
        return None if row is None else tuple(row)


@pytest.fixture
def ana(make_team, make_user):
    """Ana, in a team that holds a stand-up every day, reading ``locale`` (English unless asked)."""

    def make(locale: str | None = None) -> User:
        team = make_team(workdays="1234567", timezone="UTC")
        return make_user("agent", slack_user_id="U_ANA", team_id=team.id, locale=locale)

    return make


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        # a piece without a field's word goes on in the field before it...
        ("today: refunds | follow up with Ana", ("", "refunds | follow up with Ana", "", None)),
        # ...or, first, is today's plan
        ("did calls | doing refunds", ("", "did calls | doing refunds", "", None)),
        ("see https://x.test/?a=1|2 today", ("", "see https://x.test/?a=1|2 today", "", None)),
        # a field named twice keeps both parts
        ("today: a | today: b", ("", "a | b", "", None)),
        ("blockers: legal | today: calls | Blockers: IT", ("", "calls", "legal | IT", None)),
        # the words in any case, a "|" at an end separating nothing
        ("YESTERDAY: calls | Today: refunds | mood: 4 |", ("calls", "refunds", "", 4)),
    ],
)
def test_nothing_typed_is_dropped_or_misfiled(app, client, ana, text, kept):
    ana()
    assert standup(client, text).status_code == 200
    assert recorded(app) == kept


def test_text_that_ends_in_mood_is_refused_not_dropped(app, client, ana):
    """A remark after the mood goes on in the mood: refused, so Ana sees and retypes it."""
    ana()
    response = standup(client, "today: calls | mood: 4 | great day")
    assert response.json["text"] == "Mood is a number from 1 to 5."
    assert recorded(app) is None


def test_the_words_of_the_persons_language_start_fields(app, client, ana):
    """Russian words start Ana's fields, and the English ones still do."""
    ana("ru")
    with app.test_request_context(), speaking("ru"):
        words = [
            gettext(word).split(",")[0] for word in ("yesterday", "today", "blockers, blocker")
        ]
    assert words[0] != "yesterday", "no Russian words for /standup's fields yet"
    standup(client, f"{words[0].upper()}: звонки | {words[1]}: возвраты | mood: 4")
    assert recorded(app) == ("звонки", "возвраты", "", 4)
    standup(client, f"{words[2]}: юристы | yesterday: звонки | today: возвраты")
    assert recorded(app) == ("звонки", "возвраты", "юристы", None)


def test_the_answer_says_what_each_field_holds(app, client, ana):
    ana()
    response = standup(client, "yesterday: calls | today: refunds | with Ana | mood: 🙂")
    assert response.json["text"].splitlines() == [
        "✅ You are checked in for today's stand-up.",
        "Yesterday: calls",
        "Today: refunds | with Ana",
        "Mood: 4/5",
    ]


def test_the_answer_is_in_the_persons_language(app, client, ana):
    ana("pt_BR")
    response = standup(client, "yesterday: calls | today: refunds")
    with app.test_request_context(), speaking("pt_BR"):
        expected = [
            gettext("✅ You are checked in for today's stand-up."),
            gettext("%(field)s: %(text)s", field=gettext("Yesterday"), text="calls"),
            gettext("%(field)s: %(text)s", field=gettext("Today"), text="refunds"),
        ]
    assert expected[1].startswith("Ontem")  # the catalogue's, not English
    assert response.json["text"].splitlines() == expected


def test_the_help_states_the_rule(app, client, ana):
    ana()
    text = standup(client, "help").json["text"]
    assert "`/standup yesterday: … | today: … | blockers: … | mood: 🙂`" in text
    assert "today's plan" in text and "goes on in the same field" in text


def test_the_answer_shows_the_check_in_as_typed_and_the_help_keeps_its_code(app, client, ana):
    """The answer quoted the check-in as mrkdwn: ``*refunds*`` came back bold, ``> `` a quote."""
    ana()
    typed = "today: *refunds* for _Rui_ | blockers: > `vpn` down"
    lines = standup(client, typed).json["text"].splitlines()
    assert lines[1:] == [
        "Today: " + escape("*refunds* for _Rui_"),
        "Blockers: " + escape("> `vpn` down"),
    ]
    assert read_back(lines[1].split(": ", 1)[1]) == "*refunds* for _Rui_"
    assert read_back(lines[2].split(": ", 1)[1]) == "> `vpn` down"
    assert all(formatting_left(line) == [] for line in lines)
    assert "`/standup` opens the check-in form" in standup(client, "help").json["text"]
