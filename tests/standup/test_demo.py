"""``huddle demo`` brings a week of stand-up history for both teams, and stays idempotent."""

import sqlalchemy as sa

from core.demo import DEMO_PASSWORD
from core.extensions import db
from core.models import Team
from standup.models import ActionItem, CheckIn, Standup


def invoke(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def counts(app):
    with app.app_context():
        per_team = dict(
            db.session.execute(
                sa.select(Team.slug, sa.func.count(Standup.id))
                .join(Standup, Standup.team_id == Team.id)
                .where(Standup.status == "ended")
                .group_by(Team.slug)
            ).all()
        )
        total = [
            db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (Standup, CheckIn, ActionItem)
        ]
    return per_team, total


def test_demo_has_a_week_of_history_and_is_idempotent(app, client):
    assert invoke(app, "demo").exit_code == 0
    per_team, first = counts(app)
    assert set(per_team) == {"sao-paulo", "moscow"}
    assert all(n >= 4 for n in per_team.values())  # the weekdays of the past week
    assert invoke(app, "demo").exit_code == 0
    assert counts(app) == (per_team, first)
    with app.app_context():
        summaries = db.session.scalars(sa.select(Standup.summary).where(Standup.status == "ended"))
        assert all(s and s["attended"] for s in summaries)
        held = db.session.scalars(sa.select(Standup).where(Standup.status == "ended")).all()
        assert all(s.started_at < s.ended_at for s in held)  # run through, by the services
        assert all(s.facilitator.name in s.summary["attended"] for s in held)

    client.post("/auth/login", data={"email": "manager@huddle.example", "password": DEMO_PASSWORD})
    for url in (
        "/standup/sao-paulo/",
        "/standup/moscow/",
        "/standup/sao-paulo/history",
        "/standup/sao-paulo/settings",
        "/standup/away",
    ):
        assert client.get(url).status_code == 200, url
    history = client.get("/standup/moscow/history").get_data(as_text=True)
    assert "ended by the facilitator" in history
