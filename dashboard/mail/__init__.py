"""The admin mail outbox page (the messages themselves are core's: ``core.mail``)."""

from flask import Flask

from core.mail.models import MailMessage
from core.mail.outbox import mail_enabled
from dashboard.outbox import outbox_blueprint


def _switch() -> dict:
    return {"mail_on": mail_enabled()}


bp = outbox_blueprint("mail_admin", __name__, MailMessage, "mail", _switch)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
