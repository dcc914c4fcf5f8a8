"""A manager opens Insights in the real Chromium, sees a chart, shows its data, changes the period."""

from datetime import timedelta

import pytest

from complaints.models import Category
from core.database import utcnow
from core.extensions import db
from core.models import Client, Team
from tests.support.browser import follow, log_in
from tests.support.factories import build_complaint, build_contact, build_user


@pytest.fixture(scope="module")
def manager(live_app):
    with live_app.app_context():
        user = build_user("manager", email="insights.manager@example.com", name="Ines Manager")
        category = Category(name="Late delivery")
        client = Client(external_id="browser-client-1", name="Our client")
        db.session.add_all([user, category, client])
        db.session.flush()
        opened = utcnow() - timedelta(days=2)
        complaint = build_complaint(
            opened, client=client, category=category, summary="Parcel came late", channel="phone"
        )
        db.session.add(complaint)
        db.session.flush()
        db.session.add(build_contact(complaint, opened + timedelta(hours=2), user=user))
        db.session.commit()
    return "insights.manager@example.com"


def test_manager_sees_a_chart_and_toggles_its_data(page, manager):
    log_in(page, manager)
    follow(page, page.get_by_role("link", name="Insights"))
    page.get_by_role("heading", name="Insights", level=1).wait_for()

    chart = page.get_by_role("img", name="Causes of complaints (Pareto)")
    chart.wait_for()
    assert chart.locator("title").first.text_content() == "Causes of complaints (Pareto)"
    figure = page.locator("#chart-causes")
    table = figure.locator("table")
    assert not table.is_visible()
    figure.get_by_text("Show data").click()
    table.wait_for(state="visible")
    assert "Late delivery" in table.inner_text()

    # The picker swaps the figures in place (htmx) and puts the choice in the address bar.
    page.get_by_label("From", exact=True).fill("2000-01-01")
    page.get_by_label("To", exact=True).fill("2000-01-28")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**start=2000-01-01**")
    page.get_by_text("No complaints in this period.").first.wait_for()
    assert page.evaluate("document.querySelectorAll('h1').length") == 1


def test_choosing_a_team_applies_at_once(page, manager, live_app):
    with live_app.app_context():
        if db.session.scalar(db.select(Team).where(Team.slug == "browser-north")) is None:
            db.session.add(Team(slug="browser-north", name="North Desk"))
            db.session.commit()
    log_in(page, manager)
    page.goto("/insights/")
    page.get_by_label("Team").select_option(label="North Desk")
    page.wait_for_url("**team=**")
    page.get_by_text("Ratings belong to no team").wait_for()
    assert page.get_by_label("Team").input_value() != "0"


def test_a_charts_words_stay_legible_on_a_phone(page, manager):
    """Drawn 640 wide with 11 px text, a chart squeezed into 375 px wrote 6 px words; it keeps
    10 px and scrolls in its box, which a keyboard reaches."""
    page.set_viewport_size({"width": 375, "height": 740})
    log_in(page, manager)
    page.goto("/insights/")
    chart = page.locator("#chart-causes svg.chart")
    chart.wait_for()
    smallest = chart.evaluate(
        "(svg) => Math.min(...[...svg.querySelectorAll('text')].map("
        "(t) => parseFloat(getComputedStyle(t).fontSize) * svg.getScreenCTM().a))"
    )
    assert smallest >= 9.5
    box = page.locator("#chart-causes > [role=region]")
    assert box.get_attribute("tabindex") == "0"
    assert box.evaluate("(box) => box.scrollWidth > box.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
