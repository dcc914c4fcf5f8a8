"""The stand-up tests' calendar (March 2025, whose 3rd is a Monday), and their people in session."""

from datetime import UTC, datetime, time

import pytest

from core.extensions import db
from core.models import Team, User
from standup.models import RotationEntry
from tests.support.factories import build_user


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """An instant in March 2025, UTC (the 3rd is a Monday)."""
    return datetime(2025, 3, day, hour, minute, second, tzinfo=UTC)


def user(u) -> User:
    """The same person, loaded in the current session."""
    return db.session.get(User, u.id)


def crew_fixture(slug: str, name: str, people: list[tuple[str, str, str]]):
    """A module-scoped ``crew`` fixture for browser tests: ``seed_crew`` once on the live app."""

    @pytest.fixture(scope="module")
    def crew(live_app):
        return seed_crew(live_app, slug, name, people)

    return crew


def seed_crew(
    app, slug: str, name: str, people: list[tuple[str, str, str]], timezone: str = "UTC"
) -> Team:
    """A team that meets every day at 09:00 (UTC unless ``timezone`` says) with ``people`` as
    (role, e-mail, name), committed (for the live server of the browser tests); the first in the
    rotation facilitates."""
    with app.app_context():
        team = Team(
            slug=slug, name=name, timezone=timezone, workdays="1234567", standup_time=time(9, 0)
        )
        db.session.add(team)
        db.session.flush()
        members = [
            build_user(role, email=email, name=person, team_id=team.id)
            for role, email, person in people
        ]
        db.session.add_all(members)
        db.session.flush()
        db.session.add_all(
            RotationEntry(team_id=team.id, user_id=u.id, position=i) for i, u in enumerate(members)
        )
        db.session.commit()
        db.session.refresh(team)
        db.session.expunge(team)  # usable (its columns loaded) once this context has gone
    return team
