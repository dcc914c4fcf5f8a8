"""Creating and changing users: the rules an admin page and the CLI share."""

import sqlalchemy as sa
from flask_babel import gettext as _

from core import audit
from core.auth.services import find_user_by_email, normalise_email
from core.errors import RuleError
from core.extensions import db
from core.models import ROLES, Team, User


class UserError(RuleError):
    """A change to a user that breaks a rule (see ``core.errors.RuleError``)."""


def list_users() -> list[User]:
    return list(db.session.scalars(sa.select(User).order_by(User.active.desc(), User.name)))


def list_teams() -> list[Team]:
    return list(db.session.scalars(sa.select(Team).order_by(Team.name)))


def team_choices() -> list[tuple[int, str]]:
    return [(0, _("No team"))] + [(team.id, team.name) for team in list_teams()]


def create_user(
    email: str,
    name: str,
    role: str,
    team_id: int | None = None,
    password: str | None = None,
    actor: User | None = None,
) -> User:
    """Invite (no password yet) or create someone; audited, with who did it when it was a person."""
    if role not in ROLES:
        raise UserError(_("Unknown role."), "role")
    if find_user_by_email(email) is not None:
        raise UserError(_("Someone already has this e-mail address."), "email")
    if team_id and db.session.get(Team, team_id) is None:
        raise UserError(_("That team does not exist."), "team_id")
    user = User(email=normalise_email(email), name=name.strip(), role=role, team_id=team_id or None)
    if password:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record(
        actor.id if actor else None, "user", user.id, "created", role=role, team_id=team_id
    )
    db.session.commit()
    return user


def update_access(actor: User, user: User, role: str, team_id: int | None, active: bool) -> User:
    """Change role, team and active state; an admin may not lock themselves out."""
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
    db.session.commit()
    return user
