"""Creating, changing and archiving teams: the rules the set-up page, the admin page and the CLI share.

A team's stand-up schedule is the stand-up feature's business: an edit goes through
``standup.services.update_team_settings`` (which also moves today's planned stand-up), so the
schedule rules live in one place. Creating a team checks the same rules before the first insert.
"""

import re
from datetime import time

import sqlalchemy as sa
from flask_babel import gettext as _

from core import audit
from core.database import held_by_another, utcnow
from core.errors import RuleError, refused_if_taken
from core.extensions import db
from core.i18n import known_language
from core.models import Team, User
from standup import queries as standup_queries
from standup import schedule, settings_trail
from standup import services as standup_services

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# What of a team the stand-up feature's settings service keeps (and audits, old -> new); the short
# name and the language are kept here, and audited in the same event.
SCHEDULED = settings_trail.SETTINGS


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


def _check(team: dict, team_id: int | None = None) -> None:
    if not team["name"]:
        raise TeamError(_("Give the team a name."), "name")
    if not SLUG.match(team["slug"]):
        raise TeamError(
            _("Use lower-case letters, digits and dashes for the short name, e.g. support-eu."),
            "slug",
        )
    if held_by_another(db.session, Team.slug, team["slug"], team_id):
        raise TeamError(_("Another team already uses this short name."), "slug")
    if not schedule.is_valid_timezone(team["timezone"]):
        raise TeamError(_("Unknown timezone; use a name like Europe/Moscow."), "timezone")
    if not team["workdays"] or set(team["workdays"]) - set("1234567"):
        raise TeamError(_("Choose at least one workday."), "workdays")
    if not 5 <= team["timebox_minutes"] <= 60:
        raise TeamError(_("The timebox is 5 to 60 minutes."), "timebox_minutes")
    if not 0 <= team["grace_minutes"] <= 60:
        raise TeamError(_("The grace time is 0 to 60 minutes."), "grace_minutes")


def _cleaned(fields: dict, team_id: int | None = None) -> dict:
    """A team's fields as they are kept (trimmed, short name in lower case, workdays as sorted
    ISO digits, no blank channel, an unknown language dropped), checked against the rules: the
    one place creating and editing agree on, so a name the set-up page takes, the admin page does.
    """
    team = {
        **fields,
        "name": fields["name"].strip(),
        "slug": fields["slug"].strip().lower(),
        "timezone": fields["timezone"].strip(),
        "workdays": "".join(sorted(set(fields["workdays"]))),
        "slack_channel": (fields.get("slack_channel") or "").strip() or None,
        "locale": known_language(fields.get("locale")),
    }
    _check(team, team_id)
    return team


def _slug_kept():
    """``core.errors.refused_if_taken`` for a team's short name (PostgreSQL: two admins at once)."""
    return refused_if_taken(TeamError(_("Another team already uses this short name."), "slug"))


NEW_TEAM = {"workdays": "12345", "slack_channel": None, "timebox_minutes": 15, "grace_minutes": 5}


def add_team(actor: User | None, **fields) -> Team:
    """Check and add a team to the current transaction (no commit: set-up adds its admin too).

    ``fields``: ``slug``, ``name``, ``timezone`` and ``standup_time``, and what ``NEW_TEAM``
    does not say otherwise of (``locale``: the app's language when none is given).
    """
    team = Team(**_cleaned(NEW_TEAM | fields))
    with _slug_kept():
        db.session.add(team)
    audit.record(
        actor.id if actor else None, "team", team.id, "created", slug=team.slug, name=team.name
    )
    return team


def create_team(actor: User | None, **fields) -> Team:
    """Create a team (admins, or the CLI with no actor); audited; commits."""
    if actor is not None and not actor.has_role("admin"):
        raise TeamError(_("Only admins create teams."))
    team = add_team(actor, **fields)
    db.session.commit()
    return team


def update_team(actor: User, team: Team, **fields) -> Team:
    """Change a team's name, short name, channel and schedule (admins); audited old → new; commits.

    The schedule goes through the stand-up feature's own settings service, keeping the team's
    holidays and rotation as they are.
    """
    if not actor.has_role("admin"):
        raise TeamError(_("Only admins change teams here."))
    new = _cleaned(fields, team.id)
    new["locale"] = new["locale"] or team.locale
    holidays = [(h.on, h.name) for h in standup_queries.holidays_of(team.id)]
    rotation = standup_queries.rotation_emails(team.id)
    changed = {  # the schedule's changes are recorded with these, as one event
        key: {"from": getattr(team, key), "to": new[key]}
        for key in ("slug", "locale")
        if getattr(team, key) != new[key]
    }
    with _slug_kept():
        team.slug = new["slug"]
    team.locale = new["locale"]
    schedule_fields = {key: new[key] for key in SCHEDULED}
    return standup_services.update_team_settings(
        team,
        actor,
        **schedule_fields,
        holidays=holidays,
        rotation_emails=rotation,
        also_changed=changed,
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
