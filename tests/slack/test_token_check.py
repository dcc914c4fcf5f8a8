"""``huddle scheduler`` asks Slack once, as it starts, whether it takes the bot token: a revoked
one was seen only later, as a warning at each outbox run. The real slack_sdk client against the
fake Slack; the scheduler keeps running whatever Slack says (mail and the other jobs go on)."""

import logging
import time

import pytest

from core.extensions import db
from dashboard.scheduler.cli import start_dev_scheduler
from dashboard.slack.client import check_token
from dashboard.slack.delivery import dispatch
from dashboard.slack.outbox import enqueue
from tests.support.postgres import free_port
from tests.support.queries import plan_of, statements_of
from tests.support.scheduler import running_scheduler

REFUSED = ("invalid_auth", "token_revoked", "account_inactive", "not_authed")


def said(caplog) -> list[tuple[str, str]]:
    return [
        (record.levelname, record.getMessage())
        for record in caplog.records
        if record.name == "dashboard.slack.client"
    ]


@pytest.mark.parametrize("code", REFUSED)
def test_a_refused_token_is_said_in_one_line_with_what_to_do(app, fake_slack, caplog, code):
    fake_slack.method_modes["auth.test"] = "error"
    fake_slack.method_errors["auth.test"] = code
    with app.app_context():
        check_token()
    (call,) = fake_slack.of("auth.test")
    assert call.headers["Authorization"] == "Bearer xoxb-test"
    ((level, line),) = said(caplog)
    assert level == "ERROR"
    assert line.startswith(f"Slack refused the bot token ({code}): nothing is posted to Slack")
    assert "OAuth & Permissions" in line and "set HUDDLE_SLACK_BOT_TOKEN" in line


def test_a_token_slack_takes_is_said_with_its_workspace(app, fake_slack, caplog):
    caplog.set_level(logging.INFO, logger="dashboard.slack.client")
    with app.app_context():
        check_token()
    assert said(caplog) == [
        ("INFO", "Slack takes the bot token (workspace Huddle Test, bot user huddle).")
    ]


def test_slack_out_of_reach_is_not_called_a_bad_token(app, fake_slack, caplog):
    app.config["SLACK_API_URL"] = f"http://127.0.0.1:{free_port()}/api/"  # nobody listens
    with app.app_context():
        check_token()
    ((level, line),) = said(caplog)
    assert level == "WARNING"
    assert line.startswith("Slack could not be reached at http://127.0.0.1:")
    assert "to check the bot token" in line and "refused the bot token" not in line


def test_another_answer_says_the_token_was_not_checked(app, fake_slack, caplog):
    fake_slack.method_modes["auth.test"] = "500"
    with app.app_context():
        check_token()
    ((level, line),) = said(caplog)
    assert level == "WARNING" and line.startswith(
        "Slack answered the bot token check with 500 internal_error; the token was not checked."
    )


def test_without_a_token_slack_is_not_asked(app, fake_slack, caplog):
    app.config["SLACK_BOT_TOKEN"] = None
    with app.app_context():
        check_token()
    assert fake_slack.of("auth.test") == [] and said(caplog) == []


def test_the_scheduler_says_slack_refused_the_token_and_runs_on(tmp_path, fake_slack):
    fake_slack.mode, fake_slack.error = "error", "token_revoked"  # every method, as Slack does
    settings = {"HUDDLE_SLACK_BOT_TOKEN": "xoxb-revoked", "HUDDLE_SLACK_API_URL": fake_slack.url}
    with running_scheduler(tmp_path, **settings) as lines:
        refused = [line for line in lines if "Slack refused the bot token (token_revoked)" in line]
        assert len(refused) == 1, "\n".join(lines)
        assert " ERROR dashboard.slack.client: " in refused[0]  # timestamped, like each run
        started = next(n for n, line in enumerate(lines) if line.startswith("Scheduler running"))
        assert lines.index(refused[0]) < started  # said first, then it runs its jobs anyway
    assert len(fake_slack.of("auth.test")) == 1


def post_refused(app, fake_slack, clock, code: str):
    """One message queued, and a dispatch run that Slack answers with ``code``: its report."""
    with app.app_context():
        enqueue("#support", "test", f"refused-{code}", "hello", None)
        db.session.commit()
        fake_slack.mode, fake_slack.error = "error", code
        return dispatch(clock=clock, sleep=clock.sleep)


def test_the_outbox_page_says_slack_refused_the_token_until_it_takes_one(
    app, client, login_as, fake_slack, clock
):
    """The admin read "200 token_revoked" on each row and had to know what it meant."""
    assert str(post_refused(app, fake_slack, clock, "token_revoked")).startswith("sent 0, failed 1")
    login_as("admin")
    url = "/admin/slack/outbox"
    page = client.get(url).text.replace("&#39;", "'")
    assert "Slack refused the bot token (token_revoked), so nothing is sent" in page
    assert "set HUDDLE_SLACK_BOT_TOKEN to it and restart Huddle" in page
    assert "Slack refused the bot token: a new one must be set" in page  # the row's note
    ran = statements_of(app, client, url)
    ((asked, bound),) = [(statement, bound) for statement, bound in ran if "LIKE" in statement]
    plan = plan_of(app, asked, bound, ordered=True)
    assert "outbox_messages_status_id" in plan, plan  # the failed ones, newest first
    fake_slack.reset()  # a new token: Slack takes it
    clock.advance(minutes=5)
    with app.app_context():
        assert str(dispatch(clock=clock, sleep=clock.sleep)).startswith("sent 1")
    assert "Slack refused the bot token" not in client.get(url).text


def test_the_outbox_page_says_nothing_of_the_token_for_other_failures(
    app, client, login_as, fake_slack, clock
):
    assert str(post_refused(app, fake_slack, clock, "channel_not_found")).endswith("dead 1")
    login_as("admin")
    page = client.get("/admin/slack/outbox").text
    assert "channel_not_found" in page and "refused the bot token" not in page


def test_huddle_runs_development_scheduler_checks_the_token_without_holding_the_start(
    app, fake_slack, caplog
):
    """``huddle run`` said nothing of a refused token; someone trying the Slack side saw only
    outbox warnings later. The check runs in the scheduler's pool: start() does not wait."""
    fake_slack.method_modes["auth.test"] = "error"
    fake_slack.method_errors["auth.test"] = "invalid_auth"
    scheduler = start_dev_scheduler(app)
    try:
        for _ in range(200):
            if said(caplog):
                break
            time.sleep(0.05)
    finally:
        scheduler.shutdown(wait=True)
    ((level, line),) = said(caplog)
    assert level == "ERROR" and line.startswith("Slack refused the bot token (invalid_auth)")
