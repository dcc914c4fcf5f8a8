"""The open list listed by opening, narrowed (issue #16). SQLite walks the opening index and tests
the rest on each row: the overdue view's deadline (``list_filters.overdue``), a category, a
channel. Where that walk could be long, a filter that leaves few open complaints, the page is cut
from them instead (``few_rows.in_rare_filter``). Every way gives, page after page, what a plain
filter over the raw rows gives, on both databases."""

from dataclasses import replace
from datetime import timedelta

import pytest

from complaints import listing
from complaints.listing import Filters, open_complaints
from complaints.models import Complaint
from core.database import utcnow
from core.extensions import db
from tests.support.db import save_all
from tests.support.factories import build_complaint
from tests.support.queries import count_statements, plan_of, statements_of

# (days since opened, hours until due: overdue below 0, channel, in the first category, status)
ROWS = [
    (12, -30, "phone", True, "new"),
    (11, 5, "email", False, "new"),
    (10, -2, "email", True, "contacting"),
    (9, 8, "phone", False, "new"),
    (8, -40, "phone", True, "closed"),  # overdue, but closed: never listed
    (7, 1, "phone", True, "new"),
    (6, -1, "phone", False, "reopened"),
    (5, 2, "email", True, "new"),
    (4, 9, "phone", False, "resolving"),
    (3, -7, "email", False, "new"),
    (2, 3, "phone", True, "new"),
    (1, 4, "email", False, "contacting"),
    (0, 6, "phone", True, "new"),
]
OPEN_OVERDUE = 4  # of ROWS
OPEN_IN_FIRST = 6  # the first category's
NARROWINGS = [{}, {"channel": "phone"}, {"category": True}, {"channel": "email", "category": True}]


@pytest.fixture
def desk(app, make_complaint, make_category):
    """The rows, and the first category's id."""
    first, other = make_category("Delivery"), make_category("Billing")
    now = utcnow()
    for days, hours, channel, in_first, status in ROWS:
        make_complaint(
            opened_at=now - timedelta(days=days),
            due_at=now + timedelta(hours=hours),
            channel=channel,
            category=first if in_first else other,
            status=status,
        )
    return first.id


def plain_filter(sort: str, narrowing: dict, category_id: int, view: str = "overdue") -> list[int]:
    """The list by its meaning, from the raw rows, in the list's order."""
    now = utcnow()
    found = [
        c
        for c in db.session.scalars(db.select(Complaint))
        if c.is_open
        and (view != "overdue" or c.due_at < now)
        and narrowing.get("channel") in (None, c.channel)
        and (not narrowing.get("category") or c.category_id == category_id)
    ]
    if sort == "newest":
        found.sort(key=lambda c: (c.opened_at, c.id), reverse=True)
    else:
        found.sort(key=lambda c: (c.due_at if sort == "due" else c.opened_at, c.id))
    return [c.id for c in found]


def listed(sort: str, narrowing: dict, category_id: int, view: str = "overdue") -> list[int]:
    """Every page of the list, in order."""
    category = category_id if narrowing.get("category") else None
    shown, page = [], 1
    while True:
        filters = Filters(
            view=view, sort=sort, channel=narrowing.get("channel"), category_id=category
        )
        found = open_complaints(replace(filters, page=page), 0, utcnow())
        shown += [item.id for item in found.items]
        if not found.has_next:
            return shown
        page += 1


@pytest.mark.parametrize("narrowing", NARROWINGS, ids=str)
@pytest.mark.parametrize("sort", ["due", "newest", "oldest"])
@pytest.mark.parametrize("view", ["overdue", "all"])
def test_the_list_by_opening_lists_what_a_plain_filter_lists(
    app, db_session, desk, monkeypatch, narrowing, sort, view
):
    """``FEW_NARROWED`` moves across the counts of these rows (4 open overdue, 6 open in the
    first category, 5 by e-mail, 7 by phone), so the page is walked for or cut from the rows
    that pass on each side of every switch (pages of two): the result never changes."""
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    expected = plain_filter(sort, narrowing, desk, view)
    assert expected  # every narrowing holds some overdue
    for many in [*range(9), 1000]:
        monkeypatch.setattr(listing, "FEW_NARROWED", many)
        assert listed(sort, narrowing, desk, view) == expected, many


def _page_statement(app, sort: str, view: str = "overdue", **narrowing) -> str:
    """The statement that read the list's first page (its briefs' columns), checked right."""
    category = narrowing.pop("category_id", None)
    filters = Filters(view=view, sort=sort, category_id=category, **narrowing)
    with count_statements(app) as counter:
        page = open_complaints(filters, 0, utcnow())
    meant = plain_filter(sort, {**narrowing, "category": category}, category, view)
    assert [c.id for c in page.items] == meant[: listing.PAGE_SIZE]
    return next(s for s in counter.statements if "complaints.summary" in s)


def test_sqlite_cuts_the_page_from_the_overdue_when_they_are_few(
    app, db_session, desk, monkeypatch
):
    """At most ``FEW_NARROWED`` open overdue: the page is read for their ids. More: the opening
    index is walked, the deadline tested on each row. PostgreSQL always lists with its plain
    test."""
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    for few, way in [(OPEN_OVERDUE, "cut"), (OPEN_OVERDUE - 1, "walked")]:
        monkeypatch.setattr(listing, "FEW_NARROWED", few)
        for sort in ("newest", "oldest"):
            statement = _page_statement(app, sort)
            if not sqlite:
                assert "complaints.due_at <" in statement and "(+ " not in statement
            elif way == "cut":
                assert "complaints.id IN" in statement, statement
                assert "due_at" not in statement.split("WHERE")[1], statement
            else:
                assert "(+ complaints.due_at) <" in statement, statement


def test_sqlite_walks_the_opening_index_for_the_overdue_listed_by_opening(
    app, client, login_as, desk, monkeypatch
):
    """Tested ``+due_at < ?``, the deadline is kept from SQLite's index choice: the overdue listed
    newest first walk the opening index in its order, no sort of all the overdue for one page
    (1.1 s at a million before, 4.5 ms after). PostgreSQL plans by its histogram of deadlines."""
    monkeypatch.setattr(listing, "FEW_NARROWED", 0)  # the overdue are many
    login_as("manager")
    url = "/complaints/?view=overdue&sort=newest"
    statement, parameters = next(
        (statement, parameters)
        for statement, parameters in statements_of(app, client, url)
        if "ORDER BY complaints.opened_at DESC" in statement
    )
    with app.app_context():
        sqlite = db.engines[None].dialect.name == "sqlite"
    if not sqlite:
        assert "complaints.due_at <" in statement and "(+ " not in statement
        return
    plan = plan_of(app, statement, parameters)
    assert "ix_complaints_is_open_opened_at" in plan, plan
    assert "TEMP B-TREE" not in plan, plan


@pytest.mark.parametrize(
    ("narrowing", "open_in_it"),
    [
        ({"category": True}, OPEN_IN_FIRST),
        ({"channel": "email"}, 5),
        ({"category": True, "channel": "email"}, 5),  # the rarer of the two decides
    ],
    ids=str,
)
def test_sqlite_cuts_the_page_from_a_category_or_channel_with_few_open(
    app, db_session, desk, monkeypatch, narrowing, open_in_it
):
    """A category or a channel with at most ``FEW_NARROWED`` open complaints, listed by
    opening: the page is read for their ids (an empty category read every open complaint to
    find none). With more, the opening index is walked. PostgreSQL lists with one statement."""
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    asked = {"channel": narrowing.get("channel")}
    asked["category_id"] = desk if narrowing.get("category") else None
    for many in (open_in_it, open_in_it - 1):
        monkeypatch.setattr(listing, "FEW_NARROWED", many)
        for sort in ("newest", "oldest"):
            statement = _page_statement(app, sort, "all", **asked)
            cut = "complaints.id IN" in statement
            assert cut == (sqlite and many == open_in_it), statement


def test_a_category_listed_by_deadline_walks_its_own_index(
    app, client, login_as, desk, make_category, make_client
):
    """By deadline, a category's open complaints are walked in order on their own index, however
    few they are (an empty one read every open complaint; 144 ms at a million, 2.5 ms now). Most
    open complaints are in another category here, as on a real desk: on a dozen rows
    PostgreSQL's choice between this index and the open list's is a coin toss."""
    other, someone = make_category("Other"), make_client()
    soon = utcnow()
    save_all(
        app,
        (
            build_complaint(soon, soon + timedelta(hours=1), client=someone, category=other)
            for _ in range(300)
        ),
    )
    login_as("manager")
    url = f"/complaints/?category={desk}"
    statement, parameters = next(
        (statement, parameters)
        for statement, parameters in statements_of(app, client, url)
        if "ORDER BY complaints.due_at" in statement
    )
    plan = plan_of(app, statement, parameters, ordered=True)
    assert "ix_complaints_category_id_is_open_due_at" in plan, plan
    assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan
