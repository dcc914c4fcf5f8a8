"""A client's one-click opt-out from our e-mail, and the signed links that do it."""

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from core.database import utcnow
from core.extensions import db
from core.models import Client

SALT = "huddle-unsubscribe"
# Long: an unsubscribe link in an old mail must still work (RFC 8058), yet not for ever.
MAX_AGE_SECONDS = 400 * 24 * 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def unsubscribe_token(client: Client) -> str:
    """Signed and expiring: the link acts (one click), so it cannot be made up or live for ever."""
    return _serializer().dumps(client.id)


def client_from_token(token: str) -> Client | None:
    try:
        value = _serializer().loads(token, max_age=MAX_AGE_SECONDS)
    except BadSignature:  # SignatureExpired included
        return None
    return db.session.get(Client, value) if isinstance(value, int) else None


def unsubscribe(client: Client) -> None:
    """Remember the opt-out (the first moment stays); commits."""
    if client.unsubscribed_at is None:
        client.unsubscribed_at = utcnow()
    db.session.commit()
