"""The admin outbox page: what Huddle posted, what waits, what died (with Retry), and a preview
of each message roughly as Slack shows it, so a team can try Huddle before connecting Slack."""

import re

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from core.extensions import db
from dashboard.outbox import outbox_blueprint
from dashboard.slack.client import TOKEN_REFUSED, slack_enabled
from dashboard.slack.models import OutboxMessage


def _switch() -> dict:
    on = slack_enabled()
    return {"slack_on": on, "token_refused": refused_token() if on else None}


def refused_token() -> str | None:
    """Slack's code, when a message waiting to be tried again was last refused for the token.

    While Slack refuses the token each dispatch run stops at its first message, which waits
    failed; the first message Slack takes again wakes them all (``wake_backed_off``) and sends
    them. So a failed one still refused means Slack refused the token at the last try. One walk
    of the failed messages' index, newest first. (Once every such message is dead, after
    ``SLACK_MAX_ATTEMPTS``, each dead row still says why; ``huddle scheduler`` says it at start.)
    """
    ends = OutboxMessage.last_error.endswith
    refused = sa.or_(*(ends(f" {code}", autoescape=True) for code in sorted(TOKEN_REFUSED)))
    last_error = db.session.scalar(
        sa.select(OutboxMessage.last_error)
        .where(OutboxMessage.status == "failed", refused)
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )
    return None if last_error is None else last_error.rsplit(" ", 1)[-1]


# Each kind of message the jobs and receivers queue (``enqueue_message``, ``tell_managers``), in words
KIND_LABELS = {
    "standup-reminder": _l("Stand-up reminder"),
    "standup-summary": _l("Stand-up summary"),
    "complaints-digest": _l("Complaints digest"),
    "low-rating-alert": _l("Low rating alert"),
    "low-rating-escalation": _l("Low rating nobody took"),
    "client-wrote": _l("A client wrote to us"),
    "follow-up-watch": _l("Follow-ups past their deadline"),
    "follow-up-nudge": _l("Follow-up reminder to its owner"),
    "wish-review-agenda": _l("Wish review agenda"),
    "wish-review-results": _l("Wish review results"),
    "slack-link-request": _l("A person's Slack account to confirm"),
}

# What each of Slack's token refusals means on a message's row.
TOKEN_NOTES = {
    code: _l(
        "Slack refused the bot token: a new one must be set (HUDDLE_SLACK_BOT_TOKEN, from the "
        "Slack app's settings) and Huddle restarted."
    )
    for code in TOKEN_REFUSED
}

bp = outbox_blueprint(
    "slack_admin", __name__, OutboxMessage, "slack", _switch, KIND_LABELS, TOKEN_NOTES
)


# --- a rough rendering of Slack's mrkdwn for the preview -----------------------------------------

_LINK = re.compile(r"&lt;(https?://[^|&]+?)\|(.+?)&gt;")
_DATE = re.compile(r"&lt;!date\^\d+\^[^|]*\|(.+?)&gt;")
_MENTION = re.compile(r"&lt;@([A-Z0-9]+)&gt;")
_BOLD = re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?!\s)([^_\n]+?)_(?![\w_])")
# A date token's fallback is plain text in Slack: its markers (``dashboard.slack.mrkdwn`` writes
# people's ``*`` and ``_`` as such fallbacks) are shown as characters no bold or italic matches.
_AS_TEXT = str.maketrans({"*": "&#42;", "_": "&#95;", "~": "&#126;", "`": "&#96;"})


def slack_mrkdwn(text: str) -> Markup:
    """Slack's mrkdwn as safe HTML: links, bold, italic, quotes, mentions, dates, line breaks.

    Escaped first (so a message can inject nothing), then the few constructs are re-inserted.
    Slack's own escapes (&amp; &lt; &gt;) of literal text are resolved only last, so a client
    name that looks like a link (``<https://evil.example|Open in Huddle>``) stays text, as in Slack.
    """
    html = str(escape(text or ""))
    # Only the message's own controls are now ``&lt;…&gt;``; text Slack-escaped as ``&lt;`` reads
    # ``&amp;lt;`` here and so can never match a link, a mention or a date below.
    html = _DATE.sub(lambda date: date.group(1).translate(_AS_TEXT), html)
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
