"""From a client's low rating to a manager's personal call, in the real browser."""

import pytest

from complaints.intake.survey import issue_link
from core.extensions import db
from core.models import Client
from tests.support.browser import log_in, log_reached_call, take_rated_complaint
from tests.support.factories import build_playbook, build_user


@pytest.fixture(scope="module")
def walk(live_app):
    with live_app.app_context():
        manager = build_user("manager", email="walk.manager@example.com", name="Walk Manager")
        client = Client(external_id="walk-1", name="Beatriz Walk")
        playbook = build_playbook(
            "Late delivery", steps=["Apologise", "Check the courier"], follow_up_hours=6
        )
        db.session.add_all([manager, client, playbook])
        db.session.flush()
        _, token = issue_link(client.id, order_ref="W-1")
        db.session.commit()
    return {"survey": f"/s/{token}"}


def test_low_rating_to_resolved_complaint(page, walk):
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto(walk["survey"])
    page.get_by_text("How did we do, Beatriz Walk?").wait_for()
    page.locator("label.score", has_text="1").click()
    page.get_by_label("Anything you want to tell us?").fill("The parcel came three days late")
    page.get_by_role("button", name="Send").click()
    page.get_by_role("heading", name="Thank you!").wait_for()

    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, "walk.manager@example.com")

    take_rated_complaint(page, "Beatriz Walk", "Walk Manager", 1)

    page.get_by_role("heading", name="Rated 1/5: The parcel came three days late").wait_for()
    log_reached_call(page, "Apologised; discount on the next order")

    page.get_by_label("Playbook").select_option(label="Late delivery script")
    page.get_by_role("button", name="Apply playbook").click()
    page.get_by_text("Check the courier").wait_for()

    page.once("dialog", lambda dialog: dialog.accept())  # its steps are not ticked: asked first
    page.get_by_role("button", name="Resolve").click()
    page.locator(".status", has_text="resolved").wait_for()
    assert "/s/" in page.get_by_label("Follow-up link").input_value()
