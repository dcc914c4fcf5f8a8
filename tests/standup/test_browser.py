"""A whole stand-up in the real browser: check in, start, every item, an action item, end, summary."""

from datetime import timedelta

import pytest

from core.database import utcnow
from core.extensions import db
from core.models import Client
from tests.support.browser import follow, log_in, second_screen
from tests.support.factories import build_complaint
from tests.support.standup import seed_crew


@pytest.fixture(scope="module")
def crew(live_app):
    team = seed_crew(
        live_app,
        "browser-crew",
        "Browser Crew",
        [
            ("agent", "lead@example.com", "Fernanda Lead"),
            ("agent", "watcher@example.com", "Wagner Watcher"),
        ],
    )
    with live_app.app_context():
        client = Client(external_id="browser-1", name="Beatriz Browser")
        db.session.add(client)
        db.session.flush()
        db.session.add(
            build_complaint(
                utcnow() - timedelta(hours=1),
                client=client,
                team=team,
                summary="The parcel came three days late",
                channel="api",
            )
        )
        db.session.commit()
    return team


def test_a_whole_meeting(page, chromium, live_server, crew):
    log_in(page, "lead@example.com")
    follow(page, page.get_by_role("link", name="Stand-up", exact=True))
    page.get_by_role("heading", name="Stand-up: Browser Crew").wait_for()
    page.get_by_text("Facilitator: Fernanda Lead").wait_for()

    # A second screen watches the same board.
    watcher = second_screen(chromium, live_server, "watcher@example.com", page.url)
    watcher.get_by_text("Not started").wait_for()

    page.get_by_label("Yesterday").fill("Called three clients back")
    page.get_by_label("Today", exact=True).fill("Refund for Beatriz")
    page.get_by_label("Blockers").fill("Refund tool is slow")
    page.locator("#check-in-form").get_by_label("4", exact=True).check()
    page.get_by_role("button", name="Check in").click()
    page.get_by_role("button", name="Update check-in").wait_for()
    page.locator("#check-ins").get_by_text("Refund tool is slow").wait_for()

    page.get_by_role("button", name="Start the stand-up").click()
    page.get_by_role("button", name="Next item").wait_for()
    current = page.locator("li[aria-current=step]")
    assert current.get_attribute("data-kind") == "overnight"
    assert "The parcel came three days late" in current.inner_text()
    clock = page.locator(".meeting-clock .timer")
    page.wait_for_function(
        "el => el.textContent.trim() !== '0:00'", arg=clock.element_handle(), timeout=5_000
    )
    watcher.locator("li[aria-current=step][data-kind=overnight]").wait_for()

    items = page.locator("ol.agenda > li").count()
    assert items >= 3
    for done in range(1, items + 1):
        page.get_by_role("button", name="Next item").click()
        page.locator("ol.agenda > li.state-done").nth(done - 1).wait_for()
        if done == 1:
            # The watcher sees the current item move without touching anything (polling).
            watcher.locator("li[aria-current=step][data-kind=check_ins]").wait_for()
    page.locator("#standup-live").get_by_text("Every item is covered").wait_for()

    page.get_by_label("Action item").fill("Escalate the refund tool")
    page.get_by_label("Owner").select_option(label="Wagner Watcher")
    page.get_by_role("button", name="Add action item").click()
    page.locator("#action-items").get_by_text("Escalate the refund tool").wait_for()

    # Ending asks first: dismissed, the meeting goes on; accepted, it ends.
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="End the stand-up").click()
    page.get_by_text("Every item is covered").wait_for()
    assert page.get_by_role("button", name="End the stand-up").is_enabled()
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="End the stand-up").click()
    summary = page.locator("#standup-summary")
    summary.get_by_text("Escalate the refund tool").wait_for()
    assert "Wagner Watcher" in summary.inner_text()
    assert "Fernanda Lead" in summary.inner_text()  # attended
    assert "Refund tool is slow" in summary.inner_text()  # blockers
    assert asked and "End the stand-up for everyone?" in asked[0]
    watcher.get_by_text("ended by the facilitator").wait_for()
    watcher.get_by_text("check-ins are closed").wait_for()
    assert page.get_by_role("button", name="Update check-in").count() == 0
    watcher.context.close()

    page.reload()
    page.locator("#standup-summary").get_by_text("Escalate the refund tool").wait_for()
    assert page.get_by_role("button", name="Next item").count() == 0
