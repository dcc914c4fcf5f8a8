import itertools
from datetime import UTC, datetime, time, timedelta
from types import SimpleNamespace

import pytest

from complaints.models import Complaint, Rating
from core.extensions import db
from core.models import Client, Team, User
from standup.models import AwayDay, Holiday, RotationEntry
from tests.conftest import save

_n = itertools.count(1)

# A Tuesday. 12:00 UTC is 09:00 in São Paulo (UTC-3) and 15:00 in Moscow (UTC+3).
TUESDAY = datetime(2025, 3, 4, 12, 0, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant in March 2025, UTC (the 3rd is a Monday)."""
    return datetime(2025, 3, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def make_standup_team(app):
    """A team meeting at 09:00 UTC on weekdays, 15 minutes, unless told otherwise."""

    def make(**fields) -> Team:
        n = next(_n)
        fields.setdefault("slug", f"crew-{n}")
        fields.setdefault("name", f"Crew {n}")
        fields.setdefault("timezone", "UTC")
        fields.setdefault("standup_time", time(9, 0))
        fields.setdefault("workdays", "12345")
        fields.setdefault("timebox_minutes", 15)
        fields.setdefault("grace_minutes", 5)
        return save(app, Team(**fields))

    return make


@pytest.fixture
def make_member(app):
    def make(team: Team, role: str = "agent", **fields) -> User:
        n = next(_n)
        user = User(
            email=fields.pop("email", f"member{n}@example.com"),
            name=fields.pop("name", f"Member {n:03d}"),
            role=role,
            team_id=team.id,
            **fields,
        )
        user.set_password("correct horse battery")
        return save(app, user)

    return make


@pytest.fixture
def set_rotation(app):
    def make(team: Team, users: list[User]) -> None:
        for position, user in enumerate(users):
            save(app, RotationEntry(team_id=team.id, user_id=user.id, position=position))

    return make


@pytest.fixture
def crew(app, make_standup_team, make_member, set_rotation):
    """A team with its own Slack channel and three people (A, B, C) in rotation order."""
    team = make_standup_team(slack_channel="#crew")
    people = [make_member(team, name=f"Person {c}", slack_user_id=f"U{c}") for c in "ABC"]
    set_rotation(team, people)
    return SimpleNamespace(team=team, people=people)


def user(u) -> User:
    """The same person, loaded in the current session."""
    return db.session.get(User, u.id)


@pytest.fixture
def make_away(app):
    def make(user: User, on) -> AwayDay:
        return save(app, AwayDay(user_id=user.id, on=on))

    return make


@pytest.fixture
def make_holiday(app):
    def make(team: Team, on, name="Holiday") -> Holiday:
        return save(app, Holiday(team_id=team.id, on=on, name=name))

    return make


@pytest.fixture
def seed_client(app):
    def make(**fields) -> Client:
        n = next(_n)
        return save(
            app, Client(external_id=f"su-{n}", name=fields.pop("name", f"Client {n}"), **fields)
        )

    return make


@pytest.fixture
def seed_complaint(app, seed_client):
    def make(opened_at: datetime, due_at: datetime | None = None, **fields) -> Complaint:
        client = seed_client(email="private@example.com", phone="+55 11 5555-0000")
        return save(
            app,
            Complaint(
                client_id=client.id,
                summary=fields.pop("summary", f"Complaint {next(_n)}"),
                channel=fields.pop("channel", "api"),
                opened_at=opened_at,
                due_at=due_at or opened_at + timedelta(hours=24),
                **fields,
            ),
        )

    return make


@pytest.fixture
def seed_rating(app, seed_client):
    def make(score: int, received_at: datetime, **fields) -> Rating:
        client = seed_client()
        return save(
            app,
            Rating(
                client_id=client.id,
                score=score,
                received_at=received_at,
                occurred_at=received_at,
                **fields,
            ),
        )

    return make
