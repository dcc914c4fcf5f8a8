"""Two screens on one board, in the real browser (issue #15): the lead ends the stand-up and undoes
it; the manager watching sees the end and its Undo, then the meeting back with her forms, without
reloading — and her keyboard focus stays in the agenda, never thrown back to <body>."""

from datetime import time

import pytest

from core.extensions import db
from core.models import Team
from standup.models import RotationEntry
from tests.support.browser import log_in
from tests.support.factories import build_user

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def crew(live_app):
    with live_app.app_context():
        team = Team(
            slug="undo-crew",
            name="Undo Crew",
            timezone="UTC",
            workdays="1234567",
            standup_time=time(9, 0),
        )
        db.session.add(team)
        db.session.flush()
        lead = build_user(email="undo-lead@example.com", name="Lia Lead", team_id=team.id)
        manager = build_user(
            "manager", email="undo-manager@example.com", name="Mara Manager", team_id=team.id
        )
        db.session.add_all([lead, manager])
        db.session.flush()
        db.session.add(RotationEntry(team_id=team.id, user_id=lead.id, position=0))
        db.session.commit()
    return team


def test_other_screens_follow_the_end_and_its_undo_without_a_reload(
    page, chromium, live_server, crew
):
    log_in(page, "undo-lead@example.com")
    page.goto("/standup/undo-crew/")
    page.get_by_text("Facilitator: Lia Lead").wait_for()
    other_context = chromium.new_context(base_url=live_server.url, locale="en-US")
    other_context.set_default_timeout(10_000)
    other = other_context.new_page()
    log_in(other, "undo-manager@example.com")
    other.goto(page.url)
    other.get_by_text("Not started").wait_for()
    loads = []
    other.on("load", lambda _page: loads.append(True))

    page.get_by_role("button", name="Start the stand-up").click()
    page.get_by_role("button", name="Next item").wait_for()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="End the stand-up").click()
    page.get_by_role("button", name="Undo: reopen the stand-up").wait_for()

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
    focused = other.evaluate("document.activeElement && document.activeElement.id")
    assert focused == "standup-live"  # where the Undo was, not <body>
    assert loads == []  # no reload
    other_context.close()
