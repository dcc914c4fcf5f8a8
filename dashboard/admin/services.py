"""Creating and changing users: the rules an admin page and the CLI share."""

from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from core import audit, money
from core.auth.services import (
    clean_slack_user_id,
    find_user_by_email,
    mail_invitation,
    normalise_email,
    reset_token,
    set_slack_user_id,
)
from core.errors import RuleError, refused_if_taken
from core.extensions import db
from core.models import ROLES, Team, User
from core.timezones import timezone_names
from core.urls import external_url

LIMIT_MAX = Decimal("1000000")


class UserError(RuleError):
    """A change to a user that breaks a rule (see ``core.errors.RuleError``)."""


def list_users() -> list[User]:
    return list(db.session.scalars(sa.select(User).order_by(User.active.desc(), User.name)))


def list_teams() -> list[Team]:
    return list(db.session.scalars(sa.select(Team).order_by(Team.name)))


def team_choices() -> list[tuple[int, str]]:
    return [(0, _("No team"))] + [(team.id, team.name) for team in list_teams()]


def create_user(*args, **kwargs) -> User:
    """Invite (no password yet) or create someone (``add_user``'s arguments) and commit."""
    user = add_user(*args, **kwargs)
    if user.password_hash is None:  # an invitation: the link goes by e-mail, with the invitation
        mail_invitation(user, kwargs.get("actor"))
    db.session.commit()
    return user


def add_user(
    email: str,
    name: str,
    role: str,
    team_id: int | None = None,
    password: str | None = None,
    actor: User | None = None,
    compensation_limit: Decimal | None = None,
) -> User:
    """Add someone, audited with who did it when it was a person; no commit (the set-up adds a
    team in the same transaction)."""
    if role not in ROLES:
        raise UserError(_("Unknown role."), "role")
    if not name.strip():
        raise UserError(_("Give the person a name."), "name")
    if find_user_by_email(email) is not None:
        raise UserError(_("Someone already has this e-mail address."), "email")
    if team_id and db.session.get(Team, team_id) is None:
        raise UserError(_("That team does not exist."), "team_id")
    limit = check_limit(compensation_limit)
    user = User(
        email=normalise_email(email),
        name=name.strip(),
        role=role,
        team_id=team_id or None,
        compensation_limit=limit,
    )
    if password:
        user.set_password(password)
    # Another admin may have added this address a moment ago (PostgreSQL let both look first).
    with refused_if_taken(UserError(_("Someone already has this e-mail address."), "email")):
        db.session.add(user)
    details = {"role": role, "team_id": team_id}
    if limit is not None:
        details["compensation_limit"] = str(limit)
    audit.record(actor.id if actor else None, "user", user.id, "created", **details)
    return user


def check_limit(amount: Decimal | None) -> Decimal | None:
    """A compensation limit is an amount of money: zero or more, at most two decimals."""
    if amount is None:
        return None
    if not amount.is_finite() or amount < 0 or amount >= LIMIT_MAX:
        raise UserError(_("The limit is an amount of zero or more."), "compensation_limit")
    if not money.in_cents(amount):
        raise UserError(_("Use at most two decimals."), "compensation_limit")
    return amount.quantize(money.CENT)


def reset_link(actor: User, user: User) -> str:
    """A link for ``user`` to choose a new password (an hour, single use), for an admin to hand
    over: where Huddle sends no e-mail, "Forgot your password?" can reach nobody. Audited; commits."""
    if not actor.has_role("admin"):
        raise UserError(_("Only admins give out password links."))
    if not user.active:
        raise UserError(_("This account is switched off; switch it on first."))
    return external_url("auth.reset_password", token=reset_token(user, actor))


def update_person(
    actor: User,
    user: User,
    *,
    role: str,
    team_id: int | None,
    active: bool,
    compensation_limit: Decimal | None,
    slack_user_id: str | None,
    timezone: str | None,
    locale: str | None,
) -> User:
    """An admin changes someone's access and profile in one go; audited old → new; commits."""
    if not actor.has_role("admin"):
        raise UserError(_("Only admins change people here."), "role")
    limit = check_limit(compensation_limit)
    slack_user_id = clean_slack_user_id(slack_user_id, user.id)
    if timezone and timezone not in timezone_names():
        raise UserError(_("Choose a timezone from the list."), "timezone")
    if locale and locale not in current_app.config["LANGUAGES"]:
        raise UserError(_("Choose a language from the list."), "locale")
    _apply_access(actor, user, role, team_id, active)
    changed = {
        name: {"from": str(old) if old is not None else None, "to": new_text}
        for name, old, new, new_text in (
            (
                "compensation_limit",
                user.compensation_limit,
                limit,
                str(limit) if limit is not None else None,
            ),
            ("slack_user_id", user.slack_user_id, slack_user_id, slack_user_id),
            ("timezone", user.timezone, timezone or None, timezone or None),
            ("locale", user.locale, locale or None, locale or None),
        )
        if old != new
    }
    user.compensation_limit = limit
    if slack_user_id != user.slack_user_id:
        user.pending_slack_user_id = None  # an admin's id is in force at once: no request waits
    set_slack_user_id(user, slack_user_id)
    user.timezone = timezone or None
    user.locale = locale or None
    if changed:
        audit.record(actor.id, "user", user.id, "profile_changed", **changed)
    db.session.commit()
    return user


def _apply_access(actor: User, user: User, role: str, team_id: int | None, active: bool) -> None:
    if role not in ROLES:
        raise UserError(_("Unknown role."), "role")
    if team_id and db.session.get(Team, team_id) is None:
        raise UserError(_("That team does not exist."), "team_id")
    if user.id == actor.id and (role != "admin" or not active):
        raise UserError(_("You cannot remove your own admin access."), "role")
    changed = {
        name: {"from": old, "to": new}
        for name, old, new in (
            ("role", user.role, role),
            ("team_id", user.team_id, team_id or None),
            ("active", user.active, active),
        )
        if old != new
    }
    if user.active and not active:
        user.session_version += 1  # a deactivated person's open sessions end now, not at expiry
    user.role = role
    user.team_id = team_id or None
    user.active = active
    if changed:
        audit.record(actor.id, "user", user.id, "access_changed", **changed)
