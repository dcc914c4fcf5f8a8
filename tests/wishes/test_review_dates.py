"""The next review date, on each team's own calendar (SQLite and PostgreSQL)."""

from datetime import UTC, date, datetime

import pytest

from tests.support.db import using
from tests.support.wishes import REVIEW_DAY
from wishes import calendar, services

TUESDAY = REVIEW_DAY  # 1 December 2026


@pytest.fixture
def at(monkeypatch):
    """Freeze "now" for the calendar at an instant given in UTC."""

    def freeze(*parts):
        instant = datetime(*parts, tzinfo=UTC)
        monkeypatch.setattr(calendar, "utcnow", lambda: instant)
        return instant

    return freeze


@pytest.fixture
def teams(make_team):
    return {
        "sp": make_team(slug="sp-dates", timezone="America/Sao_Paulo"),
        "msk": make_team(slug="msk-dates", timezone="Europe/Moscow"),
    }


def test_review_day_today_is_today_in_the_team_timezone(app, at, teams):
    at(2026, 12, 1, 22, 0)  # Tuesday 19:00 in São Paulo; already Wednesday 01:00 in Moscow
    with using(app):
        assert calendar.next_review_on(teams["sp"]) == TUESDAY
        assert calendar.next_review_on(teams["msk"]) == date(2026, 12, 8)


def test_the_day_before_is_the_coming_review_everywhere(app, at, teams):
    at(2026, 11, 30, 12, 0)  # Monday everywhere
    with using(app):
        assert calendar.next_review_on(teams["sp"]) == TUESDAY
        assert calendar.next_review_on(teams["msk"]) == TUESDAY


def test_late_monday_in_sao_paulo_is_already_review_day_in_moscow(app, at, teams):
    at(2026, 11, 30, 22, 30)  # Monday 19:30 in São Paulo, Tuesday 01:30 in Moscow
    with using(app):
        assert calendar.next_review_on(teams["sp"]) == TUESDAY
        assert calendar.next_review_on(teams["msk"]) == TUESDAY
        assert calendar.team_today(teams["sp"]) == date(2026, 11, 30)
        assert calendar.team_today(teams["msk"]) == TUESDAY


def test_after_todays_review_is_closed_the_next_one_is_next_week(app, at, teams, make_user):
    at(2026, 12, 1, 12, 0)
    with using(app):
        manager = make_user("manager", team_id=teams["sp"].id)
        services.close_review(teams["sp"], TUESDAY, manager)
        assert calendar.next_review_on(teams["sp"]) == date(2026, 12, 8)
        assert calendar.next_review_on(teams["msk"]) == TUESDAY


@pytest.mark.parametrize("app_config", [{"WISH_REVIEW_DAY": "friday"}])
def test_the_review_day_is_configurable(app, teams):
    with using(app):
        assert calendar.next_review_on(teams["sp"], today=TUESDAY) == date(2026, 12, 4)
        assert calendar.next_review_on(teams["sp"], today=date(2026, 12, 4)) == date(2026, 12, 4)
        assert calendar.next_review_on(teams["sp"], today=date(2026, 12, 5)) == date(2026, 12, 11)


def test_review_eve_is_the_working_day_before(app, make_team):
    team = make_team(workdays="12345")
    with using(app):
        assert calendar.is_review_eve_or_day(team, TUESDAY)
        assert calendar.is_review_eve_or_day(team, date(2026, 11, 30))  # Monday
        assert not calendar.is_review_eve_or_day(team, date(2026, 11, 29))  # Sunday
        assert not calendar.is_review_eve_or_day(team, date(2026, 12, 2))  # Wednesday


@pytest.mark.parametrize("app_config", [{"WISH_REVIEW_DAY": "monday"}])
def test_the_eve_of_a_monday_review_is_friday(app, make_team):
    team = make_team(workdays="12345")
    with using(app):
        assert calendar.is_review_eve_or_day(team, date(2026, 11, 27))  # Friday
        assert calendar.is_review_eve_or_day(team, date(2026, 11, 28))  # Saturday: off, still eve
        assert not calendar.is_review_eve_or_day(team, date(2026, 11, 26))  # Thursday


def test_callbacks_are_due_within_two_working_days(app, make_team):
    team = make_team(workdays="12345")
    six_days = make_team(workdays="123456")
    with using(app):
        assert calendar.add_working_days(TUESDAY, 2, team) == date(2026, 12, 3)  # Thursday
        assert calendar.add_working_days(date(2026, 12, 4), 2, team) == date(2026, 12, 8)
        assert calendar.add_working_days(date(2026, 12, 4), 2, six_days) == date(2026, 12, 7)
