"""Words people typed keep their own direction on the staff pages.

A client's Arabic or Hebrew name set into an English sentence, or a Hebrew summary in a table cell,
is reordered by the Unicode bidi algorithm with what surrounds it: "Call مريم الحسن (3 days)" showed
the parenthesis and the number on the wrong side. Every staff page as every person, with the demo's
typed text (clients', then staff's own) rewritten in Arabic and Hebrew that ends in digits and
punctuation: each piece of it sits in a ``<bdi>`` or in an element with ``dir="auto"`` (an input
or a textarea holding it, an option naming it), or, where no markup can go (a page's ``<title>``, an
SVG chart's label), between the plain-text isolates U+2068 and U+2069. Only attribute values (labels
for screen readers) are left out.
"""

import re
from html.parser import HTMLParser

import sqlalchemy as sa
from flask import url_for

from complaints.models import Category, Compensation, Complaint, Contact, Playbook, Rating
from core.clients import propose_details
from core.database import utcnow
from core.extensions import db
from core.models import Client, ClientDetailProposal, Team, User
from standup import schedule, services
from standup.models import ActionItem, CheckIn, Decision, Holiday, ParkingLotItem
from tests.dashboard.test_form_walker import _people, _url, _url_values
from tests.dashboard.test_get_walker import _get_rules
from tests.support.db import using
from wishes.models import Callback, Wish, WishDecision, WishRequest

# Each column people type into, the words it gets: ``{id}`` keeps unique columns unique, and every
# text ends in digits and punctuation, which the bidi algorithm moves first.
TYPED = [
    (Client, "name", "مريم الحسن {id}."),
    (Client, "email", "מרים{id}@example.com"),
    (Complaint, "summary_words", "הטלפון הגיע שבור ({id})!"),
    (Complaint, "details", "وصل الطلب متأخراً 3 أيام, {id}."),
    (Rating, "comment", "الخدمة سيئة جداً 2/5!"),
    (Contact, "notes", "לא ענתה <שוב> & ננסה ב-16:00."),  # shown escaped once, read as typed
    (Compensation, "note", "خصم 10% على الطلب القادم."),
    (Wish, "title", "ייצוא לאקסל {id}?"),
    (Wish, "details", "نريد تصدير الطلبات 2026."),
    (WishRequest, "problem", "אין לי דרך לשתף את הדוח 3."),
    (WishDecision, "reason", "سنفعل ذلك في الربع 3."),
    (Callback, "notes", "התקשרתי פעמיים (2)."),
    (CheckIn, "yesterday", "اتصلت بـ 5 عملاء."),
    (CheckIn, "today", "אחזור ל-3 לקוחות."),
    (CheckIn, "blockers", "أداة الاسترداد بطيئة 16:00!"),
    (ActionItem, "text", "לשאול את הנהלת החשבונות 3 שאלות."),
    (ParkingLotItem, "topic", "ميزانية السماعات 2027?"),
    (Decision, "text", "החזרים עד 50 מאושרים."),
    (ClientDetailProposal, "value", "مريم حسن {id}."),
    (User, "name", "דוד כהן {id}."),
    (Team, "name", "فريق القاهرة {id}."),
    (Category, "name", "משלוח מאוחר {id}."),
    (Playbook, "title", "اعتذر وعوّض {id}."),
    (Holiday, "name", "חג {id}!"),
]
RIGHT_TO_LEFT = range(0x0590, 0x08FF + 1)  # Hebrew, Arabic and their supplements
ISOLATING = "bdi"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
UNSHOWN = {"script", "style", "template"}
# Where markup cannot isolate (a page's title, an SVG chart's labels), plain text does: FIRST STRONG
# ISOLATE … POP DIRECTIONAL ISOLATE.
PLAIN_ISOLATE = re.compile("\u2068[^\u2069]*\u2069")


def _typed(text: str) -> bool:
    return any(ord(c) in RIGHT_TO_LEFT for c in text)


class _Bare(HTMLParser):
    """The pieces of right-to-left text a page shows with no ``<bdi>`` or ``dir`` around them."""

    def __init__(self, html: str):
        super().__init__()
        self.open: list[tuple[str, bool]] = []  # (tag, isolates what it holds)
        self.bare: list[str] = []
        self.read: list[str] = []  # the text as a reader reads it, character references resolved
        self.feed(html)

    def _isolated(self) -> bool:
        return any(isolates for _tag, isolates in self.open)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        isolates = tag == ISOLATING or attributes.get("dir") in ("auto", "rtl")
        typed_value = tag == "input" and _typed(attributes.get("value") or "")
        if typed_value and not (isolates or self._isolated()):
            self.bare.append(f"<input value={attributes['value']!r}>")
        if tag == "input":
            self.read.append(attributes.get("value") or "")
        if tag not in VOID:
            self.open.append((tag, isolates))

    def handle_endtag(self, tag):
        for depth in range(len(self.open) - 1, -1, -1):
            if self.open[depth][0] == tag:
                del self.open[depth:]
                return

    def handle_data(self, data):
        self.read.append(data)
        data = PLAIN_ISOLATE.sub("", data)
        if not _typed(data) or any(tag in UNSHOWN for tag, _ in self.open):
            return
        if not self._isolated():
            where = "/".join(tag for tag, _ in self.open[-3:])
            self.bare.append(f"{where}: {data.strip()[:60]!r}")


def _words(model, column: str) -> str:
    return next(words for m, c, words in TYPED if (m, c) == (model, column))


def _rewrite_typed_text(app) -> None:
    """The demo's typed text in Arabic and Hebrew; then today's stand-up started, which takes its
    agenda's snapshot of the complaints and wishes again (with their new words), a check-in, a
    topic, a decision and an action item on its board, and a client's detail proposed."""
    with using(app):
        for model, column, words in TYPED:
            for row_id in db.session.scalars(sa.select(model.id)):
                value = {column: words.format(id=row_id)}
                db.session.execute(sa.update(model).where(model.id == row_id).values(value))
        db.session.commit()
        manager = db.session.scalar(sa.select(User).where(User.email == "manager@huddle.example"))
        team = manager.team
        team.workdays = "1234567"
        now = utcnow()
        standup = services.open_board(team, schedule.local_date(team, now), now)
        if standup.status == "planned":
            services.start_standup(standup, manager, now)
        services.record_check_in(
            manager,
            _words(CheckIn, "yesterday"),
            _words(CheckIn, "today"),
            _words(CheckIn, "blockers"),
            4,
            source="board",
        )
        services.add_topic(standup, manager, _words(ParkingLotItem, "topic"))
        services.add_decision(standup, manager, _words(Decision, "text"))
        services.add_action_item(standup, manager, _words(ActionItem, "text"), manager.id, None)
        client = db.session.scalar(sa.select(Client).order_by(Client.id))
        proposed = _words(ClientDetailProposal, "value").format(id=client.id)
        propose_details(client, {"name": proposed}, "write_to_us", team.id)
        db.session.commit()


def _called_back_wishes(app) -> list[str]:
    """The pages of the wishes whose callbacks were made: the walk opens the newest wish only,
    and a callback's notes show on its wish's page once it is done."""
    with using(app), app.test_request_context():
        done = sa.select(Callback.wish_id).where(Callback.done_at.is_not(None)).distinct()
        return [url_for("wishes.detail", wish_id=wish_id) for wish_id in db.session.scalars(done)]


def test_typed_text_keeps_its_own_direction_on_every_staff_page(app):
    values = _url_values(app)  # seeds the demo
    _rewrite_typed_text(app)
    urls = [_url(app, rule, values) for rule in _get_rules(app)] + _called_back_wishes(app)
    people = [p for p in _people(app) if p is not None]
    failures, seen = [], set()
    for url in urls:
        for person in people:
            client = app.test_client()
            client.log_in(person)
            response = client.get(url)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            page = _Bare(response.text)
            read = "".join(page.read)
            seen.update(words for _m, _c, words in TYPED if words.split("{")[0] in read)
            for piece in page.bare:
                failures.append(f"{url} as {person.role}: {piece}")
    assert sorted(set(failures)) == []
    # Every kind of typed text was on some page, read as typed (escaped once, not twice): none of
    # the above passed for want of it.
    assert [f"{m.__name__}.{c}" for m, c, words in TYPED if words not in seen] == []
