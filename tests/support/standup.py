"""The stand-up tests' calendar (March 2025, whose 3rd is a Monday), and their people in session."""

from datetime import UTC, datetime

from core.extensions import db
from core.models import User


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant in March 2025, UTC (the 3rd is a Monday)."""
    return datetime(2025, 3, day, hour, minute, tzinfo=UTC)


def user(u) -> User:
    """The same person, loaded in the current session."""
    return db.session.get(User, u.id)
