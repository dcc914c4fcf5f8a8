"""Finding a team by its short name: the lookup every team page (stand-up, wish review) starts from."""

import sqlalchemy as sa
from flask import abort

from core.extensions import db
from core.models import Team

# Built once, the slug bound when run: every team page starts here (issue #16).
_BY_SLUG = sa.select(Team).where(Team.slug == sa.bindparam("slug"))


def team_by_slug(slug: str) -> Team | None:
    return db.session.scalar(_BY_SLUG, {"slug": slug})


def team_or_404(slug: str) -> Team:
    """The team a page's address names; an unknown short name is a plain 404."""
    team = team_by_slug(slug)
    if team is None:
        abort(404)
    return team


def team_voice(team_id: int | None) -> tuple[str | None, str | None]:
    """The language and timezone the team's Slack messages and agenda are written in, as
    ``core.i18n.speaking(*team_voice(team_id))`` takes them (None: the installation's default)."""
    if team_id is None:
        return None, None
    row = db.session.execute(
        sa.select(Team.locale, Team.timezone).where(Team.id == team_id)
    ).first()
    return (row.locale, row.timezone) if row is not None else (None, None)
