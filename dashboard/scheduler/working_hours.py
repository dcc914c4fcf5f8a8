"""A team's working time, for jobs that must not chase people at night (issue #17).

A team works on its workdays that are not its holidays, between ``HUDDLE_WORK_HOURS`` (default
``08:00-18:00``) in its own timezone. Pure arithmetic on values already loaded: the job reads the
teams and their holidays once, then asks about any number of instants.
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from core.timestamps import clock_hours
from standup.schedule import is_workday, zone

LOOK_AHEAD_DAYS = 15  # a team with no workday in two weeks is treated as always at work


def parse_hours(text: str) -> tuple[time, time]:
    """``"08:00-18:00"`` as (start, end); anything unreadable or empty is the whole day (start-up
    refuses such a ``HUDDLE_WORK_HOURS``: ``core.timestamps.clock_hours`` reads it for both)."""
    return clock_hours(text) or (time(0), time.max)


def days_ahead(team, at: datetime) -> list[date]:
    """The team's local dates from ``at``'s on, as far as ``working_from`` may look."""
    today = at.astimezone(zone(team.timezone)).date()
    return [today + timedelta(days=n) for n in range(LOOK_AHEAD_DAYS)]


def working_from(
    team, at: datetime, hours: tuple[time, time], holidays: Iterable[date] = ()
) -> datetime:
    """``at`` itself when the team is at work then, else the start of its next working period."""
    start, end = hours
    holidays = set(holidays)
    local = at.astimezone(zone(team.timezone))
    for day in days_ahead(team, at):
        if not is_workday(team, day, holidays):
            continue
        if day == local.date():
            if start <= local.time() < end:
                return at
            if local.time() >= end:
                continue
        return datetime.combine(day, start, tzinfo=zone(team.timezone)).astimezone(UTC)
    return at
