"""A stolen session or remember cookie stops working: password change, reset, deactivation, logout
everywhere. Links are built from HUDDLE_BASE_URL, never from the request's Host."""

import re

import pytest

from core.auth.services import reset_token
from core.extensions import db
from core.models import User
from core.urls import external_url
from tests.support.db import using
from tests.support.web import user_row

PASSWORD = "correct horse battery"
NEW = "another sturdy passphrase"


def log_in(client, user, remember=True):
    response = client.post(
        "/auth/login",
        data={"email": user.email, "password": PASSWORD, "remember": "y" if remember else ""},
    )
    assert response.status_code == 302
    return {c.key: c.value for c in client._cookies.values()}


def thief_with(app, cookies):
    """Another browser holding copies of the cookies (the session or only the remember cookie)."""
    thief = app.test_client()
    for name, value in cookies.items():
        thief.set_cookie(name, value)
    return thief


def is_in(client) -> bool:
    return client.get("/").status_code == 200


@pytest.mark.parametrize("only_remember", [False, True])
def test_log_out_everywhere_ends_stolen_sessions_and_remember_cookies(
    app, client, make_user, only_remember
):
    user = make_user("agent", password=PASSWORD)
    cookies = log_in(client, user)
    if only_remember:
        cookies = {"remember_token": cookies["remember_token"]}
    thief = thief_with(app, cookies)
    assert is_in(thief)
    client.post("/auth/logout-everywhere")
    assert not is_in(thief) and not is_in(client)


def test_a_password_change_ends_other_sessions_and_keeps_this_one(app, client, make_user):
    user = make_user("agent", password=PASSWORD)
    thief = thief_with(app, {"remember_token": log_in(client, user)["remember_token"]})
    wrong = client.post(
        "/auth/password", data={"current_password": "nope", "password": NEW, "confirm": NEW}
    )
    assert wrong.status_code == 400 and "not your current password" in wrong.text
    assert is_in(thief)
    done = client.post(
        "/auth/password", data={"current_password": PASSWORD, "password": NEW, "confirm": NEW}
    )
    assert done.status_code == 302
    assert is_in(client) and not is_in(thief)
    with using(app):
        assert db.session.get(User, user.id).check_password(NEW)


def test_deactivation_ends_the_persons_sessions(app, client, make_user, login_as):
    user = make_user("agent", password=PASSWORD)
    theirs = app.test_client()
    log_in(theirs, user)
    assert is_in(theirs)
    login_as("admin")
    client.post(
        f"/admin/users/{user.id}",
        data=user_row(user, "agent"),
    )
    assert not is_in(theirs)


def test_a_reset_link_works_once_and_ends_old_sessions(app, client, make_user):
    user = make_user("agent", password=PASSWORD)
    thief = thief_with(app, log_in(app.test_client(), user))
    with using(app):
        token = reset_token(db.session.get(User, user.id))
    assert client.get(f"/auth/reset/{token}").status_code == 200
    done = client.post(f"/auth/reset/{token}", data={"password": NEW, "confirm": NEW})
    assert done.status_code == 302 and not is_in(thief)
    assert client.get(f"/auth/reset/{token}").status_code == 404


def test_the_cli_prints_a_reset_link_on_the_configured_base_url(app, make_user):
    app.config["BASE_URL"] = "https://huddle.example.org"
    user = make_user("agent")
    result = app.test_cli_runner().invoke(args=["users", "reset-link", user.email])
    assert result.exit_code == 0
    assert re.fullmatch(r"https://huddle\.example\.org/auth/reset/\S+\n", result.output)


def test_links_ignore_a_forged_host_header(app):
    app.config["BASE_URL"] = "https://huddle.example.org"
    with app.test_request_context("/", headers={"Host": "evil.example"}):
        assert external_url("auth.login") == "https://huddle.example.org/auth/login"


def test_a_forged_host_changes_no_link_huddle_hands_out(app, client, login_as):
    """The survey link of the API and an invitation link, asked for with ``Host: evil.example``."""
    from core.api.tokens import create_token

    app.config["BASE_URL"] = "https://huddle.example.org"
    with using(app):
        token = create_token("crm-forged-host")
    evil = {"Host": "evil.example"}
    survey = client.post(
        "/api/v1/survey-links",
        json={"client": {"external_id": "c-host", "name": "Ana"}},
        headers={"Authorization": f"Bearer {token}", **evil},
    )
    assert survey.status_code == 201
    assert survey.json["url"].startswith("https://huddle.example.org/s/")
    # A page's form cannot come with a forged Host (the session cookie stays with the real one),
    # but its links do not follow the request's host either: the admin reached us as "localhost".
    login_as("admin")
    invited = client.post(
        "/admin/users",
        data={"email": "new@example.com", "name": "New", "role": "agent", "team_id": "0"},
    )
    assert "https://huddle.example.org/auth/invite/" in invited.text
    assert "http://localhost/auth/invite/" not in invited.text
