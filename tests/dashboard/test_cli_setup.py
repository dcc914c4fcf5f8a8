"""A real team from zero with commands only: ``huddle teams create``, then ``huddle users create``."""

from datetime import time
from decimal import Decimal

import sqlalchemy as sa

from core.extensions import db
from core.models import Team, User

PASSWORD = "a sturdy passphrase"


def invoke(app, *args, input=None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def test_a_scripted_install_teams_create_then_users_create_then_log_in(app, client):
    made = invoke(
        app,
        "teams",
        "create",
        "support-eu",
        "--name",
        "Support EU",
        "--timezone",
        "Europe/Lisbon",
        "--time",
        "09:15",
        "--workdays",
        "mon,tue,wed,thu",
        "--channel",
        "#support-eu",
    )
    assert made.exit_code == 0, made.output
    person = invoke(
        app,
        *("users", "create", "lead@example.com", "--role", "manager", "--team", "support-eu"),
        *("--limit", "49.90", "--password", PASSWORD),
    )
    assert person.exit_code == 0, person.output
    with app.app_context():
        team = db.session.scalar(sa.select(Team).where(Team.slug == "support-eu"))
        user = db.session.scalar(sa.select(User).where(User.email == "lead@example.com"))
        assert (team.name, team.timezone, team.standup_time, team.workdays) == (
            "Support EU",
            "Europe/Lisbon",
            time(9, 15),
            "1234",
        )
        assert team.slack_channel == "#support-eu"
        assert user.team_id == team.id and user.compensation_limit == Decimal("49.90")
    listed = invoke(app, "teams", "list")
    assert "support-eu" in listed.output and "09:15 Europe/Lisbon" in listed.output

    login = client.post("/auth/login", data={"email": "lead@example.com", "password": PASSWORD})
    assert login.status_code == 302
    board = client.get("/standup/support-eu/")
    assert board.status_code == 200 and "Support EU" in board.text


def test_users_create_asks_for_the_password_when_not_given(app):
    invoke(app, "teams", "create", "t1", "--name", "T1", "--timezone", "UTC", "--time", "10:00")
    result = invoke(
        app, "users", "create", "a@example.com", "--team", "t1", input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "a@example.com"))
        assert user.check_password(PASSWORD) and user.team.slug == "t1"


def test_teams_create_explains_what_is_wrong(app):
    base = ["teams", "create", "ok", "--name", "OK", "--timezone", "UTC", "--time", "09:30"]
    assert invoke(app, *base).exit_code == 0
    cases = {
        "Another team already uses this short name": base,
        "Unknown timezone": [*base[:2], "x", *base[3:5], "--timezone", "Mars/Base", *base[7:]],
        "HH:MM": [*base[:2], "y", *base[3:7], "--time", "25:99"],
        "Unknown workday": [*base[:2], "z", *base[3:], "--workdays", "mon,funday"],
        "lower-case letters": [*base[:2], "Bad Slug!", *base[3:]],
    }
    for message, args in cases.items():
        result = invoke(app, *args)
        assert result.exit_code == 2 and message in result.output, (message, result.output)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Team.id))) == 1


def test_users_create_refuses_a_bad_limit_and_an_unknown_team(app):
    args = ["users", "create", "b@example.com", "--password", PASSWORD]
    bad = invoke(app, *args, "--limit", "12.345")
    assert bad.exit_code == 1 and "two decimals" in bad.output
    negative = invoke(app, *args, "--limit", "-5")
    assert negative.exit_code == 1 and "zero or more" in negative.output
    word = invoke(app, *args, "--limit", "lots")
    assert word.exit_code == 2 and "not an amount" in word.output
    team = invoke(app, *args, "--team", "nope")
    assert team.exit_code == 2 and "no team with slug" in team.output
