"""A person logs in, sees Today, and logs out, in the real Chromium against the real server."""

import pytest

from core.extensions import db
from tests.support import PASSWORD
from tests.support.factories import build_user


@pytest.fixture(scope="module")
def agent(live_app):
    with live_app.app_context():
        db.session.add(build_user(email="browser.agent@example.com", name="Bruna Agent"))
        db.session.commit()
    return "browser.agent@example.com"


def test_log_in_see_today_log_out(page, agent):
    page.goto("/")
    assert "/auth/login" in page.url
    page.get_by_label("E-mail").fill(agent)
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("do not match an account").wait_for()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Today").wait_for()
    assert page.get_by_text("Bruna Agent").first.is_visible()
    page.get_by_role("button", name="Log out").click()
    page.get_by_role("heading", name="Log in to Huddle").wait_for()
    page.goto("/")
    assert "/auth/login" in page.url


def test_htmx_and_pico_are_served_by_the_app(page):
    page.goto("/auth/login")
    assert page.evaluate("typeof htmx") == "object"
    assert page.evaluate("htmx.version").startswith("2.0.")
    background = page.evaluate("getComputedStyle(document.querySelector('button')).backgroundColor")
    assert background not in ("", "rgba(0, 0, 0, 0)")
