"""Slack text in the team's language AND timezone (issue #13): the stand-up reminder's headline
and fallback text, the ``<!date^…|fallback>`` of a token, a direct message in its reader's
timezone, and the managers' channel in the installation's voice whoever caused the message.

Posted for real (slack_sdk against the local fake Slack); the expected strings are written by
Babel itself for that locale and timezone, so no English is hard-coded."""

import json
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel import Locale
from babel.dates import format_date, format_time
from flask import g

from complaints.intake import services as intake
from core import clients
from core.database import utcnow
from dashboard.scheduler.runner import run_job
from dashboard.slack.delivery import dispatch
from tests.support.slack import FakeClock

WEDNESDAY = datetime(2026, 3, 4, tzinfo=UTC).date()


def babel_time(moment: datetime, locale: str, timezone: str) -> str:
    return format_time(moment, "short", tzinfo=ZoneInfo(timezone), locale=locale)


def babel_moment(moment: datetime, locale: str, timezone: str) -> str:
    """Babel's medium date and short time, joined by the language's own medium pattern."""
    local = moment.astimezone(ZoneInfo(timezone))
    pattern = Locale.parse(locale).datetime_formats["medium"]
    return pattern.replace("{1}", format_date(local, "medium", locale=locale)).replace(
        "{0}", babel_time(moment, locale, timezone)
    )


def posted(fake_slack) -> list[dict]:
    clock = FakeClock()
    dispatch(clock=clock, sleep=clock.sleep, budget=timedelta(minutes=5))
    return [call.body for call in fake_slack.posts()]


def blocks_text(body: dict) -> str:
    blocks = body["blocks"]
    return blocks if isinstance(blocks, str) else json.dumps(blocks, ensure_ascii=False)


@pytest.mark.parametrize(
    ("locale", "timezone"),
    [("ru", "Europe/Moscow"), ("pt_BR", "America/Sao_Paulo"), ("es", "Europe/Madrid")],
)
def test_a_reminder_speaks_the_teams_language_and_time(
    db_session, make_team, make_user, fake_slack, locale, timezone
):
    team = make_team(
        timezone=timezone, standup_time=time(9, 0), slack_channel="#team", locale=locale
    )
    make_user("agent", name="Ana", slack_user_id="U_ANA", team_id=team.id)
    starts = datetime.combine(WEDNESDAY, time(9, 0), ZoneInfo(timezone)).astimezone(UTC)
    assert run_job("standup-reminder", starts - timedelta(minutes=5))[0] == "done"
    (body,) = posted(fake_slack)
    clock, moment = babel_time(starts, locale, timezone), babel_moment(starts, locale, timezone)
    utc_clock = babel_time(starts, locale, "UTC")
    assert clock != utc_clock  # the team's timezone, not the server's, is what is proven
    assert clock in body["text"] and utc_clock not in body["text"]  # the fallback line
    assert f"|{moment}>" in blocks_text(body)  # what Slack shows where it cannot render the token
    assert "Stand-up" not in body["text"]  # and the words are the team's


def test_a_direct_message_is_in_its_readers_language_and_timezone(
    db_session, make_team, make_user, fake_slack
):
    """No timezone of her own: her team's (Madrid), in her language (Spanish)."""
    team = make_team(timezone="Europe/Madrid", locale="pt_BR")
    owner = make_user(
        "manager", name="Lucía", slack_user_id="U_LUCIA", team_id=team.id, locale="es"
    )
    client = clients.upsert_client("crm-es", "Carmen", None, None)
    now = utcnow()
    complaint = intake.open_complaint(
        client, "Batidora rota", channel="api", owner_id=owner.id, now=now - timedelta(hours=30)
    )
    db_session.commit()
    due_at = complaint.due_at
    run_job("follow-up-watch", now)
    (nudge,) = [body for body in posted(fake_slack) if body["channel"] == "U_LUCIA"]
    assert f"|{babel_moment(due_at, 'es', 'Europe/Madrid')}>" in blocks_text(nudge)


def test_the_managers_alert_is_not_in_the_clients_language(app, db_session, fake_slack):
    """A Russian client rates on the survey page: the managers' channel still reads the
    installation's language, with times in ``DIGEST_TIMEZONE``."""
    app.config["DIGEST_TIMEZONE"] = "Europe/Madrid"
    with app.test_request_context(headers={"Accept-Language": "ru"}):
        g.client_locale = "ru"  # as the survey page sets it for a client we know speaks Russian
        client = clients.upsert_client("crm-ru", "Ольга", None, None)
        rating = intake.record_rating(client, 1, comment="Плохо", channel="api")
        db_session.commit()
        received = rating.received_at
    (alert,) = posted(fake_slack)
    default = app.config["BABEL_DEFAULT_LOCALE"]
    assert "Ольга" in alert["text"] and default == "en" and "1/5" in alert["text"]
    assert f"|{babel_moment(received, default, 'Europe/Madrid')}>" in blocks_text(alert)
