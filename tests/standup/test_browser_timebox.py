"""An item's minutes refused, by keyboard in the real browser: typed and sent with Enter, minutes
that do not fit come back in their field with the message under it (tied to it), the focus still
there and the message said in the assertive region; corrected and sent again, they are set. The
message was shown above the agenda, the old minutes came back and the focus went to the agenda."""

from playwright.sync_api import expect

from tests.support.browser import log_in
from tests.support.standup import crew_fixture

crew = crew_fixture(
    "timebox-crew",
    "Timebox Crew",
    [("agent", "timebox-lead@example.com", "Tim Lead"), ("agent", "timebox-b@example.com", "Bo")],
)


def test_minutes_that_do_not_fit_stay_in_their_field_with_the_message(page, crew):
    log_in(page, "timebox-lead@example.com")
    page.goto("/standup/timebox-crew/")
    page.get_by_role("button", name="Start the stand-up").click()
    page.get_by_role("button", name="Next item").wait_for()
    item = page.locator("li.state-upcoming").last
    field = item.get_by_role("spinbutton")  # found again in each new copy of the agenda

    field.fill("30")
    field.press("Enter")
    error = item.locator(".field-error")  # next to the field, in its agenda line
    expect(error).to_contain_text("That would run past the 15-minute timebox")
    expect(field).to_be_focused()
    expect(field).to_have_value("30")
    expect(field).to_have_attribute("aria-invalid", "true")
    error_id = error.get_attribute("id")
    expect(field).to_have_attribute("aria-describedby", error_id)
    expect(field).to_have_accessible_description(error.inner_text())
    assert page.locator("#standup-live > .flash-error").count() == 0  # not above the agenda
    expect(page.locator("#huddle-alert")).to_contain_text("That would run past")
    # Still there after the next poll (nothing changed: nothing is swapped).
    page.wait_for_timeout(3_500)
    expect(field).to_have_value("30")
    expect(field).to_be_focused()

    page.keyboard.press("Control+A")
    page.keyboard.type("0.5")
    page.keyboard.press("Enter")
    expect(error).to_have_count(0)
    expect(field).to_have_value("0.5")
    expect(field).not_to_have_attribute("aria-invalid", "true")
    expect(field).to_be_focused()
    expect(page.locator("#huddle-status")).to_have_text("Timebox set.")
