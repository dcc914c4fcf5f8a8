"""Two screens on one board, in the real browser (issue #15): the lead ends the stand-up and undoes
it; the manager watching sees the end and its Undo, then the meeting back with her forms, without
reloading — and her keyboard focus stays in the agenda, never thrown back to <body>."""

from playwright.sync_api import expect

from tests.support.browser import log_in, second_screen, start_then_end_standup
from tests.support.standup import crew_fixture

crew = crew_fixture(
    "undo-crew",
    "Undo Crew",
    [
        ("agent", "undo-lead@example.com", "Lia Lead"),
        ("manager", "undo-manager@example.com", "Mara Manager"),
    ],
)


def test_other_screens_follow_the_end_and_its_undo_without_a_reload(
    page, chromium, live_server, crew
):
    log_in(page, "undo-lead@example.com")
    page.goto("/standup/undo-crew/")
    page.get_by_text("Facilitator: Lia Lead").wait_for()
    other = second_screen(chromium, live_server, "undo-manager@example.com", page.url)
    other.get_by_text("Not started").wait_for()
    loads = []
    other.on("load", lambda _page: loads.append(True))

    start_then_end_standup(page)

    # The other screen: ended, forms closed, and the Undo offered (a manager may undo too).
    undo = other.get_by_role("button", name="Undo: reopen the stand-up")
    undo.wait_for()
    other.get_by_text("check-ins are closed").wait_for()
    assert other.locator("#check-in-form").count() == 0
    undo.focus()  # a keyboard user resting on it while someone else decides

    page.get_by_role("button", name="Undo: reopen the stand-up").click()
    page.get_by_role("button", name="Next item").wait_for()

    # Reopened elsewhere: the agenda runs again here and the forms beside it are back.
    other.get_by_role("button", name="Next item").wait_for()
    other.locator("#check-in-form").wait_for()
    assert other.get_by_text("check-ins are closed").count() == 0
    assert other.get_by_role("button", name="Undo: reopen the stand-up").count() == 0
    # Where the Undo was, not <body> (set once htmx has settled the swap).
    expect(other.locator("#standup-live")).to_be_focused()
    # ... and still there after the next poll has swapped the agenda again (its new copy once came
    # without a tabindex, and the panels' swap in between made the page forget the place).
    other.wait_for_timeout(3_500)
    expect(other.locator("#standup-live")).to_be_focused()
    assert loads == []  # no reload
    other.context.close()
