"""Issue #17: an unclaimed low-rating alert is escalated in the working time of the managers' team:
never at night, on a weekend or a holiday, but at the start of the next working period."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from complaints.intake import services as intake
from core import clients
from core.extensions import db
from dashboard.scheduler.runner import run_job
from dashboard.scheduler.working_hours import parse_hours, working_from

SAO_PAULO = ZoneInfo("America/Sao_Paulo")


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant in March 2025 in São Paulo (UTC-3, no DST then), as UTC; the 7th is a Friday."""
    return datetime(2025, 3, day, hour, minute, tzinfo=SAO_PAULO).astimezone(UTC)


def low_rating(external_id: str, at: datetime, team=None):
    rating = intake.record_rating(
        clients.upsert_client(external_id, f"Client {external_id}"), 1, channel="api", now=at
    )
    if team is not None:
        intake.open_complaint_of(rating.client_id).team_id = team.id
    db.session.commit()
    return rating


def test_a_claim_due_on_friday_evening_waits_for_the_first_working_hour_after_the_holiday(
    app, db_session, make_team, make_holiday
):
    team = make_team(slug="sp", timezone="America/Sao_Paulo", workdays="12345")
    make_holiday(team, date(2025, 3, 10))  # Monday
    low_rating("late", local(7, 17, 45), team)  # due 18:15: after hours

    for quiet in (local(7, 18, 30), local(8, 12), local(9, 23), local(10, 10), local(11, 7, 59)):
        assert run_job("claim-watch", quiet) == ("done", "0 escalated"), quiet
    assert run_job("claim-watch", local(11, 8)) == ("done", "1 escalated")
    assert run_job("claim-watch", local(11, 8, 5)) == ("done", "0 escalated")  # once


def test_a_claim_due_in_working_hours_is_escalated_on_time(app, db_session, make_team):
    team = make_team(slug="sp", timezone="America/Sao_Paulo")
    low_rating("day", local(12, 10), team)  # Wednesday morning
    assert run_job("claim-watch", local(12, 10, 25)) == ("done", "0 escalated")
    assert run_job("claim-watch", local(12, 10, 31)) == ("done", "1 escalated")


def test_a_complaint_of_no_team_follows_the_managers_team_when_one_is_set(
    app, db_session, make_team
):
    make_team(slug="managers", timezone="America/Sao_Paulo")
    app.config["MANAGERS_TEAM"] = "managers"
    low_rating("night", local(12, 23))  # Wednesday night, no team on the complaint
    assert run_job("claim-watch", local(13, 2)) == ("done", "0 escalated")
    assert run_job("claim-watch", local(13, 8)) == ("done", "1 escalated")


def test_without_a_managers_team_the_clock_never_stops(app, db_session):
    low_rating("anytime", local(8, 22))  # Saturday night
    assert run_job("claim-watch", local(8, 22, 31)) == ("done", "1 escalated")


def test_working_from_and_the_hours_setting(make_team):
    team = make_team(slug="msk", timezone="Europe/Moscow", workdays="12345")
    hours = parse_hours("09:00-17:30")
    friday_evening = datetime(2025, 3, 7, 15, 0, tzinfo=UTC)  # 18:00 in Moscow
    assert working_from(team, friday_evening, hours) == datetime(2025, 3, 10, 6, 0, tzinfo=UTC)
    at_work = datetime(2025, 3, 7, 7, 0, tzinfo=UTC)
    assert working_from(team, at_work, hours) == at_work
    assert parse_hours("nonsense") == parse_hours("18:00-08:00") == parse_hours("")
