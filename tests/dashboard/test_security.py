"""Headers, CSRF and error pages: what protects every page, on both databases."""

import re
from pathlib import Path

from core.extensions import db
from core.models import User
from tests.support.web import PAGE_TOKEN, user_row


def test_pages_carry_security_headers(client):
    response = client.get("/auth/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "HX-Request" in response.headers["Vary"]


def test_session_cookie_is_httponly_and_samesite(client, make_user):
    user = make_user("agent")
    response = client.post(
        "/auth/login", data={"email": user.email, "password": "correct horse battery"}
    )
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_post_without_csrf_token_is_refused_and_changes_nothing(app, client, login_as, make_user):
    login_as("admin")
    target = make_user("agent")
    response = client.post(
        f"/admin/users/{target.id}",
        data=user_row(target, "admin"),
        csrf=False,
    )
    assert response.status_code == 400
    assert "expired" in response.text
    with app.app_context():
        assert db.session.get(User, target.id).role == "agent"


def test_base_page_sends_the_csrf_token_with_every_htmx_request(client, login_as):
    login_as("agent")
    page = client.get("/").text
    token = PAGE_TOKEN.search(page)
    assert token is not None
    assert (
        client.post("/auth/logout", headers={"X-CSRFToken": token.group(1)}, csrf=False).status_code
        == 302
    )


def test_friendly_404_page_and_json_404_under_api(client, login_as):
    login_as("agent")
    page = client.get("/no-such-page")
    assert page.status_code == 404 and "could not find this page" in page.text
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404
    assert set(api.json["error"]) == {"code", "message", "fields"}


def test_server_error_shows_a_friendly_page(app, client, login_as):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    login_as("agent")
    response = client.get("/boom")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text


def test_no_page_template_sets_a_style_the_csp_refuses():
    """``style-src 'self'`` refuses style attributes: the mail preview's size was one, and the
    preview stayed at the browser's 300 x 150. Only the mails themselves (read by mail programs,
    not under our CSP) carry inline styles."""
    root = Path(__file__).resolve().parents[2] / "templates"
    styled = [
        str(path.relative_to(root))
        for path in root.rglob("*.html")
        if path.parent.name != "mail" and re.search(r"\sstyle=", path.read_text(encoding="utf-8"))
    ]
    assert styled == []
