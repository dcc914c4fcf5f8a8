"""Authentication rules: credential checks with rate limits, and single-use invitation links."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from core import throttle
from core.extensions import db
from core.models import User

FAILED_BY_ACCOUNT = "login-account"
FAILED_BY_ADDRESS = "login-address"
INVITE_SALT = "huddle-invite"


@dataclass
class LoginResult:
    user: User | None = None
    error: str | None = None
    limited: bool = False


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def authenticate(email: str, password: str, address: str) -> LoginResult:
    """Check credentials, refusing early when an account or an address has failed too often.

    The same message answers an unknown e-mail and a wrong password, so the form does not reveal
    who has an account.
    """
    cfg = current_app.config
    window = cfg["LOGIN_FAILURE_WINDOW_SECONDS"]
    account = normalise_email(email)
    minutes = max(1, window // 60)
    if throttle.is_limited(
        FAILED_BY_ACCOUNT, account, cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"], window
    ) or throttle.is_limited(
        FAILED_BY_ADDRESS, address, cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"], window
    ):
        return LoginResult(
            error=_("Too many failed attempts. Try again in %(minutes)d minutes.", minutes=minutes),
            limited=True,
        )

    user = find_user_by_email(account)
    if user is None or not user.check_password(password):
        throttle.record(FAILED_BY_ACCOUNT, account)
        throttle.record(FAILED_BY_ADDRESS, address)
        db.session.commit()
        return LoginResult(error=_("That e-mail and password do not match an account."))
    if not user.active:
        return LoginResult(error=_("This account is deactivated. Ask an admin to reactivate it."))
    throttle.clear(FAILED_BY_ACCOUNT, account)
    db.session.commit()
    return LoginResult(user=user)


def _invite_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=INVITE_SALT)


def invite_token(user: User) -> str:
    """A signed, expiring link token; it dies as soon as a password is set (the hash changes)."""
    return _invite_serializer().dumps({"u": user.id, "p": (user.password_hash or "")[-12:]})


def user_from_invite(token: str) -> User | None:
    try:
        data = _invite_serializer().loads(
            token, max_age=current_app.config["INVITE_MAX_AGE_SECONDS"]
        )
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict):
        return None
    user = db.session.get(User, data.get("u")) if isinstance(data.get("u"), int) else None
    if user is None or not user.active or (user.password_hash or "")[-12:] != data.get("p"):
        return None
    return user


def set_password(user: User, password: str) -> None:
    user.set_password(password)
    db.session.commit()


def update_account(user: User, name: str, timezone: str | None, locale: str | None) -> None:
    """Empty timezone or locale means "follow my team / my browser"."""
    user.name = name.strip()
    user.timezone = timezone or None
    user.locale = locale or None
    db.session.commit()
