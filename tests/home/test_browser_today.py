"""Today, in the real browser: an agent and a manager each see their own blocks."""

import re

import pytest
from playwright.sync_api import expect

from core.extensions import db
from tests.support import PASSWORD
from tests.support.browser import log_in
from tests.support.factories import build_user


@pytest.fixture(scope="module")
def people(live_app):
    with live_app.app_context():
        for email, role in (
            ("today.agent@example.com", "agent"),
            ("today.manager@example.com", "manager"),
        ):
            db.session.add(build_user(role, email=email, name=email.split("@")[0]))
        db.session.commit()


def test_agent_and_manager_see_their_own_blocks(page, people):
    log_in(page, "today.agent@example.com")
    assert page.get_by_text("Complaints I own", exact=True).is_visible()
    assert page.get_by_text("My open action items", exact=True).is_visible()
    assert page.get_by_text("Complaints waiting for an owner").count() == 0
    page.get_by_role("button", name="Log out").click()

    log_in(page, "today.manager@example.com")
    for title in (
        "Complaints waiting for an owner",
        "Low ratings since the last working day",
        "My follow-ups due today and overdue",
    ):
        assert page.get_by_text(title, exact=True).is_visible(), title
    # Not "Complaints I own" again beside My follow-ups: a link to the whole list.
    assert page.get_by_text("Complaints I own", exact=True).count() == 0
    assert page.get_by_role("link", name="All complaints I own").is_visible()
    # Each block refreshes itself in place through htmx, from its own URL.
    assert page.locator("#block-unowned").get_attribute("hx-get") == "/today/unowned"


def _settled(page, condition: str) -> None:
    """Wait for ``condition`` while moving the installed clock on: with a fake clock, htmx's swap and
    settle timers only fire when the clock moves, and a response may land after ``run_for`` ended."""
    for _ in range(100):
        if page.evaluate(condition):
            return
        page.clock.run_for(100)
        page.wait_for_timeout(50)
    assert page.evaluate(condition), condition


def test_a_refresh_never_takes_the_focus_or_the_selection_away(page, people):
    """Today's blocks poll every 60 s: one the user is in keeps still, the others refresh."""
    page.clock.install()
    log_in(page, "today.manager@example.com")
    mark = "el => { el.dataset.old = 'yes'; }"
    for block in ("#block-my-follow-ups", "#block-unowned", "#block-low-ratings"):
        page.locator(block).evaluate(mark)
    link = page.get_by_role("link", name="All complaints I own")
    link.focus()
    # Someone reading: a selection in another block keeps that block still too.
    page.locator("#block-low-ratings header").evaluate(
        "el => window.getSelection().selectAllChildren(el)"
    )
    with page.expect_response(lambda r: r.url.endswith("/today/unowned")):
        page.clock.run_for(61_000)
    _settled(page, "!document.querySelector('#block-unowned').dataset.old")
    assert page.locator("#block-my-follow-ups").get_attribute("data-old") == "yes"
    assert page.locator("#block-low-ratings").get_attribute("data-old") == "yes"
    assert page.evaluate("document.activeElement.textContent") == "All complaints I own"

    page.evaluate("window.getSelection().removeAllRanges(); document.activeElement.blur()")
    with page.expect_response(lambda r: r.url.endswith("/today/my-follow-ups")):
        page.clock.run_for(61_000)
    _settled(page, "!document.querySelector('#block-my-follow-ups').dataset.old")
    _settled(page, "!document.querySelector('#block-low-ratings').dataset.old")


def test_a_refresh_after_the_session_ended_opens_the_login_page_and_comes_back(page, people):
    """A block refreshing once the session has ended (here: its cookies gone) does not get the
    login page swapped into it: the browser opens the login page, which says why, and logging in
    returns to the page that was open."""
    page.clock.install()
    log_in(page, "today.manager@example.com")
    page.goto("/?from=block")  # any page with blocks; its query comes back after the login
    page.get_by_role("heading", name="Today").wait_for()
    page.context.clear_cookies()
    logins = []
    page.on("request", lambda r: "/auth/login" in r.url and logins.append(r.url))
    page.clock.run_for(61_000)  # every block refreshes, each told to open the login page
    expect(page).to_have_url(re.compile(r"/auth/login\?next="))
    page.get_by_label("E-mail").wait_for()
    expect(page.get_by_text("Please log in to open this page.")).to_have_count(1)
    assert len(logins) == 1, logins  # opened once, not once per block
    assert page.locator(".today-block").count() == 0  # a whole page, not a block
    page.get_by_label("E-mail").fill("today.manager@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Today").wait_for()
    assert page.url.endswith("/?from=block")
