"""ISO 8601 instants sent by other systems (the JSON API, CSV imports): one reading for all of them.

Other systems send local times without an offset, dates alone, and now and then a year 0 or 20260
typed by hand; Huddle stores aware UTC instants, so every channel reads them the same way here.
"""

from datetime import UTC, datetime, time, timedelta

# Other systems' clocks drift a little; a rating "from the future" beyond this is a bug on their side.
CLOCK_SKEW = timedelta(minutes=10)


def parse_timestamp(value) -> datetime | None:
    """An aware UTC datetime from ISO 8601 text (a date alone means its midnight UTC), else None.

    Without an offset the time is taken as UTC (what Huddle stores); years outside 1900–9998 are
    refused, so a typo cannot become a date no page can show.
    """
    if not isinstance(value, str) or not 10 <= len(value.strip()) <= 40:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if not 1900 <= parsed.year <= 9998:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def clock_time(text) -> time | None:
    """A time of day written as HH:MM (a setting: ``HUDDLE_DIGEST_TIME``), else None ("8am",
    "8", "25:00"). Start-up refuses what this cannot read, and the jobs read it the same way."""
    text = str(text).strip()
    if len(text) != 5 or text[2] != ":":
        return None
    try:
        return time.fromisoformat(text)
    except ValueError:
        return None


def clock_hours(text) -> tuple[time, time] | None:
    """A start and a later end on one day as HH:MM-HH:MM (``HUDDLE_WORK_HOURS``), else None."""
    start, _dash, end = str(text).partition("-")
    start, end = clock_time(start), clock_time(end)
    return (start, end) if start is not None and end is not None and start < end else None
