"""Production refuses what would make it unsafe, and logged-in pages leave nothing behind."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from complaints.intake.survey import issue_link
from core.auth.services import invite_token, reset_token
from core.config import ConfigError
from core.extensions import db
from core.mail.subscriptions import unsubscribe_token
from core.models import Client, User
from dashboard import create_app
from tests.support.db import using


def production(**config):
    return create_app(
        {"SQLALCHEMY_DATABASE_URI": "sqlite://", "BASE_URL": "https://huddle.example", **config}
    )


def test_a_short_secret_key_stops_the_app_with_a_clear_message():
    with pytest.raises(ConfigError, match="at least 32"):
        production(SECRET_KEY="x")
    assert production(SECRET_KEY="k" * 32).config["SECRET_KEY"] == "k" * 32


def test_the_demo_refuses_to_run_outside_development():
    app = production(SECRET_KEY="k" * 40)
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code != 0
    assert "HUDDLE_ENV=development" in result.output and "--force" in result.output


@pytest.mark.parametrize("password", ["aaaaaaaaaaaaaa", "short", "1q2w3e4r5t6y"])
def test_weak_or_common_passwords_are_refused(app, client, make_user, password):
    from core.auth.services import invite_token
    from tests.support.db import using

    user = make_user("agent", password="")
    with using(app):
        token = invite_token(user)
    response = client.post(
        f"/auth/invite/{token}", data={"password": password, "confirm": password}
    )
    assert response.status_code == 400
    accepted = client.post(
        f"/auth/invite/{token}",
        data={"password": "a sturdy passphrase", "confirm": "a sturdy passphrase"},
    )
    assert accepted.status_code == 302


def test_logged_in_pages_are_not_cached_and_not_kept_in_htmx_history(client, login_as):
    public = client.get("/auth/login")
    assert "no-store" not in public.headers.get("Cache-Control", "")
    login_as("agent")
    page = client.get("/")
    assert page.headers["Cache-Control"] == "no-store"
    assert 'hx-history="false"' in page.text


def test_pages_opened_by_a_signed_link_are_not_cached_either(app, client, make_client, make_user):
    """Nobody is logged in there, yet the page names our client (the survey, the unsubscribe
    page) or the person (a password link): a shared or back-button cache must not keep it, nor
    its answers, the link's error pages included."""
    client_id = make_client(name="Pedro", email="pedro@example.com").id
    invited, reset = make_user("agent"), make_user("agent")
    with using(app):
        _link, survey = issue_link(client_id, order_ref="ORD-7")
        db.session.commit()
        unsubscribe = unsubscribe_token(db.session.get(Client, client_id))
        invitation = invite_token(db.session.get(User, invited.id))
        password = reset_token(db.session.get(User, reset.id))
    pages = {
        f"/s/{survey}": 200,
        f"/unsubscribe/{unsubscribe}": 200,
        f"/auth/invite/{invitation}": 200,
        f"/auth/reset/{password}": 200,
        "/s/forged": 404,
        "/unsubscribe/forged": 404,
    }
    for path, status in pages.items():
        page = client.get(path)
        assert page.status_code == status
        assert page.headers.get("Cache-Control") == "no-store", path
    answer = client.post(f"/unsubscribe/{unsubscribe}", csrf=False)
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/write-to-us").headers.get("Cache-Control", "")


def test_keep_me_logged_in_lasts_thirty_days_at_most(client, make_user):
    user = make_user("agent", password="correct horse battery")
    response = client.post(
        "/auth/login",
        data={"email": user.email, "password": "correct horse battery", "remember": "y"},
    )
    cookie = next(
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token=")
    )
    expires = re.search(r"Expires=([^;]+)", cookie).group(1)
    until = datetime.strptime(expires, "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=UTC)
    assert until <= datetime.now(UTC) + timedelta(days=30, minutes=1)


def test_api_answers_to_a_token_are_not_cached_either(client, api_headers):
    # They carry our clients' names and words as the pages do (issue #16 made this explicit)
    answer = client.get("/api/v1/complaints", headers=api_headers)
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    document = client.get("/api/v1/openapi.json")  # public: no token, nothing personal
    assert "no-store" not in document.headers.get("Cache-Control", "")


def test_the_session_signer_is_built_once_per_set_of_keys(app, client, login_as):
    sessions = app.session_interface
    signer = sessions.get_signing_serializer(app)
    assert sessions.get_signing_serializer(app) is signer
    login_as("agent")
    assert client.get("/").status_code == 200
    old_key = app.secret_key
    app.secret_key = app.config["SECRET_KEY"] = "another key " * 4
    app.config["SECRET_KEY_FALLBACKS"] = [old_key]
    assert sessions.get_signing_serializer(app) is not signer
    assert client.get("/").status_code == 200  # the old key, kept as a fallback, still reads it
    app.config["SECRET_KEY_FALLBACKS"] = []
    assert client.get("/").status_code == 302  # a cookie signed with the old key: logged out


def test_a_login_over_plain_http_says_the_cookie_needs_https(database_url, caplog):
    """Outside localhost a browser drops a Secure cookie sent over plain HTTP, so each login
    came back "This form has expired" for ever; it now says why, and the log tells the operator."""
    app = production(SECRET_KEY="k" * 40, SQLALCHEMY_DATABASE_URI=database_url)
    form = {"email": "head@example.com", "password": "a sturdy passphrase", "csrf_token": "x"}
    over_http = app.test_client(use_cookies=False).post("/auth/login", data=form)
    assert over_http.status_code == 400
    assert "came over plain HTTP" in over_http.text and "expired" not in over_http.text
    assert any("HUDDLE_TRUSTED_PROXIES" in record.getMessage() for record in caplog.records)
    over_https = app.test_client(use_cookies=False).post(
        "/auth/login", data=form, base_url="https://huddle.example"
    )
    assert "expired" in over_https.text and "plain HTTP" not in over_https.text
    with app.app_context():
        db.engine.dispose()


def test_our_clients_writing_over_plain_http_are_told_without_hearing_of_huddle(database_url):
    """On "write to the head of support" the same dropped cookie was explained with "Huddle's
    login cookie": our clients never hear of Huddle, and they have no login. Their words stay."""
    app = production(SECRET_KEY="k" * 40, SQLALCHEMY_DATABASE_URI=database_url)
    form = {"name": "Ana", "contact": "ana@example.com", "message": "Late again", "csrf_token": "x"}
    over_http = app.test_client(use_cookies=False).post("/write-to-us", data=form)
    assert over_http.status_code == 400
    assert "came over plain HTTP" in over_http.text and "Late again" in over_http.text
    assert "Huddle" not in over_http.text and "login" not in over_http.text
    with app.app_context():
        db.engine.dispose()
