"""The admin mail outbox page (the messages themselves are core's: ``core.mail``)."""

from flask import Flask

from core.mail.models import MailMessage
from core.mail.outbox import mail_enabled
from dashboard.outbox import outbox_blueprint

bp = outbox_blueprint(
    "mail_admin",
    __name__,
    "/admin/mail",
    MailMessage,
    page_template="mail_admin/outbox.html",
    row_template="mail_admin/_outbox_row.html",
    context=lambda: {"mail_on": mail_enabled()},
)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
