"""The notice a browser gets while the database is set up or upgraded is a page like the others:
styled by Pico from Huddle's own static files, no wider than a phone in any language, and clean
for axe (WCAG 2.1 A and AA) in the light and the dark scheme, with no table in the database."""

import json

import pytest

from core.extensions import db
from tests.support.app import production_app
from tests.support.browser import PHONE, axe_check, page_width
from tests.support.web import LiveServer


@pytest.fixture(scope="module")
def unready_server(tmp_path_factory):
    """Huddle as production starts it, on a SQLite file nobody has upgraded: no tables at all."""
    app = production_app(f"sqlite:///{tmp_path_factory.mktemp('unready') / 'empty.db'}")
    server = LiveServer(app).start()
    yield server
    server.stop()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def phone(chromium, unready_server):
    context = chromium.new_context(base_url=unready_server.url, viewport=PHONE)
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_notice_passes_axe_on_a_phone(phone, scheme):
    page = phone.new_page()
    page.emulate_media(color_scheme=scheme)
    found = axe_check(page, {"today": "/", "survey": "/write-to-us"})
    assert found == {}, json.dumps(found, indent=1, ensure_ascii=False)
    page.goto("/")
    assert page.evaluate("getComputedStyle(document.body).getPropertyValue('--pico-font-family')")


@pytest.mark.parametrize("language", ["en", "pt-BR", "es", "ru"])
def test_the_notice_fits_a_phone_in_every_language(phone, language):
    page = phone.new_page()
    page.set_extra_http_headers({"Accept-Language": language})
    answer = page.goto("/complaints/")
    assert answer.status == 503
    assert page.locator("html").get_attribute("lang") == language
    assert page_width(page) <= PHONE["width"]
