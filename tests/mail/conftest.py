"""Mail tests: a real local SMTP server (aiosmtpd) and the Slack tests' hand-moved clock."""

import pytest

from tests.support.slack import BASE_URL, FakeClock
from tests.support.smtp import LocalSmtp

SENDER = "Huddle <huddle@huddle.example>"


@pytest.fixture(scope="session")
def smtp_server():
    server = LocalSmtp().start()
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_server):
    smtp_server.reset()
    if smtp_server.controller is None:
        smtp_server.start()
    yield smtp_server
    smtp_server.reset()
    if smtp_server.controller is None:
        smtp_server.start()


@pytest.fixture
def app_config(smtp) -> dict:
    return {
        "MAIL_URL": smtp.url,
        "MAIL_FROM": SENDER,
        "MAIL_TIMEOUT_SECONDS": 3,
        "BASE_URL": BASE_URL,
    }


@pytest.fixture
def clock():
    return FakeClock()
