"""The desk in the real browser: list → take → call → playbook → resolve, all in place with htmx.

A window marker set before the first click must survive to the end: had any step reloaded the
page, the marker would be gone.
"""

from datetime import timedelta

import pytest

from core.database import utcnow
from core.extensions import db
from core.models import Client
from tests.support.browser import follow, log_in
from tests.support.factories import build_complaint, build_playbook, build_user


@pytest.fixture(scope="module")
def desk(live_app):
    with live_app.app_context():
        manager = build_user("manager", email="desk.manager@example.com", name="Desk Manager")
        ours = Client(external_id="desk-1", name="Valentina Desk")
        other = Client(external_id="desk-2", name="Someone Else")
        playbook = build_playbook(
            "Damaged item",
            steps=["Apologise", "Ship a replacement", "Collect the damaged item"],
            follow_up_hours=12,
        )
        db.session.add_all([manager, ours, other, playbook])
        db.session.flush()
        now = utcnow()
        for client, summary in ((ours, "The vase arrived broken"), (other, "Wrong colour")):
            # Opened 30 hours ago, due after 24: overdue, shown in red.
            opened_at = now - timedelta(hours=30)
            db.session.add(
                build_complaint(opened_at, client=client, summary=summary, channel="email")
            )
        db.session.commit()
    return {"email": "desk.manager@example.com"}


def test_manager_takes_calls_applies_playbook_and_resolves_in_place(page, desk):
    log_in(page, desk["email"])
    page.goto("/complaints/")
    page.get_by_role("heading", name="Open complaints").wait_for()
    page.evaluate("window.__noReload = true")

    # Filters and search answer in place.
    page.get_by_label("Search").fill("vase")
    page.locator("tr", has_text="Wrong colour").wait_for(state="detached")
    row = page.locator("tr", has_text="Valentina Desk")
    assert "overdue" in row.locator("td").nth(4).get_attribute("class")

    row.get_by_role("button", name="I'll call them").click()
    row.get_by_text("Desk Manager").wait_for()
    assert page.evaluate("window.__noReload") is True

    page.goto(page.url)  # the filtered list survives a reload (the URL was pushed)
    assert page.get_by_label("Search").input_value() == "vase"
    follow(page, page.get_by_role("link", name="The vase arrived broken"))
    page.get_by_role("heading", name="The vase arrived broken").wait_for()
    page.evaluate("window.__noReload = true")

    # Resolving is not offered before a contact reached the client; the page says why.
    assert page.get_by_role("button", name="Resolve").count() == 0
    page.get_by_text("first log a contact that reached the client").wait_for()

    page.get_by_label("Call", exact=True).check()
    page.get_by_label("No answer").check()
    page.get_by_role("button", name="Log contact").click()
    page.get_by_role("cell", name="No answer").wait_for()
    page.get_by_label("Reached them").check()
    page.get_by_label("Notes").fill("She wants a replacement, not a refund")
    page.get_by_role("button", name="Log contact").click()
    page.get_by_role("cell", name="She wants a replacement, not a refund").wait_for()

    page.get_by_label("Playbook").select_option(label="Damaged item script")
    page.get_by_role("button", name="Apply playbook").click()
    page.locator(".checklist").get_by_text("Ship a replacement").wait_for()
    page.get_by_label("Ship a replacement").check()
    page.locator("ol.history", has_text="ticked a step").wait_for()
    assert page.get_by_label("Ship a replacement").is_checked()
    assert page.locator(".category").inner_text() == "Damaged item"

    # Steps left unticked are said and asked about, not blocking (issue #15).
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Resolve").click()
    page.locator(".status", has_text="Resolved").wait_for()
    assert asked and "not ticked" in asked[0]
    assert "/s/" in page.get_by_label("Follow-up link").input_value()
    page.get_by_label("After the complaint the client").select_option(label="Ordered again")
    page.get_by_role("button", name="Record").click()
    page.locator(".client-outcome", has_text="Ordered again").wait_for()
    assert page.evaluate("window.__noReload") is True


def test_two_editors_at_once_the_second_is_told_and_keeps_their_text(page, desk):
    log_in(page, desk["email"])
    page.goto("/complaints/?q=colour")
    follow(page, page.get_by_role("link", name="Wrong colour"))
    url = page.url
    other = page.context.new_page()
    other.goto(url)

    for tab in (page, other):
        tab.get_by_text("Edit the complaint").click()
    page.get_by_label("Summary").fill("Wrong colour: blue instead of green")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_role("heading", name="Wrong colour: blue instead of green").wait_for()

    other.get_by_label("Summary").fill("Second editor's words")
    other.get_by_role("button", name="Save changes").click()
    other.locator("#complaint").get_by_text("Someone changed this complaint while").wait_for()
    # The fresh version is shown, and their own input is still in the form to save again.
    other.get_by_role("heading", name="Wrong colour: blue instead of green").wait_for()
    assert other.get_by_label("Summary").input_value() == "Second editor's words"
    other.get_by_role("button", name="Save changes").click()
    other.get_by_role("heading", name="Second editor's words").wait_for()
