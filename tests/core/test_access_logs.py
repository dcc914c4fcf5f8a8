"""#12: link tokens, API tokens and Slack secrets never reach the access log."""

import logging

import pytest
from flask import url_for

from core.logs import redact


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ('"GET /s/eyJ.abc-123 HTTP/1.1" 200', "eyJ.abc-123"),
        ('"POST /auth/invite/InV1te.t0ken HTTP/1.1" 302', "InV1te.t0ken"),
        ('"GET /auth/reset/r3set.tok?next=/ HTTP/1.1" 200', "r3set.tok"),
        ('"GET /api/v1/complaints?token=hud_abcDEF123 HTTP/1.1" 401', "hud_abcDEF123"),
        ("Authorization: Bearer hud_zzz-999", "hud_zzz-999"),
        ("posted with xoxb-1234-5678-abcdef", "xoxb-1234-5678-abcdef"),
    ],
)
def test_secrets_are_replaced(line, secret):
    assert secret not in redact(line) and "[redacted]" in redact(line)


def test_every_signed_link_route_has_its_token_redacted(app):
    """A route whose path carries a signed token is a secret in the log: the unsubscribe link
    (one click opts a client out, its undo back in; it lives 400 days) was printed whole."""
    with app.test_request_context():
        paths = [
            url_for(rule.endpoint, token="SeCrEt.t0ken")
            for rule in app.url_map.iter_rules()
            if "token" in rule.arguments
        ]
    assert len(paths) >= 5
    for path in paths:
        line = f'10.0.0.1 - - "POST {path} HTTP/1.1" 200 - "https://huddle.example{path}"'
        assert "SeCrEt.t0ken" not in redact(line), path


def test_ordinary_lines_stay_as_they_are():
    line = '127.0.0.1 - - "GET /complaints/12?status=open HTTP/1.1" 200 -'
    assert redact(line) == line


@pytest.mark.parametrize("logger_name", ["werkzeug", "gunicorn.access"])
def test_the_apps_access_loggers_redact_what_they_print(app, caplog, logger_name):
    """The filter is installed by the app factory on the loggers the servers write to."""
    caplog.set_level(logging.INFO, logger=logger_name)
    logging.getLogger(logger_name).info(
        '%s - - "%s" %s', "10.0.0.1", "GET /s/SeCrEt.t0ken HTTP/1.1", "200"
    )
    assert "SeCrEt.t0ken" not in caplog.text and "/s/[redacted]" in caplog.text
