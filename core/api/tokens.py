"""API tokens for other systems: created once, shown once, stored only as a hash.

A token has scopes (what it may do; a token without the endpoint's scope gets 403), an optional
expiry, and can be revoked (``huddle tokens revoke``, the admin page). Existing tokens got every
scope when scopes arrived, so they kept working.

When a token was last used is noted at most once a minute, in a short transaction of its own before
the request's work: a read (GET) commits nothing of its own, and a busy integration does not write
the token's row on every request (#12, #16).
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from core import audit
from core.database import UTCDateTime, mark_writing, read_rows, utcnow
from core.errors import NotFound, RuleError, refused_if_taken
from core.extensions import db

# What a token may do; the endpoint declares the one it needs (``@operation(scope=...)``).
SCOPES = (
    "ratings:write",
    "complaints:read",
    "complaints:write",
    "surveys:write",
    "wishes:write",
    "standups:read",
)
ALL_SCOPES = " ".join(SCOPES)
# What each scope lets another system do, for the admin who ticks it (the code is the API's word).
SCOPE_LABELS = {
    "ratings:write": _l("send ratings (a low one opens a complaint)"),
    "complaints:read": _l("read the complaint list"),
    "complaints:write": _l("open complaints"),
    "surveys:write": _l("have our clients surveyed by e-mail (services, survey links)"),
    "wishes:write": _l("record our clients' wishes"),
    "standups:read": _l("read a team's stand-up agenda"),
}
LAST_USED_EVERY = timedelta(minutes=1)


class ApiToken(db.Model):
    """A bearer token for another system. Only its SHA-256 is kept; the token is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Space-separated, from SCOPES; every scope by default (the tokens made before scopes existed).
    scopes: Mapped[str] = mapped_column(
        sa.String(400), default=ALL_SCOPES, server_default=ALL_SCOPES
    )
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()

    def state(self, now: datetime) -> str:
        """ "active", "revoked" or "expired", for the list and the admin page."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"


@dataclass(frozen=True)
class TokenBrief:
    """The token of the current request (``g.api_token``): read once, detached from any session."""

    id: int
    name: str
    created_at: datetime
    scopes: frozenset[str]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenError(RuleError):
    """A token cannot be made or changed as asked (see ``core.errors.RuleError``)."""


class TokenNotFound(TokenError, NotFound):
    """There is no token by that name."""


def _check_scopes(scopes) -> str:
    chosen = [s for s in SCOPES if s in set(scopes)]
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise TokenError(
            _(
                "Unknown scopes: %(unknown)s. Known: %(known)s.",
                unknown=", ".join(unknown),
                known=ALL_SCOPES,
            ),
            "scopes",
        )
    if not chosen:
        raise TokenError(_("A token needs at least one scope."), "scopes")
    return " ".join(chosen)


def create_token(
    name: str,
    scopes=SCOPES,
    expires_at: datetime | None = None,
    actor_id: int | None = None,
) -> str:
    """Make a token and return it (the only time it is seen); audited. Commits.

    Refusals are worded in the viewer's language: the admin page shows them next to its fields.
    """
    name = name.strip()
    if not name or len(name) > 80:
        raise TokenError(_("A token needs a name of 1 to 80 characters."), "name")
    taken = TokenError(_("A token named “%(name)s” exists already.", name=name), "name")
    if db.session.scalar(sa.select(ApiToken.id).where(ApiToken.name == name)) is not None:
        raise taken
    if expires_at is not None and expires_at <= utcnow():
        raise TokenError(_("The expiry must be in the future."), "expires_at")
    token = "hud_" + secrets.token_urlsafe(32)
    row = ApiToken(
        name=name, token_hash=hash_token(token), scopes=_check_scopes(scopes), expires_at=expires_at
    )
    with refused_if_taken(taken):  # two admins naming a token alike at once (PostgreSQL)
        db.session.add(row)
    audit.record(
        actor_id,
        "api_token",
        row.id,
        "created",
        name=name,
        scopes=row.scopes,
        expires_at=expires_at.isoformat() if expires_at else None,
    )
    db.session.commit()
    return token


def list_tokens() -> list[ApiToken]:
    return list(db.session.scalars(sa.select(ApiToken).order_by(ApiToken.created_at, ApiToken.id)))


def revoke_token(
    name: str | None = None, actor_id: int | None = None, *, token_id: int | None = None
) -> ApiToken:
    """Stop a token from working, at once and for good; audited. Commits.

    The CLI names it; the admin page gives its id, as a name may hold a "/" or be "..", which no
    URL path carries back intact (such a token could not be revoked there)."""
    if token_id is not None:
        row = db.session.get(ApiToken, token_id)
        if row is None:
            raise TokenNotFound(_("This token does not exist."))
    else:
        row = db.session.scalar(sa.select(ApiToken).where(ApiToken.name == (name or "").strip()))
    if row is None:
        raise TokenNotFound(_("There is no token named “%(name)s”.", name=name))
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record(actor_id, "api_token", row.id, "revoked", name=row.name)
    db.session.commit()
    return row


# Built once, as the API list's statement is: every API request runs it (issue #16).
_TOKEN_BY_HASH = sa.select(
    ApiToken.id,
    ApiToken.name,
    ApiToken.created_at,
    ApiToken.scopes,
    ApiToken.last_used_at,
    ApiToken.expires_at,
    ApiToken.revoked_at,
).where(ApiToken.token_hash == sa.bindparam("token_hash"))


def authenticate(token: str, writing: bool) -> TokenBrief | None:
    """The token's brief if it is known, not revoked and not expired; notes its use (see above).

    ``writing`` says whether the request itself will write (a POST), so that, on SQLite, its own
    transaction still takes the write lock at its start after the note's short one.
    """
    now = utcnow()
    rows = read_rows(db.session, _TOKEN_BY_HASH, {"token_hash": hash_token(token)})
    row = rows[0] if rows else None
    if row is None or row.revoked_at is not None:
        return None
    if row.expires_at is not None and row.expires_at <= now:
        return None
    if row.last_used_at is None or row.last_used_at <= now - LAST_USED_EVERY:
        _note_use(row.id, now, writing)
    return TokenBrief(row.id, row.name, row.created_at, frozenset(row.scopes.split()))


def _note_use(token_id: int, now: datetime, writing: bool) -> None:
    """A short transaction of its own before the request's, at most once a minute per token.

    The condition makes a note another worker wrote meanwhile a no-op; the request's own work (and
    its one commit) comes after, in a fresh transaction.
    """
    db.session.commit()  # ends the lookup's read transaction: a write must begin anew (SQLite)
    mark_writing()
    db.session.execute(
        sa.update(ApiToken)
        .where(
            ApiToken.id == token_id,
            sa.or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= now - LAST_USED_EVERY),
        )
        .values(last_used_at=now)
    )
    db.session.commit()
    if writing:
        mark_writing()
