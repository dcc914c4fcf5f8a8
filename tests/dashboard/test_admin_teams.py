"""The admin's teams page, the people rows' profile fields, and a person's own Slack user id."""

from datetime import time
from decimal import Decimal

import sqlalchemy as sa

from core.audit import AuditEvent
from core.extensions import db
from core.models import Team, User
from dashboard.scheduler.jobs import load_teams
from standup import queries as standup_queries
from tests.support.queries import statements_for
from tests.support.web import user_row

HX = {"HX-Request": "true"}


def team_data(prefix: str, **overrides) -> dict:
    data = {
        "name": "Support EU",
        "slug": "support-eu",
        "slack_channel": "#support-eu",
        "standup_time": "09:15",
        "timezone": "Europe/Lisbon",
        "workdays": ["1", "2", "3", "4"],
        "timebox_minutes": "20",
        "grace_minutes": "3",
        **overrides,
    }
    return {f"{prefix}-{key}": value for key, value in data.items()}


def audit_actions(app, entity_type: str, entity_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(AuditEvent.action).where(
                    AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id
                )
            )
        )


def test_only_admins_open_the_teams_page(client, login_as):
    login_as("manager")
    assert client.get("/admin/teams/").status_code == 403
    assert client.post("/admin/teams/", data=team_data("new")).status_code == 403


def test_admin_creates_a_team_in_place(app, client, login_as):
    login_as("admin")
    assert client.get("/admin/teams/").status_code == 200
    response = client.post("/admin/teams/", data=team_data("new"), headers=HX)
    assert response.status_code == 201 and 'id="teams"' in response.text
    assert "<html" not in response.text
    with app.app_context():
        team = db.session.scalar(sa.select(Team).where(Team.slug == "support-eu"))
        assert (team.standup_time, team.timezone, team.workdays) == (
            time(9, 15),
            "Europe/Lisbon",
            "1234",
        )
        assert (team.timebox_minutes, team.grace_minutes, team.slack_channel) == (
            20,
            3,
            "#support-eu",
        )
    assert "created" in audit_actions(app, "team", team.id)


def test_bad_team_input_is_shown_next_to_the_field_and_kept(app, client, login_as, make_team):
    login_as("admin")
    make_team(slug="taken")
    response = client.post(
        "/admin/teams/", data=team_data("new", slug="taken", name="Kept Name"), headers=HX
    )
    assert response.status_code == 400 and "already uses this short name" in response.text
    assert 'value="Kept Name"' in response.text
    no_days = team_data("new", slug="fresh")
    del no_days["new-workdays"]
    assert client.post("/admin/teams/", data=no_days, headers=HX).status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Team.id))) == 1


def test_admin_edits_a_team_through_the_standup_settings_and_it_is_audited(
    app, client, login_as, make_team
):
    login_as("admin")
    team = make_team(slug="old-slug", name="Old", timezone="UTC")
    response = client.post(
        f"/admin/teams/{team.id}",
        data=team_data(f"t{team.id}", slug="new-slug", name="New"),
        headers=HX,
    )
    assert response.status_code == 200 and f'id="team-{team.id}"' in response.text
    with app.app_context():
        changed = db.session.get(Team, team.id)
        assert (changed.slug, changed.name, changed.timezone) == (
            "new-slug",
            "New",
            "Europe/Lisbon",
        )
        event = db.session.scalar(
            sa.select(AuditEvent).where(
                AuditEvent.entity_type == "team", AuditEvent.action == "changed"
            )
        )
        assert event.details["slug"] == {"from": "old-slug", "to": "new-slug"}
    bad = client.post(
        f"/admin/teams/{team.id}",
        data=team_data(f"t{team.id}", timebox_minutes="90"),
        headers=HX,
    )
    assert bad.status_code == 400


def test_an_archived_team_gets_no_jobs_and_leaves_the_standup_list_but_keeps_its_page(
    app, client, login_as, make_team
):
    login_as("admin")
    kept, gone = make_team(name="Kept"), make_team(name="Gone")
    response = client.post(f"/admin/teams/{gone.id}/archive", data={"archived": "1"}, headers=HX)
    assert response.status_code == 200 and "Bring back" in response.text
    with app.app_context():
        assert [t.id for t in load_teams()] == [kept.id]
        assert [t.id for t in standup_queries.teams()] == [kept.id]
    assert "Gone" not in client.get("/standup/teams").text
    assert client.get(f"/standup/{gone.slug}/history").status_code == 200
    assert "archived" in audit_actions(app, "team", gone.id)
    client.post(f"/admin/teams/{gone.id}/archive", data={"archived": "0"}, headers=HX)
    with app.app_context():
        assert db.session.get(Team, gone.id).archived_at is None


def test_admin_sets_limit_slack_id_timezone_and_language_on_a_person(
    app, client, login_as, make_user
):
    login_as("admin")
    user = make_user("manager")
    data = user_row(
        user,
        "manager",
        active="y",
        compensation_limit="75.50",
        slack_user_id="u024be7lh",
        timezone="Europe/Lisbon",
        locale="pt_BR",
    )
    response = client.post(f"/admin/users/{user.id}", data=data, headers=HX)
    assert response.status_code == 200
    with app.app_context():
        changed = db.session.get(User, user.id)
        assert (changed.compensation_limit, changed.slack_user_id) == (
            Decimal("75.50"),
            "U024BE7LH",
        )
        assert (changed.timezone, changed.locale) == ("Europe/Lisbon", "pt_BR")
    assert "profile_changed" in audit_actions(app, "user", user.id)


def test_bad_person_fields_are_refused_next_to_the_field(app, client, login_as, make_user):
    login_as("admin")
    make_user("agent", slack_user_id="UTAKEN1")
    user = make_user("agent")
    p = f"u{user.id}"
    base = user_row(user, "agent", active="y")
    cases = {
        "two decimals": {f"{p}-compensation_limit": "1.234"},
        "Enter 0 or more": {f"{p}-compensation_limit": "-1"},
        "starts with U or W": {f"{p}-slack_user_id": "ana.lima"},
        "already has this Slack user id": {f"{p}-slack_user_id": "utaken1"},
        "Not a valid choice": {f"{p}-locale": "xx"},
    }
    for message, extra in cases.items():
        response = client.post(f"/admin/users/{user.id}", data={**base, **extra}, headers=HX)
        assert response.status_code == 400 and message in response.text, message
    with app.app_context():
        kept = db.session.get(User, user.id)
        assert (kept.compensation_limit, kept.slack_user_id) == (None, None)


def test_a_person_sets_their_own_slack_user_id(app, client, login_as, make_user):
    make_user("agent", slack_user_id="WTAKEN2")
    user = login_as("agent")
    assert "Slack user id" in client.get("/auth/account").text
    form = {"name": user.name, "timezone": "", "locale": ""}
    taken = client.post("/auth/account", data={**form, "slack_user_id": "WTAKEN2"})
    assert taken.status_code == 400 and "already has this Slack user id" in taken.text
    bad = client.post("/auth/account", data={**form, "slack_user_id": "@ana"})
    assert bad.status_code == 400 and 'value="@ana"' in bad.text
    saved = client.post("/auth/account", data={**form, "slack_user_id": " u0ana1 "})
    assert saved.status_code == 302
    with app.app_context():
        saved_user = db.session.get(User, user.id)
        # It waits for that Slack user's click (tests/slack/test_account_link.py).
        assert (saved_user.slack_user_id, saved_user.pending_slack_user_id) == (None, "U0ANA1")
    assert "slack_user_id_requested" in audit_actions(app, "user", user.id)


def test_the_people_page_reads_the_same_statements_and_one_timezone_list_for_any_number(
    app, client, login_as, make_user, make_team
):
    """Each person's row read the teams again and carried its own ~600 timezones (384 kB and
    80 ms for 11 people): the teams are read once, and one list of timezones serves every row."""
    login_as("admin")
    make_team()
    make_user("agent")
    few = statements_for(app, client, "/admin/users")
    for n in range(8):
        make_user("agent", name=f"Agent {n}")
    many = statements_for(app, client, "/admin/users")
    assert many == few
    page = client.get("/admin/users").text
    assert page.count('value="Europe/Lisbon"') == 1
    assert page.count('list="timezones"') >= 10


def test_a_timezone_not_in_the_list_is_refused_next_to_the_field(app, client, login_as, make_user):
    login_as("admin")
    user = make_user("agent")
    data = {**user_row(user, "agent", active="y"), f"u{user.id}-timezone": "Mars/Olympus"}
    response = client.post(f"/admin/users/{user.id}", data=data, headers=HX)
    assert response.status_code in (400, 422)
    assert (
        "Choose a timezone from the list." in response.text
        and 'value="Mars/Olympus"' in response.text
    )
    with app.app_context():
        assert db.session.get(User, user.id).timezone is None
