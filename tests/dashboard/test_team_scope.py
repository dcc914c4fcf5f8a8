"""#12: a team's settings, rotation, holidays and wish review change only by its managers or admins.

Every route that changes a team is tried by a manager of *another* team (403, nothing changed), by
the team's own manager and by an admin; the services refuse the same on their own (Slack and jobs
call them without a view in front).
"""

from datetime import time

import pytest
import sqlalchemy as sa

from core.audit import AuditEvent
from core.extensions import db
from core.models import Team
from standup import services as standup_services
from standup.rules import StandupForbidden
from tests.support.db import count, using
from wishes import calendar
from wishes import services as wish_services
from wishes.models import WishDecision, WishReview

SETTINGS = {
    "name": "Renamed",
    "slack_channel": "#stolen",
    "standup_time": "10:15",
    "timezone": "Europe/Moscow",
    "workdays": ["1", "2", "3"],
    "timebox_minutes": "10",
    "grace_minutes": "3",
    "holidays": "2026-12-31 New Year",
    "rotation": "",
}


@pytest.fixture
def teams(make_team):
    return make_team(slug="scope-a"), make_team(slug="scope-b")


def _settings_kept(app, team) -> bool:
    with using(app):
        saved = db.session.get(Team, team.id)
        return saved.name == team.name and saved.slack_channel == team.slack_channel


def test_another_teams_manager_cannot_open_or_change_its_settings(app, client, login_as, teams):
    a, b = teams
    login_as("manager", team_id=b.id)
    assert client.get(f"/standup/{a.slug}/settings").status_code == 403
    assert client.post(f"/standup/{a.slug}/settings", data=SETTINGS).status_code == 403
    assert _settings_kept(app, a)


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_the_teams_own_manager_and_an_admin_change_its_settings(app, client, login_as, teams, role):
    a, b = teams
    login_as(role, team_id=a.id if role == "manager" else b.id)
    assert client.get(f"/standup/{a.slug}/settings").status_code == 200
    assert client.post(f"/standup/{a.slug}/settings", data=SETTINGS).status_code == 302
    with using(app):
        assert db.session.get(Team, a.id).slack_channel == "#stolen"


def test_a_managers_change_of_the_settings_is_in_the_audit_trail(app, client, login_as, teams):
    """Only an admin's edit of a team was recorded: its own manager renamed it or moved its
    Slack channel (where its alerts go) without a trace. One event per save, old → new."""
    a, _b = teams
    manager = login_as("manager", team_id=a.id)
    assert client.post(f"/standup/{a.slug}/settings", data=SETTINGS).status_code == 302
    assert client.post(f"/standup/{a.slug}/settings", data=SETTINGS).status_code == 302
    with using(app):
        (event,) = db.session.scalars(sa.select(AuditEvent)).all()
        assert (event.actor_id, event.entity_id, event.action) == (manager.id, a.id, "changed")
        assert event.details["slack_channel"] == {"from": a.slack_channel, "to": "#stolen"}
        assert event.details["name"] == {"from": a.name, "to": "Renamed"}
        assert event.details["holidays"] == {"from": "", "to": "2026-12-31 New Year"}
        assert "rotation" not in event.details and "timezone" in event.details


def test_the_settings_service_refuses_another_teams_manager(app, teams, make_user):
    a, b = teams
    outsider = make_user("manager", team_id=b.id)
    with using(app), pytest.raises(StandupForbidden):
        standup_services.update_team_settings(
            db.session.get(Team, a.id),
            outsider,
            name="X",
            slack_channel="#x",
            standup_time=time(9, 0),
            timezone="UTC",
            workdays="12345",
            timebox_minutes=15,
            grace_minutes=5,
            holidays=[],
            rotation_emails=[],
        )
    assert _settings_kept(app, a)


def test_admin_team_pages_are_for_admins_only(app, client, login_as, teams):
    a, _other = teams
    login_as("manager", team_id=a.id)
    assert client.get("/admin/teams/").status_code == 403
    assert client.post(f"/admin/teams/{a.id}", data={"name": "X"}).status_code == 403
    assert client.post(f"/admin/teams/{a.id}/archive").status_code == 403
    assert client.post("/admin/teams/", data={"name": "X", "slug": "x"}).status_code == 403
    assert _settings_kept(app, a)


def test_another_teams_manager_cannot_decide_or_close_its_review(
    app, client, login_as, teams, wish_with_clients
):
    a, b = teams
    wish_id = wish_with_clients(2, "Dark mode")
    with using(app):
        on = calendar.next_review_on(db.session.get(Team, a.id)).isoformat()
    decision = {f"wish-{wish_id}-outcome": "will_do", f"wish-{wish_id}-reason": "Soon"}
    login_as("manager", team_id=b.id)
    assert "Record the decision" not in client.get(f"/wishes/review?team={a.slug}").text
    assert (
        client.post(f"/wishes/review/{a.slug}/{on}/wishes/{wish_id}", data=decision).status_code
        == 403
    )
    assert client.post(f"/wishes/review/{a.slug}/{on}/close").status_code == 403
    assert count(app, WishDecision) == 0 and count(app, WishReview) == 0
    login_as("manager", team_id=a.id)
    assert (
        client.post(f"/wishes/review/{a.slug}/{on}/wishes/{wish_id}", data=decision).status_code
        == 302
    )
    assert client.post(f"/wishes/review/{a.slug}/{on}/close").status_code == 200
    assert count(app, WishDecision) == 1


def test_another_team_cannot_answer_its_wish_already_possible(
    app, client, login_as, teams, make_user, wish_with_clients
):
    """ "Already possible" decides a wish as its review would, and took it off another team's
    review, its callbacks given to the answering team, whoever answered (an agent included)."""
    a, b = teams
    heard_by = make_user("agent", team_id=a.id)
    wish_id = wish_with_clients(2, "Dark mode", agent=heard_by)
    answer = {"how": "Settings → Appearance"}
    for role in ("agent", "manager"):
        login_as(role, team_id=b.id)
        assert client.post(f"/wishes/{wish_id}/already-possible", data=answer).status_code == 403
        # nor is it offered a form that can only be refused
        assert "/already-possible" not in client.get(f"/wishes/{wish_id}").text
    assert count(app, WishDecision) == 0
    with using(app), pytest.raises(wish_services.NotAllowed):
        outsider = make_user("manager", team_id=b.id)
        wish_services.answer_already_possible(wish_id, outsider, "Settings → Appearance")
    login_as("agent", team_id=a.id)
    assert "/already-possible" in client.get(f"/wishes/{wish_id}").text
    assert client.post(f"/wishes/{wish_id}/already-possible", data=answer).status_code == 200
    assert count(app, WishDecision) == 1


def test_the_review_services_refuse_another_teams_manager(app, teams, make_user, wish_with_clients):
    a, b = teams
    wish_id = wish_with_clients(1, "Invoices in PDF")
    outsider = make_user("manager", team_id=b.id)
    admin = make_user("admin", team_id=None)
    with using(app):
        team = db.session.get(Team, a.id)
        on = calendar.next_review_on(team)
        with pytest.raises(wish_services.NotAllowed):
            wish_services.decide(
                wish_id, outsider, team=team, review_on=on, outcome="wont_do", reason="No"
            )
        db.session.rollback()
        with pytest.raises(wish_services.NotAllowed):
            wish_services.close_review(team, on, outsider)
        db.session.rollback()
        wish_services.decide(
            wish_id, admin, team=team, review_on=on, outcome="wont_do", reason="No"
        )
    assert count(app, WishDecision) == 1
