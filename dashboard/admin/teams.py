"""Creating, changing and archiving teams: the rules the set-up page, the admin page and the CLI share.

A team's stand-up schedule is the stand-up feature's business: an edit goes through
``standup.services.update_team_settings`` (which also moves today's planned stand-up), so the
schedule rules live in one place. Creating a team checks the same rules before the first insert.
"""

import re
from collections.abc import Iterable
from datetime import time

import sqlalchemy as sa
from flask_babel import gettext as _

from core import audit
from core.database import held_by_another, utcnow
from core.errors import RuleError
from core.extensions import db
from core.i18n import known_language
from core.models import Team, User
from standup import queries as standup_queries
from standup import schedule
from standup import services as standup_services

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
EDITABLE = (
    "name",
    "slug",
    "slack_channel",
    "standup_time",
    "timezone",
    "locale",
    "workdays",
    "timebox_minutes",
    "grace_minutes",
)


class TeamError(RuleError):
    """A change to a team that breaks a rule (see ``core.errors.RuleError``)."""


def parse_workdays(text: str) -> str:
    """``mon,tue,...`` (as the CLI takes them) as the ISO weekday digits a team keeps, ``"12"``."""
    days = set()
    for part in (p.strip().lower() for p in text.split(",")):
        if not part:
            continue
        if part[:3] not in WEEKDAY_NAMES:
            raise TeamError(
                _("Unknown workday %(day)s; use mon, tue, wed, thu, fri, sat, sun.", day=part),
                "workdays",
            )
        days.add(str(WEEKDAY_NAMES.index(part[:3]) + 1))
    if not days:
        raise TeamError(_("Choose at least one workday."), "workdays")
    return "".join(sorted(days))


def parse_time(text: str) -> time:
    """``HH:MM`` as a time of day, or a ``TeamError`` on the stand-up time field."""
    try:
        hours, minutes = (int(part) for part in text.strip().split(":"))
        return time(hours, minutes)
    except ValueError:
        raise TeamError(_("Give the time as HH:MM, e.g. 09:30."), "standup_time") from None


def _check(
    *,
    name: str,
    slug: str,
    timezone: str,
    workdays: str,
    timebox_minutes: int,
    grace_minutes: int,
    team_id: int | None = None,
) -> None:
    if not name.strip():
        raise TeamError(_("Give the team a name."), "name")
    if not SLUG.match(slug):
        raise TeamError(
            _("Use lower-case letters, digits and dashes for the short name, e.g. support-eu."),
            "slug",
        )
    if held_by_another(db.session, Team.slug, slug, team_id):
        raise TeamError(_("Another team already uses this short name."), "slug")
    if not schedule.is_valid_timezone(timezone):
        raise TeamError(_("Unknown timezone; use a name like Europe/Moscow."), "timezone")
    if not workdays or set(workdays) - set("1234567"):
        raise TeamError(_("Choose at least one workday."), "workdays")
    if not 5 <= timebox_minutes <= 60:
        raise TeamError(_("The timebox is 5 to 60 minutes."), "timebox_minutes")
    if not 0 <= grace_minutes <= 60:
        raise TeamError(_("The grace time is 0 to 60 minutes."), "grace_minutes")


def add_team(
    actor: User | None,
    *,
    slug: str,
    name: str,
    timezone: str,
    standup_time: time,
    workdays: Iterable[str] = "12345",
    slack_channel: str | None = None,
    timebox_minutes: int = 15,
    grace_minutes: int = 5,
    locale: str | None = None,
) -> Team:
    """Check and add a team to the current transaction (no commit: set-up adds its admin too)."""
    slug, timezone = slug.strip().lower(), timezone.strip()
    days = "".join(sorted(set(workdays)))
    _check(
        name=name,
        slug=slug,
        timezone=timezone,
        workdays=days,
        timebox_minutes=timebox_minutes,
        grace_minutes=grace_minutes,
    )
    team = Team(
        slug=slug,
        name=name.strip(),
        timezone=timezone,
        standup_time=standup_time,
        workdays=days,
        slack_channel=(slack_channel or "").strip() or None,
        timebox_minutes=timebox_minutes,
        grace_minutes=grace_minutes,
        locale=known_language(locale),
    )
    db.session.add(team)
    db.session.flush()
    audit.record(actor.id if actor else None, "team", team.id, "created", slug=slug, name=team.name)
    return team


def create_team(actor: User | None, **fields) -> Team:
    """Create a team (admins, or the CLI with no actor); audited; commits."""
    if actor is not None and not actor.has_role("admin"):
        raise TeamError(_("Only admins create teams."))
    team = add_team(actor, **fields)
    db.session.commit()
    return team


def _value(value):
    return value.strftime("%H:%M") if isinstance(value, time) else value


def update_team(actor: User, team: Team, **fields) -> Team:
    """Change a team's name, short name, channel and schedule (admins); audited old → new; commits.

    The schedule goes through the stand-up feature's own settings service, keeping the team's
    holidays and rotation as they are.
    """
    if not actor.has_role("admin"):
        raise TeamError(_("Only admins change teams here."))
    slug = fields["slug"].strip().lower()
    days = "".join(sorted(set(fields["workdays"])))
    _check(
        name=fields["name"],
        slug=slug,
        timezone=fields["timezone"].strip(),
        workdays=days,
        timebox_minutes=fields["timebox_minutes"],
        grace_minutes=fields["grace_minutes"],
        team_id=team.id,
    )
    old = {key: _value(getattr(team, key)) for key in EDITABLE}
    holidays = [(h.on, h.name) for h in standup_queries.holidays_of(team.id)]
    rotation = standup_queries.rotation_emails(team.id)
    new = {
        **fields,
        "name": fields["name"].strip(),
        "slug": slug,
        "workdays": days,
        "timezone": fields["timezone"].strip(),
        "slack_channel": (fields.get("slack_channel") or "").strip() or None,
        "locale": known_language(fields.get("locale")) or team.locale,
    }
    changed = {
        key: {"from": old[key], "to": _value(new[key])}
        for key in EDITABLE
        if old[key] != _value(new[key])
    }
    if changed:
        audit.record(actor.id, "team", team.id, "changed", **changed)
    team.slug = slug
    team.locale = new["locale"]
    return standup_services.update_team_settings(
        team,
        actor,
        name=new["name"],
        slack_channel=new["slack_channel"],
        standup_time=fields["standup_time"],
        timezone=new["timezone"],
        workdays=days,
        timebox_minutes=fields["timebox_minutes"],
        grace_minutes=fields["grace_minutes"],
        holidays=holidays,
        rotation_emails=rotation,
    )


def set_archived(actor: User, team: Team, archived: bool) -> Team:
    """Archive a team (no more stand-ups or jobs, history kept) or bring it back; audited; commits."""
    if not actor.has_role("admin"):
        raise TeamError(_("Only admins archive teams."))
    if archived == (team.archived_at is not None):
        return team
    team.archived_at = utcnow() if archived else None
    audit.record(actor.id, "team", team.id, "archived" if archived else "restored")
    db.session.commit()
    return team


def list_all() -> list[Team]:
    """Every team, active first, for the admin page and ``huddle teams list``."""
    return list(
        db.session.scalars(sa.select(Team).order_by(Team.archived_at.is_not(None), Team.name))
    )
