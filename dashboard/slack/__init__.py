"""Slack: the outbox, message building, delivery, and the endpoints Slack calls."""

from flask import Flask


def init_app(app: Flask) -> None:
    """The admin outbox page, the signal receivers and the scheduler commands."""
    from dashboard.scheduler import cli as scheduler_cli
    from dashboard.scheduler import models as scheduler_models  # noqa: F401
    from dashboard.slack import (
        models,  # noqa: F401
        receivers,
    )
    from dashboard.slack.admin import bp as admin_bp

    app.register_blueprint(admin_bp)
    receivers.connect()
    scheduler_cli.init_app(app)
