"""Slack: the outbox, message building, delivery, and the endpoints Slack calls."""

from flask import Flask

from core import access
from dashboard.slack import admin, client, receivers, views


def init_app(app: Flask) -> None:
    """The endpoints Slack calls, the admin outbox page, and the signal receivers."""
    client.check_settings(app)
    app.register_blueprint(views.bp)
    access.authenticates_itself(views.bp)  # Slack signs its requests; the signature is checked
    app.register_blueprint(admin.bp)
    app.add_template_filter(admin.slack_mrkdwn)
    receivers.connect()
