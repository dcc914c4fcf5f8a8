"""Signed, expiring, single-use survey links for our clients (no login needed to answer).

The URL carries an itsdangerous token of a random nonce: it cannot be forged without the secret key,
it expires (``max_age``), and the row's ``used_at`` makes it single-use.
"""

import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from complaints.models import SurveyLink
from core.database import utcnow
from core.errors import RuleError
from core.extensions import db

SALT = "huddle-survey"
DEFAULT_VALID_DAYS = 14


class SurveyLinkError(RuleError):
    """The token is forged, expired or unknown, or the link was used; ``reason`` is that word.

    The public survey page answers each reason with its own page (gone, or "already answered"),
    in the language of the link's client when the link is known (``link``: an expired one).
    """

    def __init__(self, reason: str, link: SurveyLink | None = None):
        messages = {  # the words of the pages that answer them
            "expired": _("This link has expired"),
            "used": _("You have already answered"),
        }
        super().__init__(messages.get(reason, _("This link is not valid")))
        self.reason = reason
        self.link = link
        self.status = {"expired": 410, "used": 409}.get(reason, 404)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def issue_link(
    client_id: int,
    *,
    order_ref: str | None = None,
    purpose: str = "rating",
    complaint_id: int | None = None,
    valid_days: int = DEFAULT_VALID_DAYS,
    now: datetime | None = None,
) -> tuple[SurveyLink, str]:
    """Add a link to the current transaction and return it with its token (the caller commits)."""
    now = now or utcnow()
    link = SurveyLink(
        nonce=secrets.token_urlsafe(24),
        client_id=client_id,
        order_ref=order_ref,
        purpose=purpose,
        complaint_id=complaint_id,
        issued_at=now,
        expires_at=now + timedelta(days=valid_days),
    )
    db.session.add(link)
    return link, _serializer().dumps(link.nonce)


def link_from_token(token: str, now: datetime | None = None) -> SurveyLink:
    """The link a token stands for, used or not (the caller shows "already answered" for used ones)."""
    try:
        nonce = _serializer().loads(token)
    except SignatureExpired:
        raise SurveyLinkError("expired") from None
    except BadSignature:
        raise SurveyLinkError("forged") from None
    link = db.session.scalar(sa.select(SurveyLink).where(SurveyLink.nonce == nonce))
    if link is None:
        raise SurveyLinkError("unknown")
    if link.expires_at < (now or utcnow()):
        raise SurveyLinkError("expired", link)
    return link


def token_for(link: SurveyLink) -> str:
    """A fresh token for an existing link (to show its URL again); expiry stays the link's own."""
    return _serializer().dumps(link.nonce)


# Built once, the complaint bound when run: every complaint page asks (issue #16).
_LATEST_FOLLOW_UP = (
    sa.select(SurveyLink)
    .where(
        SurveyLink.complaint_id == sa.bindparam("complaint_id"), SurveyLink.purpose == "follow_up"
    )
    .order_by(SurveyLink.issued_at.desc(), SurveyLink.id.desc())
    .limit(1)
)


def latest_follow_up(complaint_id: int) -> SurveyLink | None:
    return db.session.scalar(_LATEST_FOLLOW_UP, {"complaint_id": complaint_id})
