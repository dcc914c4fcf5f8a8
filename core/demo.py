"""Demo data's ground floor: two support teams and their people, and the context features share.

Each feature has a ``seed(context)`` in its ``demo`` module (listed in ``dashboard.demo``); ``context``
carries what earlier seeders made (teams, users by e-mail) so later ones refer to them without
querying again.
"""

from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal

import sqlalchemy as sa

from core.extensions import db
from core.models import Team, User

DEMO_PASSWORD = "huddle-demo"  # noqa: S105  (printed to the person running the demo, on purpose)

# (slug, name, timezone, stand-up time, Slack channel, the language of its channel's messages)
TEAMS = [
    ("sao-paulo", "São Paulo Support", "America/Sao_Paulo", time(9, 0), "#support-sp", "pt_BR"),
    ("moscow", "Moscow Support", "Europe/Moscow", time(10, 0), "#support-msk", "ru"),
]

PEOPLE = [
    # No language chosen (None): the head of support and her manager read in their browser's language,
    # the way most people try the demo; the others show each language's pages.
    ("admin@huddle.example", "Helena Duarte", "admin", "sao-paulo", None),
    ("manager@huddle.example", "Marta Souza", "manager", "sao-paulo", None),
    ("manager.msk@huddle.example", "Mikhail Petrov", "manager", "moscow", "ru"),
    ("agent@huddle.example", "Lucas Almeida", "agent", "sao-paulo", "en"),
    ("agent2@huddle.example", "Sofía Romero", "agent", "sao-paulo", "es"),
    ("agent.msk@huddle.example", "Olga Ivanova", "agent", "moscow", "ru"),
    ("agent2.msk@huddle.example", "Daniel Brooks", "agent", "moscow", "en"),
]
# What each manager may give on their own; above it the head of support approves.
COMPENSATION_LIMITS = {
    "manager@huddle.example": Decimal("25.00"),
    "manager.msk@huddle.example": Decimal("25.00"),
}


@dataclass
class DemoContext:
    teams: dict[str, Team] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)


def seed_people(context: DemoContext) -> None:
    existing_teams = {t.slug: t for t in db.session.scalars(sa.select(Team))}
    for slug, name, tz, at, channel, locale in TEAMS:
        team = existing_teams.get(slug)
        if team is None:
            team = Team(
                slug=slug,
                name=name,
                timezone=tz,
                standup_time=at,
                slack_channel=channel,
                locale=locale,
            )
            db.session.add(team)
        context.teams[slug] = team
    db.session.flush()
    existing_users = {u.email: u for u in db.session.scalars(sa.select(User))}
    for email, name, role, team_slug, locale in PEOPLE:
        user = existing_users.get(email)
        if user is None:
            user = User(email=email, name=name, role=role, locale=locale)
            user.team = context.teams[team_slug]
            user.compensation_limit = COMPENSATION_LIMITS.get(email)
            user.set_password(DEMO_PASSWORD)
            db.session.add(user)
        context.users[email] = user
    db.session.flush()
