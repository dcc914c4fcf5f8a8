"""On a phone, by keyboard, at a glance (issue #15), in the real Chromium on the demo data.

No page is wider than a 375 px screen for any role (320 px for the public pages), the skip link is
the first tab stop, a failed htmx post says why and keeps what was typed, and a post in flight shows
that it is working.
"""

import os
import re
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from complaints.models import Complaint, Contact
from core.demo import DEMO_PASSWORD
from core.extensions import db
from core.models import User
from tests.support.browser import PHONE, page_width
from tests.support.browser import log_in_demo as log_in
from wishes.models import Callback

SMALL_PHONE = {"width": 320, "height": 640}
SHOTS = os.environ.get("HUDDLE_UI_SHOTS")  # a folder: save 375 px screenshots of the main pages


@pytest.mark.parametrize(
    "role, email",
    [
        ("agent", "agent@huddle.example"),
        ("manager", "manager@huddle.example"),
        ("admin", "admin@huddle.example"),
    ],
)
def test_no_page_is_wider_than_a_phone(page, urls, role, email):
    page.set_viewport_size(PHONE)
    log_in(page, email)
    too_wide = {}
    for name, url in urls[role].items():
        page.goto(url)
        if page_width(page) > PHONE["width"]:
            too_wide[name] = page_width(page)
        if SHOTS and role == "manager" and name in ("today", "complaints", "complaint", "board"):
            os.makedirs(SHOTS, exist_ok=True)
            page.screenshot(path=os.path.join(SHOTS, f"{name}-375.png"), full_page=True)
    assert too_wide == {}


@pytest.mark.parametrize("language", ["ru", "pt_BR", "es"])
def test_no_page_is_wider_than_a_phone_in_the_longer_languages(page, urls, live_app, language):
    """Russian, Portuguese and Spanish words run longer than English ones: a button that fits in
    English (the stand-up's "End the stand-up") stuck out of the board in all three. The admin
    sees every page; the public pages are read at 320 px in the language asked for."""
    with live_app.app_context():
        admin = db.session.scalar(sa.select(User).where(User.email == "admin@huddle.example"))
        admin.locale = language
        db.session.commit()
    try:
        page.set_viewport_size(PHONE)
        log_in_by_form(page, "admin@huddle.example")
        too_wide = {}
        for name, url in urls["admin"].items():
            page.goto(url)
            assert page.locator("html").get_attribute("lang") == language.replace("_", "-")
            if page_width(page) > PHONE["width"]:
                too_wide[name] = page_width(page)
        page.context.clear_cookies()
        page.set_viewport_size(SMALL_PHONE)
        for name, url in urls["public"].items():
            page.goto(f"{url}{'&' if '?' in url else '?'}lang={language}")
            if page_width(page) > SMALL_PHONE["width"]:
                too_wide[f"public {name}"] = page_width(page)
    finally:
        with live_app.app_context():
            db.session.execute(sa.update(User).values(locale="en"))
            db.session.commit()
    assert too_wide == {}


def log_in_by_form(page, email: str) -> None:
    """Log in whatever the language the page speaks: by the fields' names, not their labels."""
    page.goto("/auth/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/")
    page.wait_for_load_state("load")


# Words of letters and digits up to 14 long, each as a range: one whose boxes lie on two lines was
# split inside (a hyphen or a space is a break a reader expects; those are not matched).
SPLIT_WORDS = r"""
() => {
  const split = [];
  const walker = document.createTreeWalker(document.querySelector("main"), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const box = node.parentElement;  // text nobody sees (a honeypot, words for screen readers only)
    if (!box || !box.checkVisibility() || box.closest('[aria-hidden="true"], .visually-hidden')) continue;
    for (const word of node.data.matchAll(/[\p{L}\p{N}][\p{L}\p{N}'’]{1,13}/gu)) {
      const range = document.createRange();
      range.setStart(node, word.index);
      range.setEnd(node, word.index + word[0].length);
      const lines = new Set([...range.getClientRects()].filter(r => r.width).map(r => Math.round(r.top)));
      if (lines.size > 1) split.push(word[0]);
    }
  }
  return split;
}
"""


@contextmanager
def on_a_phone_in(page, live_app, email: str, language: str):
    """Logged in on a phone as the demo's ``email``, who reads ``language`` until the block ends
    (the demo is shared by the browser tests: everyone reads English again after it)."""
    with live_app.app_context():
        db.session.execute(sa.update(User).where(User.email == email).values(locale=language))
        db.session.commit()
    try:
        page.set_viewport_size(PHONE)
        log_in_by_form(page, email)
        yield
    finally:
        with live_app.app_context():
            db.session.execute(sa.update(User).values(locale="en"))
            db.session.commit()


@pytest.mark.parametrize("language", ["en", "ru"])
def test_no_word_is_split_inside_on_a_phone(page, urls, live_app, language):
    """Every page's words stay whole at 375 px: a table squeezed to fit split "Receive" into
    "Recei / ve" (a data table scrolls in its box instead), and the stand-up's "min" stood as a
    letter per line beside its field."""
    split = {}
    with on_a_phone_in(page, live_app, "admin@huddle.example", language):
        for name, url in {
            **urls["admin"],
            "clients": "/clients/",
            "import": "/complaints/import",
        }.items():
            page.goto(url)
            if found := page.evaluate(SPLIT_WORDS):
                split[name] = found[:5]
    assert split == {}


CUT_CHOICES = """
() => {
  const pen = document.createElement("canvas").getContext("2d");
  const cut = [];
  for (const menu of document.querySelectorAll("fieldset[role=group] select")) {
    if (!menu.checkVisibility() || menu.selectedIndex < 0) continue;
    const style = getComputedStyle(menu);
    pen.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const text = menu.options[menu.selectedIndex].text;
    const room = menu.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    if (pen.measureText(text).width > room + 1) cut.push(text);
  }
  return cut;
}
"""


@pytest.mark.parametrize("language", ["es", "ru"])
def test_no_filter_menu_cuts_its_choice_on_a_phone(page, urls, live_app, language):
    """The open list's menus read "Todas las abie", "Любая катег", "Vencimiento p": a filter bar's
    menu is as wide as its choice, a row of its own where two do not fit."""
    cut = {}
    with on_a_phone_in(page, live_app, "manager@huddle.example", language):
        for url in ("/complaints/", "/clients/", "/wishes/"):
            page.goto(url)
            if found := page.evaluate(CUT_CHOICES):
                cut[url] = found
    assert cut == {}


@pytest.mark.parametrize("language", ["en", "pt_BR", "es", "ru"])
def test_no_word_is_split_inside_on_the_public_pages_on_a_phone(page, urls, language):
    """What our clients open on their phones keeps its words whole: the survey's score "Нормально"
    stood as "Нормальн / о" under its button, four buttons to a row."""
    page.set_viewport_size(PHONE)
    split = {}
    for name, url in urls["public"].items():
        page.goto(f"{url}?lang={language}")
        if found := page.evaluate(SPLIT_WORDS):
            split[name] = found[:5]
    assert split == {}


def test_public_pages_fit_a_small_phone(page, urls):
    page.set_viewport_size(SMALL_PHONE)
    too_wide = {}
    for name, url in urls["public"].items():
        page.goto(url)
        if page_width(page) > SMALL_PHONE["width"]:
            too_wide[name] = page_width(page)
    assert too_wide == {}


def test_the_skip_link_is_the_first_tab_stop_and_leads_to_the_content(page, urls):
    log_in(page, "agent@huddle.example")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.is_visible()  # hidden until it has focus
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"


def luminance(css_color: str) -> float:
    red, green, blue = (int(n) / 255 for n in re.findall(r"\d+", css_color)[:3])

    def linear(c):
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_focus_ring_stands_out_from_the_page(page, urls, scheme):
    page.emulate_media(color_scheme=scheme)
    page.goto(urls["public"]["login"])
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # past the skip link, onto the first link of the page
    ring, background, width = page.evaluate(
        """() => {
            const style = getComputedStyle(document.activeElement);
            const page = [document.body, document.documentElement]
                .map((el) => getComputedStyle(el).backgroundColor)
                .find((color) => color !== "rgba(0, 0, 0, 0)");
            return [style.outlineColor, page, parseFloat(style.outlineWidth)];
        }"""
    )
    assert background is not None
    lighter, darker = sorted((luminance(ring), luminance(background)), reverse=True)
    assert (lighter + 0.05) / (darker + 0.05) >= 3
    assert width >= 2


@pytest.mark.parametrize(
    "status, message",
    [
        (500, "Something went wrong on our side. Nothing was saved"),
        (429, "Too many attempts. Please wait a moment"),
    ],
)
def test_a_failed_post_says_why_and_keeps_what_was_typed(page, urls, status, message):
    page.set_viewport_size(PHONE)
    log_in(page, "agent@huddle.example")
    page.goto(urls["agent"]["complaint"])
    page.route(f"**{urls['log-contact']}", lambda route: route.fulfill(status=status, body="no"))
    page.get_by_label("No answer").check()
    page.get_by_label("Notes").fill("Rang twice, left a voicemail")
    page.get_by_role("button", name="Log contact").click()
    page.get_by_role("alert").filter(has_text=message).wait_for()
    assert page.get_by_label("Notes").input_value() == "Rang twice, left a voicemail"
    assert page.get_by_label("No answer").is_checked()
    # The button works again, for the next try.
    assert page.get_by_role("button", name="Log contact").is_enabled()


def test_a_post_in_flight_shows_it_is_working_then_says_what_it_did(page, urls):
    log_in(page, "agent@huddle.example")
    page.goto(urls["agent"]["complaint"])
    held = []
    page.route(f"**{urls['log-contact']}", lambda route: held.append(route))
    page.get_by_label("No answer").check()
    button = page.get_by_role("button", name="Log contact")
    button.click()
    page.wait_for_function("() => document.querySelector('[aria-busy=true]') !== null")
    assert button.get_attribute("aria-busy") == "true"
    assert button.is_disabled()  # not sent twice
    assert held, "the post was held back"
    held[0].continue_()
    page.locator("#huddle-status").filter(has_text="Contact logged.").wait_for()
    assert page.locator("[aria-busy=true]").count() == 0
    # Focus is on the button's copy in the swapped region, not back at the top of the page (nor on
    # the whole region, from which a keyboard user had to find their place again).
    focused = page.evaluate(
        "[document.activeElement.textContent.trim(), document.activeElement.closest('#complaint') !== null]"
    )
    assert focused == ["Log contact", True]


def test_a_page_post_in_flight_shows_it_is_working_and_is_not_sent_twice(page, urls, tmp_path):
    """A file upload loads a whole page, which htmx does not take: its button said nothing for
    the seconds a large file takes to check, and a second press sent the file again."""
    log_in(page, "manager@huddle.example")
    page.goto("/complaints/import")
    held = []

    def hold_posts(route):
        if route.request.method == "POST":
            held.append(route)
        else:
            route.continue_()

    page.route("**/complaints/import", hold_posts)
    # Playwright waits for a pending navigation before it looks at the page, so the page notes
    # what its button shows while the post is in flight, then presses it again.
    page.evaluate(
        """() => document.addEventListener("submit", () => setTimeout(() => setTimeout(() => {
          const button = document.querySelector("main form button");
          sessionStorage.setItem("seen", JSON.stringify([button.ariaBusy, button.disabled]));
          button.click();
        })))"""
    )
    ratings = tmp_path / "ratings.csv"
    ratings.write_text("external_id,name,score,occurred_at\nc1,Ana,5,2025-06-01T10:00:00Z\n")
    page.locator("input[type=file]").set_input_files(str(ratings))
    page.get_by_role("button", name="Check the file").click(no_wait_after=True)
    page.wait_for_timeout(500)  # time enough for a second post to show up, had one been sent
    assert len(held) == 1
    held[0].continue_()
    page.wait_for_url("**/complaints/import/*")
    assert page.evaluate("JSON.parse(sessionStorage.getItem('seen'))") == ["true", True]


def test_on_a_phone_the_navigation_folds_into_a_menu_opened_by_keyboard(page, urls):
    page.set_viewport_size(PHONE)
    log_in(page, "agent@huddle.example")
    complaints = page.get_by_role("link", name="Complaints", exact=True)
    # Hidden once the stylesheet applies (a busy machine may still be revalidating it): waits.
    expect(complaints).to_be_hidden()
    page.locator(".nav-menu > summary").focus()
    page.keyboard.press("Enter")
    complaints.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{urls['agent']['complaints']}")
    assert page_width(page) <= PHONE["width"]


def test_the_lists_people_act_on_stack_their_rows_on_a_phone(page, urls, live_app):
    """The open list, the wishes, the clients, a complaint's contacts, a client's complaints, and a
    wish's clients and callbacks: each row's cells one under the other, labelled, on a phone; side
    by side on a desktop."""
    with live_app.app_context():
        called = db.session.scalar(sa.select(Contact.complaint_id).order_by(Contact.id).limit(1))
        complained = db.session.scalar(sa.select(Complaint.client_id).order_by(Complaint.id))
        called_back = db.session.scalar(sa.select(Callback.wish_id).order_by(Callback.id).limit(1))
    log_in(page, "manager@huddle.example")
    lists = {
        "table.complaint-list": urls["manager"]["complaints"],
        "table.wish-list": "/wishes/",
        "table.client-directory": "/clients/",
        "table.contacts": f"/complaints/{called}",
        "table.client-complaints": f"/clients/{complained}",
        "table.wish-clients": f"/wishes/{called_back}",
        "table.wish-callbacks": f"/wishes/{called_back}",
    }
    for size, stacked in ((PHONE, True), ({"width": 1280, "height": 800}, False)):
        page.set_viewport_size(size)
        for table, url in lists.items():
            page.goto(url)
            lefts = page.evaluate(
                "(table) => [...document.querySelector(`${table} tbody tr`).cells]"
                ".map((cell) => cell.getBoundingClientRect().left)",
                table,
            )
            assert (len(set(lefts)) == 1) is stacked and len(lefts) >= 4, (table, size, lefts)


def test_the_people_page_shows_each_persons_controls_on_a_phone(page, urls):
    """People was a 735 px table in a 343 px box: a row showed a name and an e-mail, and its role,
    team, access and Save sat off to the right. Its rows stack as the other lists' do."""
    page.set_viewport_size(PHONE)
    log_in(page, "admin@huddle.example")
    page.goto("/admin/users")
    row = page.locator("tbody tr").first
    lefts = row.evaluate("(tr) => [...tr.cells].map((cell) => cell.getBoundingClientRect().left)")
    assert len(set(lefts)) == 1, lefts
    for control in ("select[name$=role]", "button[type=submit]"):
        box = row.locator(control).first.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], control


def test_a_new_token_is_shown_whole_and_copied_in_one_click(page, urls):
    """The token shown only once was cut at the phone's edge ("hud_Foff6…Z10M"), with no way to
    copy it but selecting it by hand."""
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.set_viewport_size(PHONE)
    log_in(page, "admin@huddle.example")
    page.goto("/admin/tokens/")
    page.get_by_label("Name (which system uses it)").fill("crm-phone")
    page.get_by_label(re.compile(r"ratings:write")).check()
    page.get_by_role("button", name="Create the token").click()
    token = page.locator("#new-token")
    token.wait_for()
    box = token.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert page_width(page) <= PHONE["width"]
    page.get_by_role("button", name="Copy").click()
    expect(page.locator("#huddle-status")).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == token.inner_text().strip()


def test_a_mail_preview_shows_the_mail_as_styled_without_a_policy_error(page, urls):
    """Framed by srcdoc, a mail's preview took the page's policy: each of its inline styles was
    refused with a console error (hundreds on the outbox page) and it looked nothing like the mail."""
    refused = []
    page.on("console", lambda message: message.type == "error" and refused.append(message.text))
    log_in(page, "admin@huddle.example")
    page.goto("/admin/mail/outbox")
    preview = page.locator("details.mail-preview").first
    preview.locator("summary").click()
    frame = preview.locator("iframe").content_frame
    styled = frame.locator("[style]").first
    styled.wait_for()
    padding = styled.evaluate("(el) => getComputedStyle(el).padding")
    declared = styled.evaluate("(el) => el.style.padding")
    assert refused == []
    assert declared == "" or padding == declared  # its inline style applies
