"""The add-in-place forms by keyboard, in the real browser: two decisions typed one after the other,
each sent with Enter, both land in the decision form (the focus stays in its field), and each field
is named by its own label. Both forms' fields were once ``id="text"``: the second decision went to
the action item's field."""

from playwright.sync_api import expect

from tests.support.browser import log_in
from tests.support.standup import crew_fixture

crew = crew_fixture("add-crew", "Add Crew", [("agent", "add-lead@example.com", "Ana Lead")])


def test_two_decisions_in_a_row_by_keyboard(page, crew):
    log_in(page, "add-lead@example.com")
    page.goto("/standup/add-crew/")
    page.get_by_text("Facilitator: Ana Lead").wait_for()

    decision = page.get_by_label("Decision", exact=True)
    expect(decision).to_have_count(1)
    assert decision.evaluate("el => el.closest('form').id") == "decision-form"
    action = page.get_by_label("Action item", exact=True)
    assert action.evaluate("el => el.closest('form').id") == "action-item-form"

    decision.fill("Refunds under 50 need no approval")
    decision.press("Enter")
    page.locator("#decisions").get_by_text("Refunds under 50 need no approval").wait_for()
    # The field that sent it has the focus again, in a fresh (empty) decision form.
    focused = page.locator("#decision-form input:focus")
    expect(focused).to_have_value("")
    page.keyboard.type("Macros are reviewed on Fridays")
    page.keyboard.press("Enter")
    page.locator("#decisions").get_by_text("Macros are reviewed on Fridays").wait_for()

    expect(page.locator("#action-item-form input[type=text]")).to_have_value("")
    assert page.locator("#action-items").get_by_text("Macros").count() == 0
    expect(page.locator("#huddle-status")).to_have_text("Decision added.")
