"""Rituals figures on a data set whose answers are known by construction (SQLite and PostgreSQL)."""

from datetime import UTC, date, datetime, timedelta

from core.extensions import db
from dashboard.insights.periods import Period
from dashboard.insights.rituals import compute
from standup.models import ActionItem, Attendance, CheckIn, Holiday, Standup
from tests.support.db import using
from wishes.models import Wish, WishRequest

MONDAY = date(2026, 3, 2)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def test_rituals_figures(app, make_team, make_user, login_as, client):
    team = make_team(workdays="12345", timezone="UTC")
    ana = make_user("agent", name="Ana", team_id=team.id)
    bo = make_user("agent", name="Bo", team_id=team.id)
    with using(app):
        db.session.add(Holiday(team_id=team.id, on=MONDAY + timedelta(days=2)))
        standups = []
        for offset, minutes in ((0, 10), (1, 14), (3, 20), (4, None)):
            day = MONDAY + timedelta(days=offset)
            s = Standup(
                team_id=team.id,
                on=day,
                status="ended",
                starts_at=at(day, 9),
                since_at=at(day, 0),
                timebox_seconds=900,
            )
            if minutes is not None:
                s.started_at, s.ended_at = at(day, 9), at(day, 9, minutes)
            db.session.add(s)
            standups.append(s)
        db.session.flush()
        held = standups[:3]
        for s in held:
            db.session.add(Attendance(standup_id=s.id, user_id=ana.id, present=True))
            db.session.add(CheckIn(standup_id=s.id, user_id=ana.id, today="work"))
        db.session.add(Attendance(standup_id=held[0].id, user_id=bo.id, present=True))
        db.session.add(Attendance(standup_id=held[1].id, user_id=bo.id, present=False))
        db.session.add(CheckIn(standup_id=held[0].id, user_id=bo.id, today="work"))
        for text, due_in, done_at in (
            ("on time", 3, at(MONDAY + timedelta(days=3), 17)),
            ("late", 1, at(MONDAY + timedelta(days=2), 8)),
            ("due later", 30, None),
        ):
            db.session.add(
                ActionItem(
                    team_id=team.id,
                    standup_id=held[0].id,
                    text=text,
                    due_on=MONDAY + timedelta(days=due_in),
                    done_at=done_at,
                )
            )
        db.session.commit()

        week = compute(Period(MONDAY, MONDAY + timedelta(days=6), "UTC"), team.id)
        assert (week.workdays, week.held) == (4, 3)
        assert week.median_minutes == 14 and week.median_timebox_minutes == 15
        people = {p.name: (p.meetings, p.attended, p.checked_in) for p in week.people}
        assert people == {"Ana": (3, 3, 3), "Bo": (3, 1, 1)}
        assert (week.action_items_due, week.action_items_on_time) == (2, 1)
        assert week.action_items_on_time_share == 0.5
        assert week.callbacks_on_time_share is None
        assert week.requests_reached == 0

        empty = compute(Period(date(2025, 1, 6), date(2025, 1, 6), "UTC"), team.id)
        assert (empty.held, empty.median_minutes, empty.people) == (0, None, [])

    login_as("manager")
    page = client.get(
        f"/insights/?start={MONDAY.isoformat()}&end={(MONDAY + timedelta(days=6)).isoformat()}&team={team.id}"
    )
    assert page.status_code == 200
    assert "Rituals" in page.text and "3 / 4" in page.text


def test_a_wish_becomes_a_request_when_its_third_client_asks(app, make_client):
    with using(app):
        wish = Wish(title="Invoices in PDF")
        db.session.add(wish)
        db.session.flush()
        for day in (1, 5, 9, 10):  # the third distinct client asks on March 9th
            client = make_client()
            db.session.add(
                WishRequest(
                    wish_id=wish.id, client_id=client.id, asked_at=at(date(2026, 3, day), 12)
                )
            )
        db.session.commit()
        assert (
            compute(Period(date(2026, 3, 8), date(2026, 3, 14), "UTC"), None).requests_reached == 1
        )
        assert (
            compute(Period(date(2026, 3, 1), date(2026, 3, 7), "UTC"), None).requests_reached == 0
        )
