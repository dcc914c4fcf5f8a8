"""Long words do not widen a page on a phone (issue #15's 375 px rule, for what people type).

The demo's words are short; real ones are not always: a person named by their e-mail address, a
team named after its mailing list, a courier's tracking address pasted into a note. Such a word
used to push the stand-up board and Insights to more than 1,300 px: in a row of flex items or a
table cell a word that may only break "when nothing else fits" (`break-word`) still counts whole
towards the row's narrowest width. Every text people type is given one here, and every page the
admin sees (which is every staff page) must still fit a 375 px screen, the public ones 320 px.
"""

import sqlalchemy as sa
from flask import url_for
from playwright.sync_api import expect

from complaints.models import Compensation, Complaint, Contact, Playbook, Rating
from core.extensions import db
from core.models import Client, Team, User
from standup.models import ActionItem, AgendaItem, CheckIn, Decision, ParkingLotItem
from tests.dashboard.test_browser_phone import SMALL_PHONE
from tests.support.browser import PHONE, page_width
from tests.support.browser import log_in_demo as log_in
from wishes.models import Callback, Wish, WishDecision, WishRequest

PERSON = "Maria-Fernanda.Albuquerque-Vasconcelos@sac.example.com.br"
TEAM = "Suporte-Pós-Venda-América-Latina-Nordeste-e-Centro-Oeste"
CLIENT = "ТорговыйДом«Северо-ЗападнаяЛогистическаяКомпания»"
LINK = (
    "https://tracking.example-courier.com/shipments/BR-2026-000123456789/events"
    "?lang=pt-BR&ref=complaint-mail-notification"
)
TEXT = f"See {LINK}"

TYPED = [
    (Client, ("name",)),
    (Complaint, ("summary_words", "details")),
    (Contact, ("notes",)),
    (Compensation, ("note",)),
    (Rating, ("comment",)),
    (Playbook, ("title",)),
    (Wish, ("title", "details")),
    (WishRequest, ("problem",)),
    (WishDecision, ("reason", "terms")),
    (Callback, ("notes",)),
    (CheckIn, ("yesterday", "today", "blockers")),
    (ActionItem, ("text",)),
    (ParkingLotItem, ("topic",)),
    (Decision, ("text",)),
    (AgendaItem, ("stored_title",)),
]


def _give_everything_long_words() -> None:
    for model, columns in TYPED:
        words = CLIENT if model is Client else TEXT
        db.session.execute(sa.update(model).values({column: words for column in columns}))
    db.session.execute(sa.update(Client).values(email=PERSON))
    for user in db.session.scalars(sa.select(User)):
        user.name = f"{PERSON}{user.id}"
    for team in db.session.scalars(sa.select(Team)):
        team.name = f"{TEAM}{team.id}"
    db.session.commit()


def _more_pages(slug: str) -> dict[str, str]:
    """The pages `urls` leaves out, where names and typed text show too."""
    client_id = db.session.scalar(sa.select(Client.id).order_by(Client.id))
    wish_id = db.session.scalar(sa.select(Wish.id).order_by(Wish.id))
    playbook_id = db.session.scalar(sa.select(Playbook.id).order_by(Playbook.id))
    return {
        "client": url_for("clients.client", client_id=client_id),
        "clients": url_for("clients.directory"),
        "searched": url_for("complaints.open_list", q="tracking"),
        "new complaint": url_for("intake.new_complaint"),
        "categories": url_for("complaints.categories"),
        "playbook": url_for("complaints.edit_playbook", playbook_id=playbook_id),
        "wish": url_for("wishes.detail", wish_id=wish_id),
        "review": url_for("wishes.review"),
        "history": url_for("standup.history_page", slug=slug),
        "team settings": url_for("standup.settings", slug=slug),
        "other teams": url_for("standup.team_list"),
        "days away": url_for("standup.away"),
        "audit": url_for("admin_audit.index"),
        "tokens": url_for("admin_tokens.index"),
        "mail outbox": url_for("mail_admin.outbox_page"),
        "account": url_for("auth.account"),
    }


def test_long_words_break_instead_of_widening_a_page(page, urls, live_app):
    with live_app.app_context():
        _give_everything_long_words()
        with live_app.test_request_context():
            pages = {**urls["admin"], **_more_pages(urls["team"])}
    page.set_viewport_size(PHONE)
    log_in(page, "admin@huddle.example")
    too_wide = {}
    for name, url in pages.items():
        page.goto(url)
        if page_width(page) > PHONE["width"]:
            too_wide[name] = page_width(page)
    page.context.clear_cookies()
    page.set_viewport_size(SMALL_PHONE)
    for name, url in urls["public"].items():
        page.goto(url)
        if page_width(page) > SMALL_PHONE["width"]:
            too_wide[f"public {name}"] = page_width(page)
    page.set_viewport_size(PHONE)
    log_in(page, "admin@huddle.example")
    assert too_wide == {}
    # The words are there, broken across lines rather than cut or hidden.
    page.goto(urls["admin"]["board"])
    expect(page.locator("h1")).to_contain_text(TEAM)
    expect(page.locator("h1")).to_be_visible()
