"""The admin outbox page: what Huddle posted, what waits, what died (with Retry), and a preview
of each message roughly as Slack shows it, so a team can try Huddle before connecting Slack."""

import re

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from core.access import role_required
from core.announce import announces
from core.errors import refuse
from core.extensions import db
from core.inputs import int_arg
from dashboard.slack import outbox
from dashboard.slack.client import slack_enabled
from dashboard.slack.models import OUTBOX_STATUSES, OutboxMessage

bp = Blueprint("slack_admin", __name__, url_prefix="/admin/slack")
PAGE_SIZE = 50


def list_messages(status: str | None, before_id: int | None) -> list[OutboxMessage]:
    statement = sa.select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(PAGE_SIZE)
    if status:
        statement = statement.where(OutboxMessage.status == status)
    if before_id:
        statement = statement.where(OutboxMessage.id < before_id)
    return list(db.session.scalars(statement))


def status_counts() -> dict[str, int]:
    rows = db.session.execute(
        sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)
    )
    counts = dict.fromkeys(OUTBOX_STATUSES, 0)
    counts.update({status: count for status, count in rows})
    return counts


@bp.get("/outbox")
@role_required("admin")
def outbox_page():
    status = request.args.get("status")
    status = status if status in OUTBOX_STATUSES else None
    before = int_arg("before")
    messages = list_messages(status, before)
    more = len(messages) == PAGE_SIZE
    context = {
        "messages": messages,
        "status": status,
        "counts": status_counts(),
        "slack_on": slack_enabled(),
        "next_before": messages[-1].id if more else None,
    }
    template = "slack/_outbox_list.html" if request.htmx else "slack/outbox.html"
    response = render_template(template, **context)
    return response, 200, {"Vary": "HX-Request"}


@bp.post("/outbox/<int:message_id>/retry")
@role_required("admin")
@announces(_l("Message queued to be sent again."))
def retry(message_id: int):
    error = None
    try:
        message = outbox.retry(message_id)
    except outbox.OutboxError as failure:
        error = refuse(failure)
        message = db.session.get(OutboxMessage, message_id) or abort(404)
    if request.htmx:
        return render_template("slack/_outbox_row.html", message=message, error=error), (
            409 if error else 200
        )
    flash(error or _("The message will be sent again."), "error" if error else "success")
    return redirect(url_for("slack_admin.outbox_page"))


# --- a rough rendering of Slack's mrkdwn for the preview -----------------------------------------

_LINK = re.compile(r"&lt;(https?://[^|&]+?)\|(.+?)&gt;")
_DATE = re.compile(r"&lt;!date\^\d+\^[^|]*\|(.+?)&gt;")
_MENTION = re.compile(r"&lt;@([A-Z0-9]+)&gt;")
_BOLD = re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?!\s)([^_\n]+?)_(?![\w_])")


def slack_mrkdwn(text: str) -> Markup:
    """Slack's mrkdwn as safe HTML: links, bold, italic, quotes, mentions, dates, line breaks.

    Escaped first (so a message can inject nothing), then the few constructs are re-inserted.
    Slack's own escapes (&amp; &lt; &gt;) of literal text are resolved only last, so a client
    name that looks like a link (``<https://evil.example|Open in Huddle>``) stays text, as in Slack.
    """
    html = str(escape(text or ""))
    # Only the message's own controls are now ``&lt;…&gt;``; text Slack-escaped as ``&lt;`` reads
    # ``&amp;lt;`` here and so can never match a link, a mention or a date below.
    html = _DATE.sub(r"\1", html)
    html = _MENTION.sub(r'<span class="slack-mention">@\1</span>', html)
    html = _LINK.sub(r'<a href="\1" rel="noopener">\2</a>', html)
    html = _BOLD.sub(r"<strong>\1</strong>", html)
    html = _ITALIC.sub(r"<em>\1</em>", html)
    lines = [
        f"<blockquote>{line[5:]}</blockquote>" if line.startswith("&gt; ") else line
        for line in html.split("\n")
    ]
    html = "<br>".join(lines)
    # Slack's own escapes of the message's literal text, shown as the characters (still escaped).
    html = (
        html.replace("&amp;amp;", "&amp;").replace("&amp;lt;", "&lt;").replace("&amp;gt;", "&gt;")
    )
    return Markup(html)  # noqa: S704  (built from escaped text; only fixed tags re-inserted)
