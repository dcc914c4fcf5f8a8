"""Logging in and out, login required by default, roles, rate limits and invitations."""

import pytest
import sqlalchemy as sa

from core.auth.services import invite_token
from core.extensions import db
from core.models import User
from core.throttle import ThrottleCounter
from tests.support import PASSWORD


def test_anonymous_visitor_is_sent_to_login(client, make_user):
    make_user("agent")  # on a database with nobody in it, the set-up page comes first instead
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")


def test_anonymous_visitor_is_sent_to_login_from_admin_pages_too(client, make_user):
    make_user("agent")
    assert client.get("/admin/users").headers["Location"].startswith("/auth/login")


def test_login_then_today_then_logout(client, make_user):
    user = make_user("agent", name="Ana Lima")
    response = client.post("/auth/login", data={"email": user.email.upper(), "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    today = client.get("/")
    assert today.status_code == 200 and "Ana Lima" in today.text
    assert client.post("/auth/logout").status_code == 302
    assert client.get("/").status_code == 302


def test_login_follows_next_only_within_the_site(client, make_user):
    user = make_user("agent")
    data = {"email": user.email, "password": PASSWORD}
    assert (
        client.post("/auth/login?next=/admin/users", data=data).headers["Location"]
        == "/admin/users"
    )
    client.post("/auth/logout")
    evil = client.post("/auth/login?next=//evil.example/x", data=data)
    assert evil.headers["Location"] == "/"


def test_wrong_password_is_refused_next_to_the_field_and_keeps_the_email(client, make_user):
    user = make_user("agent")
    response = client.post("/auth/login", data={"email": user.email, "password": "wrong"})
    assert response.status_code == 401
    assert "do not match an account" in response.text
    assert f'value="{user.email}"' in response.text


def test_invalid_email_is_explained(client):
    response = client.post("/auth/login", data={"email": "not-an-email", "password": "x"})
    assert response.status_code == 400
    assert "Invalid email address" in response.text


def test_deactivated_user_cannot_log_in_and_is_not_told_the_password_was_right(client, make_user):
    user = make_user("agent", active=False)
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    wrong = client.post("/auth/login", data={"email": user.email, "password": "not it at all"})
    assert response.status_code == wrong.status_code == 401
    assert "deactivated" not in response.text
    assert "do not match an account" in response.text


@pytest.fixture
def app_config():
    return {"LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS": 3, "LOGIN_MAX_FAILURES_PER_ADDRESS": 5}


def test_login_attempts_are_limited_per_account(client, make_user):
    user = make_user("agent")
    for _ in range(3):
        client.post("/auth/login", data={"email": user.email, "password": "wrong"})
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed attempts" in response.text


def test_login_attempts_are_limited_per_address(app, client, make_user):
    user = make_user("agent")
    for n in range(5):
        client.post("/auth/login", data={"email": f"guess{n}@example.com", "password": "x"})
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 429
    with app.app_context():
        counted = db.session.scalar(
            sa.select(ThrottleCounter.count).where(ThrottleCounter.bucket == "login-address")
        )
    assert counted == 6  # five guesses and the refused sixth


@pytest.mark.parametrize("role", ["agent", "manager"])
def test_non_admins_cannot_open_admin_pages(client, login_as, role):
    login_as(role)
    assert client.get("/admin/users").status_code == 403
    assert client.post("/admin/users", data={"email": "x@example.com"}).status_code == 403


def test_admin_can_open_admin_pages(client, login_as):
    login_as("admin")
    assert client.get("/admin/users").status_code == 200


def test_invitation_link_sets_a_password_once(app, client, make_user):
    user = make_user("agent", password="")
    with app.app_context():
        invited = db.session.get(User, user.id)
        invited.password_hash = None
        db.session.commit()
        token = invite_token(invited)
    page = client.get(f"/auth/invite/{token}")
    assert page.status_code == 200 and "Choose a password" in page.text
    short = client.post(f"/auth/invite/{token}", data={"password": "short", "confirm": "short"})
    assert short.status_code == 400 and "at least 12" in short.text
    done = client.post(
        f"/auth/invite/{token}",
        data={"password": "a long passphrase", "confirm": "a long passphrase"},
    )
    assert done.status_code == 302
    client.post("/auth/logout")
    assert client.get(f"/auth/invite/{token}").status_code == 404


def test_forged_invitation_link_is_refused(client):
    assert client.get("/auth/invite/not-a-real-token").status_code == 404


def test_people_set_their_own_timezone_and_name(app, client, login_as, make_team):
    team = make_team(timezone="Europe/Moscow")
    user = login_as("agent", team_id=team.id)
    assert client.get("/auth/account").status_code == 200
    response = client.post(
        "/auth/account", data={"name": "Olga I.", "timezone": "America/Sao_Paulo", "locale": "en"}
    )
    assert response.status_code == 302
    with app.app_context():
        saved = db.session.get(User, user.id)
        assert (saved.name, saved.timezone, saved.locale) == ("Olga I.", "America/Sao_Paulo", "en")


def test_bad_timezone_is_refused_next_to_the_field(app, client, login_as):
    user = login_as("agent")
    response = client.post(
        "/auth/account", data={"name": "Typed Name", "timezone": "Mars/Olympus", "locale": ""}
    )
    assert response.status_code == 400
    assert "Choose a timezone from the list" in response.text
    assert 'value="Typed Name"' in response.text
    with app.app_context():
        assert db.session.get(User, user.id).timezone is None


def test_an_htmx_request_without_a_session_is_told_to_open_the_login_page(client, make_user):
    """A block refreshing or a button pressed after the session ended: no login page swapped into
    the block, but ``HX-Redirect`` to the login page, back to the page that was open after it."""
    make_user("agent")
    response = client.get(
        "/today/my-follow-ups",
        headers={"HX-Request": "true", "HX-Current-URL": "http://localhost/complaints/?view=mine"},
    )
    assert response.status_code == 401 and response.text == ""
    assert response.headers["HX-Redirect"] == "/auth/login?next=/complaints/?view%3Dmine"
    without_page = client.get("/today/unowned", headers={"HX-Request": "true"})
    assert without_page.headers["HX-Redirect"] == "/auth/login"
    # every block of Today refreshes at once and the browser may load the login page once per
    # block: whichever load stays says why, once
    for _block in range(2):
        login_page = client.get(response.headers["HX-Redirect"]).text
        assert login_page.count("Please log in to open this page.") == 1
    assert "Please log in to open this page." not in client.get("/auth/login").text


@pytest.mark.parametrize("current", ["http://[::1", "http://[x]/complaints/"])
def test_an_htmx_request_naming_no_url_is_still_sent_to_the_login_page(client, make_user, current):
    make_user("agent")
    response = client.get("/complaints/", headers={"HX-Request": "true", "HX-Current-URL": current})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/auth/login"


def test_a_page_request_without_a_session_is_still_redirected(client, make_user):
    make_user("agent")
    response = client.get("/complaints/?view=mine")
    assert response.status_code == 302 and "HX-Redirect" not in response.headers
    assert response.headers["Location"].startswith("/auth/login?next=")
    login_page = client.get(response.headers["Location"]).text
    assert login_page.count("Please log in to open this page.") == 1  # flashed and said once
