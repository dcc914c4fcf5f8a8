"""Our clients' walk on a 375 px phone whose browser speaks English, in the language Huddle knows
each client reads: the survey mail through the real SMTP server, its score link, the answer, and
then the pages that know no client — "write to the head of support" from the survey's pages, and
a link cut short by a mail program — which spoke the browser's English to a Spanish, Russian or
Brazilian client who had just read everything else in their own language."""

from datetime import timedelta
from gettext import NullTranslations
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.support import Translations

from complaints.intake.mailing import send_due_surveys
from complaints.models import Complaint, Rating, SurveyLink
from core.api.tokens import create_token
from core.database import utcnow
from core.extensions import db
from core.mail.delivery import dispatch
from core.models import Client
from tests.mail.conftest import SENDER
from tests.support.browser import follow, page_width, violations
from tests.support.slack import FakeClock

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"
PHONE = {"width": 375, "height": 740}
# (Huddle's code, the page's <html lang>, the client's name)
CLIENTS = [("es", "es", "María José"), ("ru", "ru", "Иван Петров"), ("pt_BR", "pt-BR", "Luana")]


def _gettext(code: str):
    if code == "en":
        return NullTranslations().gettext
    return Translations.load(TRANSLATIONS, [code]).gettext


@pytest.fixture(scope="module")
def walk(live_app, live_server, smtp_server):
    live_app.config.update(BASE_URL=live_server.url, MAIL_URL=smtp_server.url, MAIL_FROM=SENDER)
    with live_app.app_context():
        token = create_token("client-walk")
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def english_phone(chromium, live_server):
    context = chromium.new_context(
        base_url=live_server.url, locale="en-US", viewport=PHONE, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def survey_mail(app, headers, smtp_server, code: str, name: str):
    """``POST /api/v1/services``, then what the scheduler runs: the survey job and the outbox."""
    email = f"walk-{code.lower()}@example.com"
    response = app.test_client().post(
        "/api/v1/services",
        json={
            "client": {"external_id": f"walk-{code}", "name": name, "email": email, "locale": code},
            "order_ref": f"W-{code}",
            "completed_at": (utcnow() - timedelta(hours=2)).isoformat(),
        },
        headers=headers,
    )
    assert response.status_code == 201
    with app.app_context():
        send_due_surveys(utcnow())
        clock = FakeClock()
        dispatch(clock=clock, sleep=clock.sleep)
        db.session.remove()
    (mail,) = smtp_server.to(email)
    return mail


@pytest.mark.parametrize(("code", "html_lang", "name"), CLIENTS)
def test_after_the_survey_writing_to_us_speaks_the_clients_language_not_the_browsers(
    english_phone, live_app, walk, smtp_server, code, html_lang, name
):
    _ = _gettext(code)
    page = english_phone
    mail = survey_mail(live_app, walk, smtp_server, code, name)
    four = next(link for link in mail.links() if link.endswith("score=4"))

    page.goto(four)
    page.get_by_role("button", name=_("Send")).click()
    page.get_by_role("heading", name=_("Thank you!")).wait_for()
    page.goto(four)  # the mail's button again, later: "already answered", and a way to write
    page.get_by_role("heading", name=_("You have already answered")).wait_for()
    follow(page, page.get_by_role("link", name=_("write to the head of support")))
    assert page.locator("html").get_attribute("lang") == html_lang
    page.get_by_role("heading", name=_("Write to the head of support")).wait_for()
    page.get_by_label(_("Your name")).fill(name)
    page.get_by_label(_("Your e-mail or phone")).fill(f"walk-{code.lower()}-2@example.com")
    page.get_by_label(_("Your message")).fill("¿?")
    page.get_by_role("button", name=_("Send to the head of support")).click()
    page.get_by_role("heading", name=_("Thank you for writing")).wait_for()
    with live_app.app_context():
        writer = db.session.scalar(
            sa.select(Client).where(Client.email == f"walk-{code.lower()}-2@example.com")
        )
        assert writer.locale == code  # their later mail is in their language, not English
        db.session.remove()

    # A mail program cut the link short: nobody known, yet the same visit, the same language.
    page.goto(four[: four.index("/s/") + 40])
    page.get_by_role("heading", name=_("This link is not valid")).wait_for()
    assert page.locator("html").get_attribute("lang") == html_lang


@pytest.mark.parametrize(("code", "html_lang", "name"), CLIENTS[:2])
def test_a_long_comment_pasted_on_the_phone_is_kept_whole_and_the_limit_said(
    english_phone, live_app, walk, smtp_server, code, html_lang, name
):
    """The comment's ``maxlength`` made the browser drop all but the first 5,000 characters of
    a paste without a word; the whole text now stays, the server says the limit in the client's
    language, and the comment comes back whole to be shortened."""
    _ = _gettext(code)
    page = english_phone
    mail = survey_mail(live_app, walk, smtp_server, f"{code}-long", name)
    two = next(link for link in mail.links() if link.endswith("score=2"))
    pasted = ("Курьер не пришёл. 😠 שלום " * 400)[:10_000]

    page.goto(two)
    comment = page.get_by_label(_("Anything you want to tell us? (optional)"))
    comment.focus()
    page.keyboard.insert_text(pasted)  # what a paste does: the browser applies maxlength
    assert comment.input_value() == pasted
    page.get_by_role("button", name=_("Send")).click()
    page.locator("#comment-error").wait_for()
    assert page.locator("html").get_attribute("lang") == html_lang
    assert comment.input_value().strip() == pasted.strip()  # all of it, back to be shortened
    assert page_width(page) <= PHONE["width"]
    comment.fill(pasted[:4_000])
    page.get_by_role("button", name=_("Send")).click()
    page.get_by_role("heading", name=_("Thank you!")).wait_for()
    with live_app.app_context():
        rating = db.session.scalar(sa.select(Rating).where(Rating.order_ref == f"W-{code}-long"))
        assert rating.comment == pasted[:4_000].strip()
        db.session.remove()


def test_a_second_tabs_comment_comes_back_to_be_sent_not_thrown_away(
    english_phone, live_app, walk, smtp_server
):
    """Two tabs of one survey (the mail's buttons pressed twice): the second answer is not
    recorded, and its comment was thrown away with "you can still write to us". It now comes back
    in the write-to-us form with the client's name; the same answer sent again does not."""
    _ = _gettext("ru")
    first = english_phone
    mail = survey_mail(live_app, walk, smtp_server, "ru-tabs", "Ольга")
    links = {link.rsplit("=", 1)[1]: link for link in mail.links() if "score=" in link}
    second = first.context.new_page()
    first.goto(links["5"])
    second.goto(links["2"])
    first.get_by_label(_("Anything you want to tell us? (optional)")).fill("Всё хорошо")
    first.get_by_role("button", name=_("Send")).click()
    first.get_by_role("heading", name=_("Thank you!")).wait_for()

    second.get_by_label(_("Anything you want to tell us? (optional)")).fill("Курьер нагрубил 😠")
    second.get_by_role("button", name=_("Send")).click()
    second.get_by_role("heading", name=_("You have already answered")).wait_for()
    assert second.get_by_label(_("Your message")).input_value() == "Курьер нагрубил 😠"
    assert second.get_by_label(_("Your name")).input_value() == "Ольга"
    assert page_width(second) <= PHONE["width"]
    assert violations(second) == []
    second.get_by_label(_("Your e-mail or phone")).fill("walk-ru-tabs@example.com")
    second.get_by_role("button", name=_("Send to the head of support")).click()
    second.get_by_role("heading", name=_("Thank you for writing")).wait_for()
    with live_app.app_context():
        assert db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Complaint)
            .where(Complaint.details.contains("Курьер нагрубил"))
        )
        rating = db.session.scalar(sa.select(Rating).where(Rating.order_ref == "W-ru-tabs"))
        assert (rating.score, rating.comment) == (5, "Всё хорошо")
        db.session.remove()

    # The same answer sent again (a double submit without JavaScript): it reached us, not offered.
    again = first.request.post(
        links["5"].split("?")[0], form={"score": "5", "comment": "Всё хорошо"}
    )
    assert _("You have already answered") in again.text() and 'name="message"' not in again.text()


def test_a_comment_typed_on_a_page_left_open_past_the_links_expiry_is_not_thrown_away(
    english_phone, live_app, walk, smtp_server
):
    """The survey left open overnight on its last day: sent the next morning, the link had
    expired and the page said so, the comment gone. It now comes back to send to the head of
    support, in the client's language."""
    _ = _gettext("es")
    page = english_phone
    mail = survey_mail(live_app, walk, smtp_server, "es-night", "María")
    one = next(link for link in mail.links() if link.endswith("score=1"))
    page.goto(one)
    page.get_by_label(_("Anything you want to tell us? (optional)")).fill("Nunca llegó ✈️")
    with live_app.app_context():  # the night passes: the link's last day is over
        link = db.session.scalar(sa.select(SurveyLink).where(SurveyLink.order_ref == "W-es-night"))
        link.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        db.session.remove()
    page.get_by_role("button", name=_("Send")).click()
    page.get_by_role("heading", name=_("This link has expired")).wait_for()
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_label(_("Your message")).input_value() == "Nunca llegó ✈️"
    page.get_by_label(_("Your e-mail or phone")).fill("walk-es-night@example.com")
    page.get_by_role("button", name=_("Send to the head of support")).click()
    page.get_by_role("heading", name=_("Thank you for writing")).wait_for()


def test_a_client_writing_right_to_left_sees_their_words_run_right_to_left(
    english_phone, live_app, walk, smtp_server
):
    """An Arabic-speaking client of a Spanish-speaking team: the page is Spanish, left to right,
    and their comment, name and message ran left to right too, the full stop before the words."""
    _ = _gettext("es")
    page = english_phone
    mail = survey_mail(live_app, walk, smtp_server, "es-rtl", "Layla")
    page.goto(next(link for link in mail.links() if link.endswith("score=3")))
    comment = page.get_by_label(_("Anything you want to tell us? (optional)"))
    comment.fill("وصل الطلب متأخرًا.")
    assert comment.evaluate("(e) => e.matches(':dir(rtl)')")
    comment.fill("Llegó tarde.")  # Spanish in the same box still runs left to right
    assert comment.evaluate("(e) => e.matches(':dir(ltr)')")

    page.goto("/write-to-us")
    for label in (_("Your name"), _("Your message")):
        field = page.get_by_label(label)
        field.fill("ليلى")
        assert field.evaluate("(e) => e.matches(':dir(rtl)')"), label


def test_an_opt_out_made_by_mistake_is_undone_on_the_phone(
    english_phone, live_app, walk, smtp_server
):
    """The unsubscribe link of the survey mail on a phone: "Stop e-mail from us?", then "Subscribe
    again" on the page that says it is done, each in the client's Russian, axe-clean, no
    sideways scroll; the client is back on our list."""
    _ = _gettext("ru")
    page = english_phone
    mail = survey_mail(live_app, walk, smtp_server, "ru-undo", "Пётр")
    page.goto(mail.message["List-Unsubscribe"].strip().strip("<>"))
    page.get_by_role("button", name=_("Unsubscribe")).click()
    page.get_by_role("heading", name=_("You are unsubscribed")).wait_for()
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page_width(page) <= PHONE["width"] and violations(page) == []
    page.get_by_role("button", name=_("Subscribe again")).click()
    page.get_by_role("heading", name=_("You are subscribed again")).wait_for()
    assert page_width(page) <= PHONE["width"] and violations(page) == []
    with live_app.app_context():
        client = db.session.scalar(sa.select(Client).where(Client.external_id == "walk-ru-undo"))
        assert client.unsubscribed_at is None
        db.session.remove()
