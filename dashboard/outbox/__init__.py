"""The admin outbox pages, one family for every channel (Slack, mail).

``outbox_blueprint`` makes a channel's page — what was sent, what waits, what died with its Retry
button, a preview of each message — from its model and its row template, so the listing, paging,
status filter and Retry behave the same everywhere; each channel adds only how a message looks.
"""

from collections.abc import Callable, Mapping

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core import outbox
from core.access import role_required
from core.announce import announces
from core.errors import refuse
from core.extensions import db
from core.inputs import int_arg


def outbox_blueprint(
    name: str,
    import_name: str,
    model,
    channel: str,
    context: Callable[[], dict],
    kinds: Mapping[str, str],
    notes: Mapping[str, str] | None = None,
) -> Blueprint:
    """A blueprint at ``/admin/<channel>`` with ``GET /outbox`` (htmx: the list only) and
    ``POST /outbox/<id>/retry``; the channel's page and row are ``outbox/<channel>.html`` and
    ``outbox/_<channel>_row.html``, ``context()`` adds what its page says about the channel
    (switched on or not), ``kinds`` names each kind of message in words (lazy strings), and
    ``notes`` explains the error codes of its own (``core.outbox.error_note``)."""
    known = {**outbox.ERROR_NOTES, **(notes or {})}
    bp = Blueprint(name, import_name, url_prefix=f"/admin/{channel}")
    page_template, row_template = f"outbox/{channel}.html", f"outbox/_{channel}_row.html"
    audit_kind = channel + "_message"  # a retry's audit event: mail_message, slack_message
    names = {
        "outbox_endpoint": f"{name}.outbox_page",
        "retry_endpoint": f"{name}.retry",
        "row_template": row_template,
        "error_note": lambda last_error: outbox.error_note(last_error, known),
        "kind_labels": kinds,
    }

    @bp.get("/outbox")
    @role_required("admin")
    def outbox_page():
        status = request.args.get("status")
        status = status if status in model.STATUSES else None
        messages = outbox.list_messages(model, status, int_arg("before"))
        more = len(messages) == outbox.PAGE_SIZE
        values = {
            **names,
            **context(),
            "messages": messages,
            "status": status,
            "counts": outbox.status_counts(model),
            "counted_up_to": outbox.COUNTED_UP_TO,
            "next_before": messages[-1].id if more else None,
        }
        template = "outbox/_list.html" if request.htmx else page_template
        return render_template(template, **values), 200, {"Vary": "HX-Request"}

    @bp.post("/outbox/<int:message_id>/retry")
    @role_required("admin")
    @announces(_l("Message queued to be sent again."))
    def retry(message_id: int):
        error = None
        try:
            message = outbox.retry(model, message_id, current_user, audit_kind)
        except outbox.OutboxError as failure:
            error = refuse(failure)
            message = db.session.get(model, message_id) or abort(404)
        if request.htmx:
            html = render_template(row_template, message=message, error=error, **names)
            return html, 409 if error else 200
        flash(error or _("The message will be sent again."), "error" if error else "success")
        return redirect(url_for(f"{name}.outbox_page"))

    return bp
