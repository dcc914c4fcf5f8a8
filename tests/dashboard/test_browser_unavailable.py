"""The notice a browser gets while the database is set up or upgraded is a page like the others:
styled by Pico from Huddle's own static files, no wider than a phone in any language, and clean
for axe (WCAG 2.1 A and AA) in the light and the dark scheme, with no table in the database."""

import json

import pytest

from tests.support.app import production_app
from tests.support.browser import PHONE, axe_check, page_width


@pytest.fixture(scope="module")
def live_app(tmp_path_factory):
    """Huddle as production starts it, on a SQLite file nobody has upgraded: no tables at all
    (the shared ``live_server`` and ``page`` serve it)."""
    return production_app(f"sqlite:///{tmp_path_factory.mktemp('unready') / 'empty.db'}")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_notice_passes_axe_on_a_phone(page, scheme):
    page.set_viewport_size(PHONE)
    page.emulate_media(color_scheme=scheme)
    found = axe_check(page, {"today": "/", "survey": "/write-to-us"})
    assert found == {}, json.dumps(found, indent=1, ensure_ascii=False)
    page.goto("/")
    assert page.evaluate("getComputedStyle(document.body).getPropertyValue('--pico-font-family')")


@pytest.mark.parametrize("language", ["en", "pt-BR", "es", "ru"])
def test_the_notice_fits_a_phone_in_every_language(chromium, live_server, language):
    """In the browser's own language (its ``Accept-Language``), which is all it can go by."""
    context = chromium.new_context(base_url=live_server.url, locale=language, viewport=PHONE)
    try:
        page = context.new_page()
        answer = page.goto("/complaints/")
        assert answer.status == 503
        assert page.locator("html").get_attribute("lang") == language
        assert page_width(page) <= PHONE["width"]
    finally:
        context.close()
