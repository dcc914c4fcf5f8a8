"""By keyboard alone, with the result said (issue #15): a check-in on the live board and a logged
call on a complaint keep focus in the changed region and announce what was done, in words."""

import re

from tests.support.browser import log_in_demo


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
