"""The admin mail outbox page (the messages themselves are core's: ``core.mail``)."""

import sqlalchemy as sa
from flask import Flask, abort
from flask_babel import lazy_gettext as _l

from core.access import role_required
from core.extensions import db
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

# A mail's preview is a page of its own, under its own policy: its inline styles apply, as in a
# mail program, while nothing in it runs or loads from elsewhere (``sandbox``: an opaque origin
# even when opened directly), and only Huddle's pages may frame it. Framed by ``srcdoc`` it took
# the outbox page's policy (``style-src 'self'``): every inline style was refused, the preview
# looked nothing like the mail, and each logged a console error (hundreds a page).
PREVIEW_POLICY = "; ".join(
    (
        "default-src 'none'",
        "style-src 'unsafe-inline'",
        "img-src data:",
        "frame-ancestors 'self'",
        "sandbox",
    )
)


@bp.get("/outbox/<int:message_id>/preview")
@role_required("admin")
def preview(message_id: int):
    """The HTML part of one mail, as its recipient's mail program shows it."""
    html = db.session.scalar(sa.select(MailMessage.html_body).where(MailMessage.id == message_id))
    if html is None:
        abort(404)
    headers = {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": PREVIEW_POLICY,
        "X-Frame-Options": "SAMEORIGIN",
    }
    return html, 200, headers


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
