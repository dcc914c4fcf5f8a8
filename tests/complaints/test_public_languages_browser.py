"""The two pages our clients see, in each of Huddle's four languages, in the real Chromium.

The survey follows the language we know the client reads, whatever their browser says; "write to
the head of support" (nobody known yet) follows the browser, and teaches us the writer's language.
A screenshot of each page is kept in the test's temporary folder.
"""

from gettext import NullTranslations
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.support import Translations

from complaints.intake.survey import issue_link
from complaints.models import Rating
from core import clients
from core.extensions import db
from core.models import Client
from tests.support.app import make_app, migrate

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"
# (Huddle's code, the <html lang> it gives, a browser language that is *not* it)
LANGUAGES = [
    ("en", "en", "ru-RU"),
    ("pt_BR", "pt-BR", "en-US"),
    ("es", "es", "pt-BR"),
    ("ru", "ru", "es-ES"),
]


def _gettext(code: str):
    if code == "en":
        return NullTranslations().gettext
    return Translations.load(TRANSLATIONS, [code]).gettext


@pytest.fixture(scope="module")
def live_app(make_database_url):
    """The live server on each backend (SQLite and PostgreSQL), not only on SQLite."""
    url = make_database_url()
    migrate(url)
    return make_app(url)


@pytest.fixture
def open_page(chromium, live_server):
    contexts = []

    def open_in(browser_language: str):
        context = chromium.new_context(base_url=live_server.url, locale=browser_language)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_in
    for context in contexts:
        context.close()


@pytest.mark.parametrize(("code", "html_lang", "other_browser"), LANGUAGES)
def test_a_client_gets_the_survey_in_their_language_whatever_the_browser(
    open_page, live_app, tmp_path, code, html_lang, other_browser
):
    _ = _gettext(code)
    with live_app.app_context():
        client = clients.upsert_client(f"lang-{code}", "Sasha", locale=code)
        _link, token = issue_link(client.id, order_ref=f"ORD-{code}")
        db.session.commit()
    page = open_page(other_browser)
    page.goto(f"/s/{token}")
    assert page.locator("html").get_attribute("lang") == html_lang
    page.get_by_role("heading", name=_("How did we do, %(name)s?") % {"name": "Sasha"}).wait_for()
    page.screenshot(path=str(tmp_path / f"survey-{code}.png"), full_page=True)
    page.locator("label.score").filter(has_text="4").first.click()
    page.get_by_role("button", name=_("Send")).click()
    page.get_by_role("heading", name=_("Thank you!")).wait_for()
    assert page.locator("html").get_attribute("lang") == html_lang
    with live_app.app_context():
        rating = db.session.scalar(sa.select(Rating).where(Rating.order_ref == f"ORD-{code}"))
        assert rating.score == 4


@pytest.mark.parametrize(("code", "html_lang", "_other"), LANGUAGES)
def test_write_to_the_head_of_support_speaks_the_browsers_language(
    open_page, live_app, tmp_path, code, html_lang, _other
):
    _ = _gettext(code)
    page = open_page(html_lang)
    page.goto("/write-to-us")
    assert page.locator("html").get_attribute("lang") == html_lang
    page.get_by_role("heading", name=_("Write to the head of support")).wait_for()
    page.screenshot(path=str(tmp_path / f"write-{code}.png"), full_page=True)
    page.get_by_label(_("Your name")).fill(f"Writer {code}")
    page.get_by_label(_("Your e-mail or phone")).fill(f"writer-{code}@example.com")
    page.get_by_label(_("Your message")).fill("…")
    page.get_by_role("button", name=_("Send to the head of support")).click()
    page.get_by_role("heading", name=_("Thank you for writing")).wait_for()
    with live_app.app_context():
        writer = db.session.scalar(sa.select(Client).where(Client.name == f"Writer {code}"))
        assert writer.locale == code
