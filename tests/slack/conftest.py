"""Slack tests: the real WebClient against a local fake Slack, and an injectable clock."""

import pytest

from tests.support.fake_slack import FakeSlack
from tests.support.slack import BASE_URL, SIGNING_SECRET, FakeClock


@pytest.fixture(scope="session")
def fake_slack_server():
    server = FakeSlack().start()
    yield server
    server.stop()


@pytest.fixture
def fake_slack(fake_slack_server):
    fake_slack_server.reset()
    yield fake_slack_server
    fake_slack_server.reset()


@pytest.fixture
def app_config(fake_slack) -> dict:
    return {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.url,
        "SLACK_TIMEOUT_SECONDS": 3,  # generous: a busy test machine must not look like an outage
        "BASE_URL": BASE_URL,
    }


@pytest.fixture
def clock():
    return FakeClock()
