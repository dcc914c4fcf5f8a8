"""Two "Start the stand-up" clicks at once (issue #11), through the real app on two threads, on
SQLite and on PostgreSQL, committed for real: the meeting starts once, the other click is told it
has already started (not a 5xx), and nothing is written twice."""

import threading
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from core.database import utcnow
from core.extensions import db
from core.models import Team
from standup import queries, schedule, services
from standup.models import AgendaItem, Attendance, RotationEntry, Standup
from tests.support.factories import build_user

HX = {"HX-Request": "true"}


def _meeting(app, n: int):
    """Today's planned stand-up of a team of three; returns the team's slug, the day and its lead."""
    with app.app_context():
        team = Team(slug=f"start-race-{n}", name="Start Race", workdays="1234567")
        db.session.add(team)
        db.session.flush()
        people = [build_user(team_id=team.id, name=f"Person {c}") for c in "ABC"]
        db.session.add_all(people)
        db.session.flush()
        db.session.add_all(
            RotationEntry(team_id=team.id, user_id=person.id, position=position)
            for position, person in enumerate(people)
        )
        db.session.commit()
        on = schedule.local_date(team, utcnow())
        standup = services.open_board(team, on, utcnow())
        lead = db.session.get(type(people[0]), standup.facilitator_id)
        db.session.refresh(lead)
        db.session.expunge(lead)
        slug = team.slug
        db.session.remove()
    return slug, on, lead


def _both_at_once(app, lead, url: str, headers: dict) -> list:
    clients = [app.test_client() for _ in range(2)]
    for client in clients:
        client.log_in(lead)  # the facilitator, on two screens
    barrier = threading.Barrier(2)

    def click(client):
        barrier.wait(10)
        return client.post(url, headers=headers)

    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(click, clients))


def _assert_started_once(app, slug: str, on) -> None:
    with app.app_context():
        standup = db.session.scalar(
            sa.select(Standup).join(Team, Team.id == Standup.team_id).where(Team.slug == slug)
        )
        assert standup.status == "live" and standup.on == on
        attendance = db.session.scalars(
            sa.select(Attendance.user_id).where(Attendance.standup_id == standup.id)
        ).all()
        assert len(attendance) == len(set(attendance)) == 3
        started = db.session.scalars(
            sa.select(AgendaItem.id).where(
                AgendaItem.standup_id == standup.id, AgendaItem.started_at.is_not(None)
            )
        ).all()
        assert len(started) == 1
        assert len(queries.agenda_items(standup.id)) == len(
            {item.position for item in queries.agenda_items(standup.id)}
        )
        db.session.remove()


def test_two_start_clicks_at_once_start_the_standup_once(committed_app):
    slug, on, lead = _meeting(committed_app, 1)
    url = f"/standup/{slug}/{on.isoformat()}/start"
    answers = _both_at_once(committed_app, lead, url, HX)

    assert sorted(answer.status_code for answer in answers) == [200, 422]
    loser = next(answer for answer in answers if answer.status_code == 422)
    assert "This stand-up has already started." in loser.get_data(as_text=True)
    _assert_started_once(committed_app, slug, on)


def test_two_start_clicks_at_once_without_javascript(committed_app):
    """The plain form posts: both go back to the board, the loser with the message flashed."""
    slug, on, lead = _meeting(committed_app, 2)
    url = f"/standup/{slug}/{on.isoformat()}/start"
    answers = _both_at_once(committed_app, lead, url, {})

    assert [answer.status_code for answer in answers] == [302, 302]
    _assert_started_once(committed_app, slug, on)
