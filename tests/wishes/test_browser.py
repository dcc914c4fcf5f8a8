"""A wish for three clients → the review → "will do if paid" → three callbacks → one call logged."""

import re

import pytest

from tests.support.browser import follow, log_in
from tests.support.standup import seed_crew


@pytest.fixture(scope="module")
def people(live_app):
    crew = [
        ("agent", "wish.agent@example.com", "Walk Agent"),
        ("manager", "wish.manager@example.com", "Walk Manager"),
    ]
    seed_crew(live_app, "wish-walk", "Wish Walk Team", crew, timezone="America/Sao_Paulo")
    return {role: email for role, email, _name in crew}


def record(page, external_id, name, problem, choose_existing):
    page.goto("/wishes/new")
    page.get_by_label("Client ID").fill(external_id)
    page.get_by_label("Client name").fill(name)
    title = page.get_by_label("What do they wish for?")
    if choose_existing:
        title.press_sequentially("exporting report", delay=20)  # typed: suggestions come by htmx
        suggestion = page.locator("#similar-wishes label", has_text="Export reports to Excel")
        suggestion.wait_for()
        choice = suggestion.locator("input")
        choice.check()
        # Typing on keeps the choice: the suggestions come back with it (hx-include)
        choice.evaluate("input => { input.dataset.before = 'yes' }")
        with page.expect_response(re.compile(r"/wishes/similar\?")):
            title.press("End")
            title.press("Space")
        page.locator("#similar-wishes input[data-before]").wait_for(state="detached")
        assert choice.is_checked()
    else:
        title.fill("Export reports to Excel")
    page.get_by_label("The problem behind it").fill(problem)
    page.get_by_role("button", name="Save the wish").click()
    page.get_by_role("heading", name="Export reports to Excel").wait_for()


def test_wish_for_three_clients_to_review_to_callbacks(page, people):
    console_errors = []
    page.on("console", lambda message: message.type == "error" and console_errors.append(message))
    log_in(page, people["agent"])
    record(page, "walk-1", "Ana Walk", "Her accountant re-types every report", False)
    assert page.get_by_text(re.compile(r"Next review: \w+day, \w+ \d+\.")).first.is_visible()
    record(page, "walk-2", "Bruno Walk", "Wants to cross sales with stock", True)
    record(page, "walk-3", "Carla Walk", "Sends the month's figures to a partner", True)
    page.get_by_text("Saved: 3 distinct clients asked for this wish.").wait_for()
    page.get_by_text("a real request").wait_for()
    assert [message.text for message in console_errors] == []  # typed before any suggestion too
    page.get_by_role("button", name="Log out").click()

    log_in(page, people["manager"])
    page.goto("/wishes/review")
    item = page.locator("article.review-item", has_text="Export reports to Excel")
    item.get_by_text("3 clients").wait_for()
    item.get_by_text("Wants to cross sales with stock").wait_for()
    item.get_by_label("Will do if paid", exact=True).check()
    item.get_by_label("Why (the client will hear this)").fill("Worth it only for big accounts")
    item.get_by_role("button", name="Record the decision").click()
    page.get_by_text("Price or paid period").first.wait_for()
    page.locator(".field-error", has_text="write the price").wait_for()  # swapped in place, 400
    page.get_by_label("Price or paid period (for the paid options)").fill("US$ 800, six weeks")
    counts = page.locator("#review-pending-heading, #review-decided-heading")
    before = [int(re.search(r"\((\d+)\)", text)[1]) for text in counts.all_inner_texts()]
    page.get_by_role("button", name="Record the decision").click()
    decided = page.locator("#decided-list article.decided", has_text="Export reports to Excel")
    decided.get_by_text("3 clients to call back").wait_for()
    # The page keeps count (it said "To decide (1)" over a wish decided) and the form is gone.
    after = [int(re.search(r"\((\d+)\)", text)[1]) for text in counts.all_inner_texts()]
    assert after == [before[0] - 1, before[1] + 1]
    assert item.count() == 0 and page.locator("article.decided").count() == before[1] + 1
    page.get_by_role("button", name="Log out").click()

    log_in(page, people["agent"])
    follow(page, page.get_by_role("link", name="Calls to make").first)
    calls = page.locator("article.call")
    calls.first.wait_for()
    assert calls.count() == 3
    for name in ("Ana Walk", "Bruno Walk", "Carla Walk"):
        assert (
            page.locator("article.call", has_text=name)
            .get_by_text("US$ 800, six weeks")
            .is_visible()
        )
    first = page.locator("article.call", has_text="Ana Walk")
    first.get_by_label("How did the call go?").fill("She will ask for a quote")
    first.get_by_role("button", name="Log the call").click()
    page.locator("article.call", has_text="Ana Walk").get_by_text("Called").wait_for()
    assert page.get_by_role("button", name="Log the call").count() == 2
    page.reload()
    assert page.locator("article.call").count() == 2
