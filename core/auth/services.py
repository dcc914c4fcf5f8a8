"""Authentication rules: credential checks that slow down guessers, and single-use invitation links."""

import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

import sqlalchemy as sa
from flask import current_app, has_request_context
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.security import check_password_hash, generate_password_hash

from core import audit, throttle
from core.auth.passwords import password_problem
from core.database import held_by_another, mark_writing, utcnow
from core.errors import RuleError, refused_if_taken
from core.extensions import db
from core.mail import outbox as mail
from core.models import User
from core.signals import slack_link_requested
from core.urls import external_url

ATTEMPTS_BY_ACCOUNT_AND_ADDRESS = "login-account-address"
ATTEMPTS_BY_ADDRESS = "login-address"
# Past the limit, the next try waits this long, doubling with each further one, up to the window.
FIRST_DELAY_SECONDS = 30
RESET_MAIL_WINDOW_SECONDS = 15 * 60
# "Forgot my password" posts one sender may make in an hour; past it, nobody is mailed.
RESET_REQUEST_BUCKET = "password-reset-request"
RESET_REQUESTS_PER_SENDER = 10
RESET_REQUEST_WINDOW_SECONDS = 3600


@dataclass
class LoginResult:
    user: User | None = None
    error: str | None = None
    limited: bool = False


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


@cache
@cache
def _decoy_hash() -> str:
    """A hash to check when nobody has the e-mail, so an unknown account costs the same time.

    Made once per process: hashing a fresh one on every attempt would make an unknown e-mail cost
    a hash *and* a check, twice a known one's, and so tell again which accounts exist.
    """
    return generate_password_hash(secrets.token_hex(16))


def _limits() -> list[tuple[str, int]]:
    cfg = current_app.config
    return [
        (ATTEMPTS_BY_ACCOUNT_AND_ADDRESS, cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS"]),
        (ATTEMPTS_BY_ADDRESS, cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"]),
    ]


def _refused_until(until: datetime) -> LoginResult:
    minutes = max(1, math.ceil((until - utcnow()).total_seconds() / 60))
    return LoginResult(
        error=ngettext(
            "Too many failed attempts. Try again in %(num)d minute.",
            "Too many failed attempts. Try again in %(num)d minutes.",
            minutes,
        ),
        limited=True,
    )


def _record_guessing(account: str, address: str, attempts: int) -> None:
    """Guesses at an account from one address passed its limit: an event on the account, with
    the address and the count (never what was typed); nothing for an e-mail nobody has.

    Not each failure: only a known account would pay that write, which would time apart who has
    one (the answer takes the same time either way), and anyone could fill the trail; a limit
    passed is rare, and costs the guesser the wait.
    """
    user = find_user_by_email(account)
    if user is not None:
        audit.record(None, "user", user.id, "login_slowed_down", address=address, attempts=attempts)


def authenticate(email: str, password: str, address: str) -> LoginResult:
    """Check credentials, slowing down whoever keeps failing — but only them (OWASP's advice).

    Attempts are counted per account *from one address* and per address (an IPv6 one by its /64:
    ``throttle.sender``), never per account alone: a stranger who types wrong passwords for the
    head of support's e-mail delays themselves, not her. Past a limit the next attempt waits, and
    the wait doubles with each further one up to the window (no hard lock). Each attempt is
    counted atomically *before* the password is checked, so simultaneous guesses cannot slip past
    the limit. The answer is the same, and takes the same time, for an unknown e-mail, a wrong
    password and a deactivated account.
    """
    now = utcnow()
    window = current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"]
    account = normalise_email(email)
    sender = throttle.sender(address)
    keys = {ATTEMPTS_BY_ACCOUNT_AND_ADDRESS: f"{account} {sender}", ATTEMPTS_BY_ADDRESS: sender}
    # Counting comes first: a write as the transaction's first statement waits for SQLite's lock
    # (busy timeout) instead of failing on a snapshot read before it.
    counts = {bucket: throttle.count_attempt(bucket, keys[bucket], window) for bucket in keys}
    waits = [
        until for bucket, key in keys.items() if (until := throttle.blocked_until(bucket, key))
    ]
    if waits and max(waits) > now:
        db.session.commit()
        return _refused_until(max(waits))
    for bucket, limit in _limits():
        if counts[bucket] > limit:
            delay = min(window, FIRST_DELAY_SECONDS * 2 ** (counts[bucket] - limit - 1))
            throttle.block(bucket, keys[bucket], now + timedelta(seconds=delay))
            if bucket == ATTEMPTS_BY_ACCOUNT_AND_ADDRESS:
                _record_guessing(account, address, counts[bucket])
            db.session.commit()
            return _refused_until(now + timedelta(seconds=delay))
    # The attempt is counted: commit it, so the slow hash check below holds no write lock (on
    # SQLite every other writer would wait for it), then write again in a transaction of its own.
    db.session.commit()
    user = find_user_by_email(account)
    matches = check_password_hash(
        user.password_hash if user and user.password_hash else _decoy_hash(), password
    )
    refused = user is None or not user.password_hash or not matches or not user.active
    db.session.commit()
    if refused:
        return LoginResult(error=_("That e-mail and password do not match an account."))
    mark_writing()
    audit.record(user.id, "user", user.id, "logged_in", address=address)
    throttle.reset(ATTEMPTS_BY_ACCOUNT_AND_ADDRESS, keys[ATTEMPTS_BY_ACCOUNT_AND_ADDRESS])
    throttle.forget_attempt(ATTEMPTS_BY_ADDRESS, keys[ATTEMPTS_BY_ADDRESS])
    db.session.commit()
    return LoginResult(user=user)


class PasswordError(RuleError):
    """A password change the rules refuse (see ``core.errors.RuleError``)."""


# Invitation and reset links are the same kind of token with their own salt and lifetime: signed,
# expiring, and single-use because they carry the end of the password hash, which setting a
# password changes.
LINK_KINDS = {
    "invite": ("huddle-invite", "INVITE_MAX_AGE_SECONDS"),
    "reset": ("huddle-reset", "PASSWORD_RESET_MAX_AGE_SECONDS"),
}


def _serializer(kind: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=LINK_KINDS[kind][0])


def _link_token(user: User, kind: str) -> str:
    return _serializer(kind).dumps({"u": user.id, "p": (user.password_hash or "")[-12:]})


def _user_from_link(token: str, kind: str) -> User | None:
    try:
        data = _serializer(kind).loads(token, max_age=current_app.config[LINK_KINDS[kind][1]])
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict):
        return None
    user = db.session.get(User, data.get("u")) if isinstance(data.get("u"), int) else None
    if user is None or not user.active or (user.password_hash or "")[-12:] != data.get("p"):
        return None
    return user


def invite_token(user: User) -> str:
    """A signed, expiring link token; it dies as soon as a password is set (the hash changes)."""
    return _link_token(user, "invite")


def user_from_invite(token: str) -> User | None:
    return _user_from_link(token, "invite")


def reset_token(user: User, actor: User | None = None) -> str:
    """A password-reset link token (an hour by default), single-use like an invitation; audited."""
    audit.record(actor.id if actor else None, "user", user.id, "password_reset_issued")
    db.session.commit()
    return _link_token(user, "reset")


def mail_invitation(user: User, inviter: User | None = None) -> None:
    """E-mail the invitation link, with the invitation (no commit): in the invitee's language, else
    their team's, else the language the inviter is using (a newcomer with no team most likely
    shares it), not the app's default."""
    mail.to_user(
        user,
        "invitation",
        f"invitation:{user.id}",
        "invitation",
        _l("You are invited to Huddle"),
        name=user.name,
        inviter=inviter.name if inviter else "Huddle",
        link=external_url("auth.accept_invite", token=invite_token(user)),
        fallback_locale=str(get_locale()) if has_request_context() else None,
    )


def request_password_reset(
    email: str, address: str = "unknown", now: datetime | None = None
) -> None:
    """ "Forgot my password": e-mail a reset link if the address is someone's; commits.

    The answer is the same either way (the page says "if the address is known"), so nobody learns
    who has an account. One link per person per quarter-hour (the outbox key), so the form cannot
    be used to flood somebody's inbox, and an audit event only with a link queued: the form is
    anyone's to post, as often as they like. One sender (``throttle.sender``) asks for at most
    ``RESET_REQUESTS_PER_SENDER`` links an hour, known e-mails or not: past that, nobody is mailed,
    else one sender could mail every person in Huddle every quarter-hour.
    """
    sender = throttle.sender(address)
    limit, window_seconds = RESET_REQUESTS_PER_SENDER, RESET_REQUEST_WINDOW_SECONDS
    if throttle.is_limited(RESET_REQUEST_BUCKET, sender, limit, window_seconds):
        return
    throttle.record(RESET_REQUEST_BUCKET, sender)
    user = find_user_by_email(email)
    if user is not None and user.active:
        now = now or utcnow()
        window = int(now.timestamp()) // RESET_MAIL_WINDOW_SECONDS
        queued = mail.to_user(
            user,
            "password-reset",
            f"password-reset:{user.id}:{window}",
            "password_reset",
            _l("Your Huddle password"),
            name=user.name,
            link=external_url("auth.reset_password", token=_link_token(user, "reset")),
        )
        if queued is not None:
            audit.record(None, "user", user.id, "password_reset_requested")
    db.session.commit()


def user_from_reset(token: str) -> User | None:
    return _user_from_link(token, "reset")


def set_password(user: User, password: str, action: str = "password_set") -> None:
    """Set a new password; every session and remember cookie issued before stops working."""
    user.set_password(password)
    user.session_version += 1
    audit.record(user.id, "user", user.id, action)
    db.session.commit()


def change_password(user: User, current: str, new: str) -> None:
    """A person changes their own password: they prove they know the current one first."""
    if not user.check_password(current):
        raise PasswordError(_("That is not your current password."), "current_password")
    problem = password_problem(new)
    if problem:
        raise PasswordError(problem, "password")
    set_password(user, new, "password_changed")


def end_all_sessions(user: User) -> None:
    """ "Log out everywhere": every session and remember cookie of ``user`` stops working."""
    user.session_version += 1
    audit.record(user.id, "user", user.id, "sessions_ended")
    db.session.commit()


class AccountError(RuleError):
    """A change to a person's settings the rules refuse (see ``core.errors.RuleError``)."""


SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,31}$")


def clean_slack_user_id(value: str | None, user_id: int | None) -> str | None:
    """A Slack member id (``U…`` or ``W…``) nobody else has, or None for an empty input.

    Slack shows it under the person's profile, "Copy member ID"; a name or an e-mail does not work.
    """
    value = (value or "").strip().upper()
    if not value:
        return None
    if not SLACK_USER_ID.match(value):
        raise AccountError(
            _("A Slack user id starts with U or W, e.g. U024BE7LH (Profile → Copy member ID)."),
            "slack_user_id",
        )
    if held_by_another(db.session, User.slack_user_id, value, user_id):
        raise AccountError(_("Someone else already has this Slack user id."), "slack_user_id")
    return value


def set_slack_user_id(user: User, slack_user_id: str | None) -> None:
    """Give ``user`` a Slack user id that ``clean_slack_user_id`` checked, under a savepoint.

    The check looked for another holder first, but PostgreSQL lets two requests (two people, two
    admins) both look before either commits; the unique id then stops the second, which is told
    what the check would have told it a moment later (not a 500).
    """
    taken = AccountError(_("Someone else already has this Slack user id."), "slack_user_id")
    with refused_if_taken(taken):
        user.slack_user_id = slack_user_id


def update_account(
    user: User,
    name: str,
    timezone: str | None,
    locale: str | None,
    slack_user_id: str | None = None,
) -> bool:
    """Empty timezone or locale means "follow my team / my browser". True when a Slack user was
    asked to confirm a new id: one a person gives themselves only waits (``request_slack_link``).
    """
    asked = request_slack_link(user, clean_slack_user_id(slack_user_id, user.id))
    user.name = name.strip()
    user.timezone = timezone or None
    user.locale = locale or None
    db.session.commit()
    return asked


def request_slack_link(user: User, slack_user_id: str | None) -> bool:
    """What a person's own Slack id field means (no commit): the id they see there is the one
    they asked for, so saving it again changes nothing and sends nothing.

    A new id waits in ``pending_slack_user_id`` and ``slack_link_requested`` asks that Slack user
    to confirm it (a direct message with a button: ``confirm_slack_link``). Clearing the field, or
    going back to the id in force, takes effect at once: it gives nobody anything.
    """
    if slack_user_id == (user.pending_slack_user_id or user.slack_user_id):
        return False
    if slack_user_id is None or slack_user_id == user.slack_user_id:
        user.pending_slack_user_id = None
        if slack_user_id != user.slack_user_id:
            audit.record(
                user.id,
                "user",
                user.id,
                "slack_user_id_changed",
                slack_user_id={"from": user.slack_user_id, "to": None},
            )
            user.slack_user_id = None
        return False
    user.pending_slack_user_id = slack_user_id
    audit.record(
        user.id, "user", user.id, "slack_user_id_requested", slack_user_id={"to": slack_user_id}
    )
    slack_link_requested.send(
        current_app._get_current_object(), user=user, slack_user_id=slack_user_id
    )
    return True


def confirm_slack_link(user: User, slack_user_id: str) -> None:
    """The Slack user ``user`` asked for clicked "Yes, that's me": the id is theirs now. Commits.

    Refused (``AccountError``) when the person no longer waits for that id (they changed it, or an
    admin set another) or someone else got it meanwhile.
    """
    if not user.active or user.pending_slack_user_id != slack_user_id:
        raise AccountError(
            _("This request is no longer waiting: it was changed in Huddle."), "slack_user_id"
        )
    slack_user_id = clean_slack_user_id(slack_user_id, user.id)
    audit.record(
        user.id,
        "user",
        user.id,
        "slack_user_id_changed",
        slack_user_id={"from": user.slack_user_id, "to": slack_user_id},
        confirmed_in="slack",
    )
    user.pending_slack_user_id = None
    set_slack_user_id(user, slack_user_id)
    db.session.commit()
