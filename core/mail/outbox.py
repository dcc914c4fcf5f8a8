"""Composing e-mail in its recipient's language and putting it into the outbox (no commit).

Callers pass a template name (``templates/mail/<name>.txt`` and ``.html``), a subject made with
``lazy_gettext`` and the template's context; everything is rendered in the recipient's language
and timezone (``core.i18n.speaking``), so a Russian-speaking owner in Moscow gets Russian mail
with Moscow times from a job that runs in no request at all, and never the times of whoever
clicked the button that caused the mail. Client mail goes through ``to_client``: no address or an
opted-out client means no message, and every client message carries its one-click unsubscribe link.
"""

from email.utils import make_msgid
from urllib.parse import urlsplit

from flask import current_app, render_template

from core import outbox
from core.database import utcnow
from core.i18n import speaking, timezone_of
from core.mail.models import MailMessage
from core.mail.subscriptions import unsubscribe_token
from core.models import Client, User
from core.urls import external_url


def mail_enabled() -> bool:
    """Without an SMTP URL and a sender, mail is off: messages wait in the outbox, previewable."""
    return bool(current_app.config.get("MAIL_URL") and current_app.config.get("MAIL_FROM"))


def language_of(locale: str | None) -> str:
    languages = current_app.config["LANGUAGES"]
    return locale if locale in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def one_line(text: str) -> str:
    """``text`` with every run of white space, line breaks included, as one space.

    A subject is a header, and a header may not break a line (that is how a "Bcc:" is injected):
    Python refuses one holding any of the characters ``str.splitlines`` breaks at — U+2028 or a
    vertical tab from a name typed by a client as surely as CR LF. So a name goes in on one line.
    """
    return " ".join(text.split())


def _message_id() -> str:
    domain = urlsplit(current_app.config["BASE_URL"]).hostname or "huddle.invalid"
    return make_msgid(domain=domain)


def enqueue(
    recipient: str,
    kind: str,
    dedup_key: str,
    template: str,
    subject,
    *,
    locale: str | None = None,
    timezone: str | None = None,
    client_id: int | None = None,
    unsubscribe_url: str | None = None,
    **context,
) -> MailMessage | None:
    """Render ``template`` in ``locale`` and ``timezone`` (None: the app's default, whoever is
    viewing now) and add the message to the caller's transaction.

    A known ``dedup_key`` is a no-op, as in every outbox; so is an empty recipient.
    """
    if not recipient:
        return None
    if outbox.exists(MailMessage, dedup_key):
        return None
    language = language_of(locale)
    with speaking(language, timezone or current_app.config["BABEL_DEFAULT_TIMEZONE"]):
        context = {**context, "unsubscribe_url": unsubscribe_url, "language": language}
        subject = one_line(str(subject))
        message = MailMessage(
            recipient=recipient,
            kind=kind,
            dedup_key=dedup_key,
            language=language,
            subject=subject[:300],
            text_body=render_template(f"mail/{template}.txt", **context),
            html_body=render_template(f"mail/{template}.html", subject=subject, **context),
            message_id=_message_id(),
            unsubscribe_url=unsubscribe_url,
            client_id=client_id,
            next_attempt_at=utcnow(),
        )
    return outbox.add_once(message)


def to_user(
    user: User,
    kind: str,
    dedup_key: str,
    template: str,
    subject,
    *,
    fallback_locale=None,
    **context,
):
    """Staff mail, in the person's language and timezone, else their team's, else
    ``fallback_locale``, else the app's."""
    if not user.active:
        return None
    team = user.team
    return enqueue(
        user.email,
        kind,
        dedup_key,
        template,
        subject,
        locale=user.locale or (team.locale if team is not None else None) or fallback_locale,
        timezone=timezone_of(user),
        **context,
    )


def reachable(client: Client) -> bool:
    """We may write to this client: we know an address and they did not opt out."""
    return bool(client.email) and client.unsubscribed_at is None


def to_client(client: Client, kind: str, dedup_key: str, template: str, subject, **context):
    """Client mail: nothing for a client without an address or who opted out."""
    if not reachable(client):
        return None
    return enqueue(
        client.email,
        kind,
        dedup_key,
        template,
        subject,
        locale=client.locale,
        client_id=client.id,
        unsubscribe_url=external_url("mail.unsubscribe", token=unsubscribe_token(client)),
        **context,
    )
