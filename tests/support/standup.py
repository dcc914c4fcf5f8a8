"""The stand-up tests' calendar: March 2025, whose 3rd is a Monday."""

from datetime import UTC, datetime


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant in March 2025, UTC (the 3rd is a Monday)."""
    return datetime(2025, 3, day, hour, minute, tzinfo=UTC)
