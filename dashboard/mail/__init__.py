"""The admin mail outbox page (the messages themselves are core's: ``core.mail``)."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from core.mail.models import MailMessage
from core.mail.outbox import mail_enabled
from dashboard.outbox import outbox_blueprint


def _switch() -> dict:
    return {"mail_on": mail_enabled()}


# Each kind of mail Huddle queues (``core.mail.outbox.to_user``, ``to_client``), in words
KIND_LABELS = {
    "survey": _l("Rating survey"),
    "survey-reminder": _l("Survey reminder"),
    "follow-up-survey": _l("Follow-up survey"),
    "follow-up-overdue": _l("Follow-up past its deadline"),
    "web-message": _l("Message written to us"),
    "invitation": _l("Invitation"),
    "password-reset": _l("Password reset"),
}

bp = outbox_blueprint("mail_admin", __name__, MailMessage, "mail", _switch, KIND_LABELS)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
