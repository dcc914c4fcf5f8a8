"""A team's stand-up settings in the audit trail: who changed what, old → new (#12).

Admins change them on the teams page, a team's managers on its stand-up settings page; only the
admins' edits were recorded, so a team renamed, or its Slack channel (where its alerts and
summaries go) moved elsewhere, by a manager left no trace. Both pages save through
``standup.services.update_team_settings``, which records one event per save with this module.
"""

from datetime import date, time

from core import audit
from core.models import Team, User
from standup import queries

# What the settings service keeps of a team (the teams page keeps its short name and language).
SETTINGS = (
    "name",
    "slack_channel",
    "standup_time",
    "timezone",
    "workdays",
    "timebox_minutes",
    "grace_minutes",
)


def _value(value):
    return value.strftime("%H:%M") if isinstance(value, time) else value


def _holidays(holidays) -> str:
    days = sorted(holidays, key=lambda holiday: holiday[0])
    return ", ".join(f"{on.isoformat()} {name or ''}".strip() for on, name in days)


def _written(team: Team, holidays, rotation_emails: list[str]) -> dict:
    """The settings as the trail writes them: a time as HH:MM, holidays and rotation as one line."""
    values = {key: _value(getattr(team, key)) for key in SETTINGS}
    values["holidays"] = _holidays(holidays)
    values["rotation"] = ", ".join(rotation_emails)
    return values


def settings_of(team: Team) -> dict:
    """The settings as the trail writes them, read before a change."""
    holidays = [(h.on, h.name) for h in queries.holidays_of(team.id)]
    return _written(team, holidays, queries.rotation_emails(team.id))


def record_changes(
    actor: User,
    team: Team,
    before: dict,
    holidays: list[tuple[date, str | None]],
    rotation_emails: list[str],
    also: dict | None = None,
) -> None:
    """One "changed" event of what differs from ``before`` (the team's fields as now set), with
    ``also`` (what the teams page changed beside: short name, language); no commit."""
    after = _written(team, holidays, rotation_emails)
    changed = {
        **(also or {}),
        **{
            key: {"from": before[key], "to": new}
            for key, new in after.items()
            if before[key] != new
        },
    }
    if changed:
        audit.record(actor.id, "team", team.id, "changed", **changed)
