"""Absolute links to Huddle from outside a request (CLI commands, scheduled jobs, Slack messages)."""

from flask import current_app, has_request_context, url_for


def external_url(endpoint: str, **values) -> str:
    """``url_for(..., _external=True)`` that also works in a job, using HUDDLE_BASE_URL there."""
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
        return url_for(endpoint, _external=True, **values)
