"""A client answers the rating survey on a phone, in the real Chromium against the real server."""

from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.support import Translations
from playwright.sync_api import expect

from complaints.intake.survey import issue_link
from complaints.models import Complaint, Rating
from core import clients
from core.extensions import db


@pytest.fixture
def phone(chromium, live_server):
    context = chromium.new_context(
        base_url=live_server.url,
        locale="pt-BR",
        viewport={"width": 390, "height": 844},
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def survey_path(live_app):
    with live_app.app_context():
        client = clients.upsert_client("browser-crm-1", "Luana Costa")
        _link, token = issue_link(client.id, order_ref="PED-2231")
        db.session.commit()
    return f"/s/{token}"


# The phone is set to Brazilian Portuguese: the client reads the survey in her language.
_ = Translations.load(Path(__file__).resolve().parents[2] / "translations", ["pt_BR"]).gettext


def test_client_answers_the_survey_on_a_phone_and_is_thanked(phone, survey_path, live_app):
    phone.goto(survey_path)
    assert phone.locator("html").get_attribute("lang") == "pt-BR"
    heading = _("How did we do, %(name)s?") % {"name": "Luana Costa"}
    assert heading == "Como nos saímos, Luana Costa?"
    phone.get_by_role("heading", name=heading).wait_for()
    # Everything fits the phone's width: no sideways scrolling to reach a score.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    # Each score as wide as the others: "Excelente" was left alone on a second row, four above it.
    widths = phone.locator("label.score").evaluate_all("(all) => all.map((l) => l.offsetWidth)")
    assert len(widths) == 5 and len(set(widths)) == 1, widths
    score = phone.locator("label.score").filter(has_text="1").first
    box = score.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44  # a comfortable thumb target
    phone.get_by_role("button", name=_("Send")).tap()
    phone.get_by_text(_("Choose a score from 1 to 5.")).wait_for()  # nothing chosen yet: explained
    phone.get_by_label(_("Anything you want to tell us? (optional)")).fill("O entregador não veio.")
    score.tap()
    phone.get_by_role("button", name=_("Send")).tap()
    phone.get_by_role("heading", name=_("Thank you!")).wait_for()

    with live_app.app_context():
        rating = db.session.scalar(sa.select(Rating).where(Rating.order_ref == "PED-2231"))
        assert (rating.score, rating.comment, rating.channel) == (
            1,
            "O entregador não veio.",
            "survey",
        )
        assert db.session.get(Complaint, rating.complaint_id).client.name == "Luana Costa"

    phone.goto(survey_path)
    phone.get_by_role("heading", name=_("You have already answered")).wait_for()


def test_a_refused_answer_brings_the_keyboard_back_to_what_to_fix(phone, survey_path):
    """A refused plain post reloads the page: focus was left at its top, and a keyboard or
    screen-reader user heard nothing of the error. It starts on the first invalid field."""
    phone.goto(survey_path)
    phone.get_by_role("button", name=_("Send")).focus()
    phone.keyboard.press("Enter")
    phone.get_by_text(_("Choose a score from 1 to 5.")).wait_for()
    # the first score, in the group the error describes (once huddle.js has run: it is deferred)
    expect(phone.locator("input[name=score][value='1']")).to_be_focused()

    phone.goto("/write-to-us")
    phone.get_by_label(_("Your name")).fill("Luana")
    phone.get_by_role("button", name=_("Send")).focus()
    phone.keyboard.press("Enter")
    phone.locator(".field-error").first.wait_for()
    expect(phone.locator("input[name=contact]")).to_be_focused()
    assert phone.get_by_label(_("Your name")).input_value() == "Luana"  # the input kept
