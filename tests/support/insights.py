"""The Insights tests give every row an explicit time, so each figure is known by construction."""

from datetime import UTC, datetime


def at(text: str) -> datetime:
    """``"2024-03-05 10:00"`` as an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)
