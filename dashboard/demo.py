"""Demo data for the whole app: people first, then complaints, wishes, and stand-ups (idempotent).

Stand-ups come last because their agendas read the complaints and wishes seeded before them.
"""

from complaints import demo as complaints_demo
from core.demo import PEOPLE, DemoContext, seed_people
from core.extensions import db
from standup import demo as standup_demo
from wishes import demo as wishes_demo

SEEDERS = (seed_people, complaints_demo.seed, wishes_demo.seed, standup_demo.seed)


def seed_all() -> list[tuple[str, str]]:
    context = DemoContext()
    for seeder in SEEDERS:
        seeder(context)
    db.session.commit()
    return [(email, role) for email, _name, role, _team, _locale in PEOPLE]
