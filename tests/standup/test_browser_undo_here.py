"""The facilitator's own Undo, by keyboard in the real browser: "Undo: reopen the stand-up" is an
htmx action like the board's other controls. The meeting comes back in place (no reload), with the
forms beside it; the focus goes to the running item's "Next item", not to <body>; the polite status
region says so; and the page still has each id once. It once posted the whole page: the page
reloaded, the focus fell to <body> and nothing was said."""

from playwright.sync_api import expect

from tests.support.browser import log_in, start_then_end_standup
from tests.support.standup import crew_fixture

crew = crew_fixture(
    "undo-here-crew",
    "Undo Here Crew",
    [("agent", "undo-here@example.com", "Ulla Lead"), ("agent", "undo-other@example.com", "Oto")],
)

DUPLICATE_IDS = """() => {
  const seen = {};
  document.querySelectorAll("[id]").forEach(el => { seen[el.id] = (seen[el.id] || 0) + 1; });
  return Object.keys(seen).filter(id => seen[id] > 1);
}"""


def test_undoing_the_end_by_keyboard_keeps_the_place_and_says_so(page, crew):
    log_in(page, "undo-here@example.com")
    page.goto("/standup/undo-here-crew/")
    page.get_by_text("Facilitator: Ulla Lead").wait_for()
    undo = start_then_end_standup(page)
    page.get_by_text("check-ins are closed").wait_for()
    loads = []
    page.on("load", lambda _page: loads.append(True))

    undo.focus()
    page.keyboard.press("Enter")
    next_item = page.get_by_role("button", name="Next item")
    next_item.wait_for()
    expect(next_item).to_be_focused()
    expect(page.locator("#huddle-status")).to_have_text("Stand-up reopened.")
    page.locator("#check-in-form").wait_for()  # the forms beside the agenda are back
    assert page.get_by_text("check-ins are closed").count() == 0
    expect(page.locator("#standup-summary")).to_have_count(0)  # the panels dropped it
    assert page.evaluate(DUPLICATE_IDS) == []
    # Still there after the next poll (an unchanged poll swaps nothing).
    page.wait_for_timeout(3_500)
    expect(next_item).to_be_focused()
    assert loads == []  # no reload
