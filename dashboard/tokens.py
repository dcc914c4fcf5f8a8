"""API tokens for other systems: created once, shown once, stored only as a hash."""

import secrets

import sqlalchemy as sa

from dashboard.api import hash_token
from dashboard.extensions import db
from dashboard.models import ApiToken


class TokenError(ValueError):
    pass


def create_token(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 80:
        raise TokenError("A token needs a name of 1 to 80 characters.")
    if db.session.scalar(sa.select(ApiToken.id).where(ApiToken.name == name)) is not None:
        raise TokenError(f"A token named {name!r} exists already.")
    token = "hud_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(name=name, token_hash=hash_token(token)))
    db.session.commit()
    return token
