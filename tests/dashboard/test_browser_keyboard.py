"""By keyboard alone, with the result said (issue #15): a check-in on the live board and a logged
call on a complaint keep focus in the changed region and announce what was done, in words."""

import re

import pytest
import sqlalchemy as sa

from core.extensions import db
from core.models import Client, User
from tests.support.browser import log_in, log_in_demo
from tests.support.standup import seed_crew
from wishes import services as wishes


def focus_is_kept(page) -> bool:
    return page.evaluate(
        "() => document.activeElement !== document.body && document.activeElement.isConnected"
    )


def test_a_keyboard_only_check_in_keeps_focus_and_says_checked_in(page, urls):
    log_in_demo(page, "manager@huddle.example")
    page.goto(urls["manager"]["board"])
    page.get_by_label("Today", exact=True).focus()
    page.keyboard.press("Control+a")
    page.keyboard.type("Call the three clients who rated 1")
    page.locator("#check-in-form button[type=submit]").focus()
    page.keyboard.press("Enter")
    page.locator("#huddle-status").filter(has_text="Checked in.").wait_for()
    assert focus_is_kept(page)
    assert page.evaluate("document.activeElement.closest('#check-in-form') !== null")


def test_a_keyboard_only_logged_call_keeps_focus_and_says_contact_logged(page, urls):
    log_in_demo(page, "manager@huddle.example")
    page.goto(urls["manager"]["complaint"])
    page.get_by_label("No answer").focus()
    page.keyboard.press("Space")
    page.get_by_label("Notes").focus()
    page.keyboard.type("Rang twice")
    page.get_by_role("button", name="Log contact").focus()
    page.keyboard.press("Enter")
    page.locator("#huddle-status").filter(has_text="Contact logged.").wait_for()
    assert focus_is_kept(page)
    assert re.search("Rang twice", page.locator("table.contacts").inner_text())


def focused_field(page) -> dict:
    # huddle.js moves the focus once htmx has settled the answer, a moment after the error shows:
    # wait for a field to hold it (a timeout here is the focus never reaching one).
    page.wait_for_function("() => Boolean(document.activeElement && document.activeElement.name)")
    return page.evaluate(
        """() => {
          const el = document.activeElement;
          const group = el.closest("[aria-invalid=true]");
          const said = (group || el).getAttribute("aria-describedby");
          return {name: el.name, invalid: group !== null,
                  error: said ? document.getElementById(said)?.textContent.trim() : null};
        }"""
    )


def test_a_refused_contact_brings_focus_to_the_choice_to_make(page, urls):
    """Focus went to the whole complaint: eight Tabs back to the radio the error was about, and
    the radios were neither marked invalid nor described by the error."""
    log_in_demo(page, "manager@huddle.example")
    page.goto(urls["manager"]["complaint"])
    page.get_by_role("button", name="Log contact").focus()
    page.keyboard.press("Enter")
    page.locator("#complaint .field-error").first.wait_for()
    focused = focused_field(page)
    assert focused["name"].endswith("outcome") or focused["name"].endswith("channel"), focused
    assert focused["invalid"] and focused["error"], focused


def test_a_refused_row_on_people_brings_focus_to_its_field(page, urls):
    """Focus went to the whole row (a screen reader read every option of both menus), and the
    field was marked invalid without its error as its description."""
    log_in_demo(page, "admin@huddle.example")
    page.goto("/admin/users")
    row = page.locator("tbody tr").first
    row.locator("input[name$=slack_user_id]").fill("not a slack id")
    row.get_by_role("button", name="Save").focus()
    page.keyboard.press("Enter")
    page.locator("tbody tr .field-error").first.wait_for()
    focused = focused_field(page)
    assert focused["name"].endswith("slack_user_id") and focused["error"], focused


@pytest.fixture(scope="module")
def two_wishes(live_app):
    """A team's review with two wishes to decide, each asked for by three clients."""
    email = "focus.{}@example.com".format
    seed_crew(
        live_app,
        "focus-review",
        "Focus Review Team",
        [("manager", email("lead"), "Fia Lead"), ("agent", email("agent"), "Flo Agent")],
    )
    with live_app.app_context():
        agent = db.session.scalar(sa.select(User).where(User.email == email("agent")))
        for title in ("Dark mode", "Export to PDF"):
            wish_id = None
            for n in range(3):
                client = Client(external_id=f"focus-{title}-{n}", name=f"Client {title} {n}")
                db.session.add(client)
                db.session.commit()
                ask = {"wish_id": wish_id} if wish_id else {"title": title}
                wish_id = wishes.record_wish(client, agent=agent, problem="Asked", **ask).wish.id
    return email("lead")


def test_a_decided_wish_hands_focus_to_the_next_one(page, two_wishes):
    """The decided wish leaves the list: focus fell back to the top of the page, and the next Tab
    went to the team menu. It goes to the next wish to decide."""
    log_in(page, two_wishes)
    page.goto("/wishes/review")
    first, second = page.locator("article.review-item").all()[:2]
    next_id = second.get_attribute("id")
    first.get_by_label("Will do", exact=True).check()
    first.locator("textarea, input[name$=reason]").first.fill("Planned")
    first.get_by_role("button", name="Record the decision").focus()
    page.keyboard.press("Enter")
    page.locator("#huddle-status").filter(has_text=re.compile(r"\w")).wait_for()
    page.wait_for_function("() => document.activeElement.id !== ''")
    assert page.evaluate("document.activeElement.id") == next_id
