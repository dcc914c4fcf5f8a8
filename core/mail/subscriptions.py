"""A client's one-click opt-out from our e-mail, and the signed links that do it."""

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from core import audit
from core.database import utcnow
from core.extensions import db
from core.mail.models import MailMessage
from core.models import Client, ClientAlias

SALT = "huddle-unsubscribe"
# Long: an unsubscribe link in an old mail must still work (RFC 8058), yet not for ever.
MAX_AGE_SECONDS = 400 * 24 * 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def unsubscribe_token(client: Client) -> str:
    """Signed and expiring: the link acts (one click), so it cannot be made up or live for ever."""
    return _serializer().dumps(client.id)


def client_from_token(token: str) -> Client | None:
    """The client a link names: its row id, or the client kept when a merge removed that row.

    A link mailed to a duplicate must still opt its person out after the merge (RFC 8058); it
    answered "not valid" while the mail went on to the kept client. When the link was signed
    tells the two apart where an id was given twice (SQLite's ids are no AUTOINCREMENT, so a
    client added after the merge may get the removed one's): signed before the merge, the kept
    client; signed after it, the row that has the id now.
    """
    try:
        value, signed_at = _serializer().loads(
            token, max_age=MAX_AGE_SECONDS, return_timestamp=True
        )
    except BadSignature:  # SignatureExpired included
        return None
    if not isinstance(value, int):
        return None
    merged_into = db.session.scalar(
        sa.select(ClientAlias.client_id)
        .where(ClientAlias.former_client_id == value, ClientAlias.merged_at >= signed_at)
        .order_by(ClientAlias.merged_at, ClientAlias.id)
        .limit(1)
    )
    return db.session.get(Client, value if merged_into is None else merged_into)


def unsubscribe(client: Client) -> None:
    """Remember the opt-out (the first moment stays) and cancel their mail still waiting; commits.

    The dispatcher checks again before sending (``core.mail.delivery``); cancelled here too, the
    admin's outbox says so at once, where with mail off it showed the mail waiting until then.
    A message being sent at this very moment (claimed) is left to the dispatcher.
    """
    if client.unsubscribed_at is None:
        client.unsubscribed_at = utcnow()
        # Consent matters: the undo clears the moment, so the trail keeps both (once each, as
        # mail programs may post the one-click opt-out again).
        audit.record(None, "client", client.id, "unsubscribed")
    db.session.execute(
        sa.update(MailMessage)
        .where(MailMessage.client_id == client.id, MailMessage.status.in_(("pending", "failed")))
        .values(status="cancelled", claimed_at=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def resubscribe(client: Client) -> None:
    """Undo an opt-out made by mistake (one click in a mail is easily made); commits.

    The mail cancelled by the opt-out stays cancelled: a survey held back while they were away
    would arrive late and out of place; the next one goes out as usual."""
    if client.unsubscribed_at is not None:
        client.unsubscribed_at = None
        audit.record(None, "client", client.id, "resubscribed")
    db.session.commit()
