"""The first run: on a database with nobody in it, one page creates the head of support and a team.

Only while no user exists. Two people submitting the set-up page at the same moment must not both
become the first admin, so the set-up takes the database's write lock before it counts the users:
the second one waits for the first to commit, then sees the admin and is refused.
"""

from datetime import time

import sqlalchemy as sa
from flask_babel import gettext as _

from core.auth.passwords import password_problem
from core.errors import NotFound
from core.extensions import db
from core.models import User
from dashboard.admin import teams
from dashboard.admin.services import UserError, add_user

# Any fixed number: the key of the PostgreSQL advisory lock that set-ups queue on.
FIRST_RUN_LOCK = 0x4855_4444_4C45
TEAM_FIELDS = {"name": "team_name", "slug": "team_slug"}


class AlreadySetUp(NotFound):
    """Someone exists already: the set-up page is gone (a 404, like any unknown page)."""


def needs_setup() -> bool:
    return db.session.scalar(sa.select(User.id).limit(1)) is None


def _lock() -> None:
    """Queue concurrent set-ups: PostgreSQL on an advisory lock held until commit, SQLite on its
    write lock (any write statement takes it, even one that changes no row)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(FIRST_RUN_LOCK)))
    else:
        db.session.execute(sa.update(User).where(sa.false()).values(role=User.role))


def set_up(
    *,
    name: str,
    email: str,
    password: str,
    team_name: str,
    team_slug: str,
    timezone: str,
    standup_time: time,
    locale: str | None = None,
) -> User:
    """Create the first admin and the first team in one transaction; commits."""
    _lock()
    if not needs_setup():
        raise AlreadySetUp(_("Huddle is set up already. Log in instead."))
    problem = password_problem(password)
    if problem:
        raise UserError(problem, "password")
    try:
        team = teams.add_team(
            None,
            slug=team_slug,
            name=team_name,
            timezone=timezone,
            standup_time=standup_time,
            locale=locale,
        )
    except teams.TeamError as error:  # the page's team fields are named apart from the admin's
        raise teams.TeamError(error.message, TEAM_FIELDS.get(error.field, error.field)) from None
    admin = add_user(email, name, "admin", team.id, password)
    db.session.commit()
    return admin
