"""What clients see on the public pages, the favicon, and Insights' jump list (issue #15)."""

import re

import pytest

from complaints.intake.survey import issue_link
from core.extensions import db
from tests.support.db import using


@pytest.fixture
def app_config():
    return {"COMPANY_NAME": "Acme Shoes"}


def test_the_survey_page_shows_the_company_and_nothing_of_huddle(app, client, make_client):
    person = make_client(name="Pedro")
    with using(app):
        _link, token = issue_link(person.id)
        db.session.commit()
    page = client.get(f"/s/{token}").text
    assert '<strong class="brand company-name">Acme Shoes</strong>' in page
    assert "· Acme Shoes</title>" in page
    visible = re.sub(r"<[^>]+>", "", page)
    assert "Huddle" not in visible and 'href="/"' not in page and "/auth/login" not in page
    written = client.get("/write-to-us").text
    assert "Acme Shoes" in written and 'class="brand"' not in written.replace(
        'class="brand company-name"', ""
    )


def test_every_page_links_the_icon_and_the_old_name_leads_to_it(client):
    page = client.get("/auth/login").text
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    old = client.get("/favicon.ico")
    assert old.status_code == 301 and old.headers["Location"].endswith("/static/favicon.svg")
    with client.get("/static/favicon.svg") as icon:
        assert icon.status_code == 200 and b"<svg" in icon.data


def test_insights_has_a_jump_to_each_section(client, login_as):
    login_as("manager")
    page = client.get("/insights/").text
    for section in ("heard", "reached", "kept", "causes", "rituals"):
        assert f'<a href="#{section}">' in page and f'id="{section}"' in page
