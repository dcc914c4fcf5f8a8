"""When a team meets: local dates, workdays, holidays, start instants and the facilitator rotation.

Everything here is arithmetic on values already loaded (no queries), so the services can decide for
many teams at once after loading what they need in a fixed number of queries. A team's day is its
*local* date: 01:30 UTC is still yesterday in São Paulo and already today in Moscow.
"""

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone(name: str | None) -> ZoneInfo:
    """The team's zone; an unknown name (settings validate it, old rows may not) falls back to UTC."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def is_valid_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def local_date(team, at: datetime) -> date:
    """The team's calendar date at the instant ``at``."""
    return at.astimezone(zone(team.timezone)).date()


def is_workday(team, on: date, holidays: Iterable[date] = ()) -> bool:
    return str(on.isoweekday()) in (team.workdays or "") and on not in set(holidays)


def starts_at(team, on: date) -> datetime:
    """The UTC instant of the team's stand-up on local date ``on`` (DST-correct for that date)."""
    local = datetime.combine(on, team.standup_time, tzinfo=zone(team.timezone))
    return local.astimezone(UTC)


def previous_workday(team, on: date, holidays: Iterable[date] = ()) -> date:
    """The last workday before ``on`` (at most two weeks back; a team with no workdays gets ``on-1``)."""
    holidays = set(holidays)
    for back in range(1, 15):
        candidate = on - timedelta(days=back)
        if is_workday(team, candidate, holidays):
            return candidate
    return on - timedelta(days=1)


def next_facilitator(
    rotation: Sequence[int], previous_id: int | None, unavailable: Iterable[int]
) -> int | None:
    """The next person in ``rotation`` after ``previous_id``, skipping anyone unavailable.

    Starting after the previous facilitator (not at a fixed offset) keeps the turn fair: someone who
    was away is simply skipped today and the order carries on from whoever facilitated last.
    """
    if not rotation:
        return None
    unavailable = set(unavailable)
    start = rotation.index(previous_id) + 1 if previous_id in rotation else 0
    for step in range(len(rotation)):
        candidate = rotation[(start + step) % len(rotation)]
        if candidate not in unavailable:
            return candidate
    return None
