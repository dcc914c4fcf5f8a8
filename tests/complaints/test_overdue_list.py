"""The overdue view listed by opening (issue #16). SQLite walks the opening index and tests the
deadline on each row (``list_filters.overdue``), unless the walk could be long and the overdue are
few: then the page is cut from them (``listing._few_overdue``). Every way gives, page after page,
what a plain filter over the raw rows gives, on both databases."""

from dataclasses import replace
from datetime import timedelta

import pytest

from complaints import listing
from complaints.listing import Filters, open_complaints
from complaints.models import Complaint
from core.database import utcnow
from core.extensions import db
from tests.support.queries import count_statements, plan_of, statements_of

# (days since opened, hours until due: overdue below 0, channel, in the first category, status)
ROWS = [
    (12, -30, "phone", True, "new"),
    (11, 5, "email", False, "new"),
    (10, -2, "email", True, "contacting"),
    (9, 8, "phone", False, "new"),
    (8, -40, "phone", False, "closed"),  # overdue, but closed: never listed
    (7, 1, "phone", True, "new"),
    (6, -1, "phone", False, "reopened"),
    (5, 2, "email", True, "new"),
    (4, 9, "phone", False, "resolving"),
    (3, -7, "email", False, "new"),
    (2, 3, "phone", True, "new"),
    (1, 4, "email", False, "contacting"),
    (0, 6, "phone", True, "new"),
]
OPEN_NOT_DUE = 8  # of ROWS
OPEN_OVERDUE = 4
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


def plain_filter(sort: str, narrowing: dict, category_id: int) -> list[int]:
    """The overdue view by its meaning, from the raw rows, in the list's order."""
    now = utcnow()
    found = [
        c
        for c in db.session.scalars(db.select(Complaint))
        if c.is_open
        and c.due_at < now
        and narrowing.get("channel") in (None, c.channel)
        and (not narrowing.get("category") or c.category_id == category_id)
    ]
    if sort == "newest":
        found.sort(key=lambda c: (c.opened_at, c.id), reverse=True)
    else:
        found.sort(key=lambda c: (c.due_at if sort == "due" else c.opened_at, c.id))
    return [c.id for c in found]


def listed(sort: str, narrowing: dict, category_id: int) -> list[int]:
    """Every page of the overdue view, in order."""
    category = category_id if narrowing.get("category") else None
    shown, page = [], 1
    while True:
        filters = Filters(
            view="overdue", sort=sort, channel=narrowing.get("channel"), category_id=category
        )
        found = open_complaints(replace(filters, page=page), 0, utcnow())
        shown += [item.id for item in found.items]
        if not found.has_next:
            return shown
        page += 1


@pytest.mark.parametrize("many", [*range(10), 1000])
@pytest.mark.parametrize("narrowing", NARROWINGS, ids=str)
@pytest.mark.parametrize("sort", ["due", "newest", "oldest"])
def test_the_overdue_view_lists_what_a_plain_filter_lists(
    app, db_session, desk, monkeypatch, many, narrowing, sort
):
    """``many`` moves ``MANY_MATCHES`` across the counts of these rows (8 open not yet due, 4
    open overdue, fewer when narrowed), so the page is walked for or cut from the overdue on
    each side of both switches (pages of two): the result never changes."""
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    monkeypatch.setattr(listing, "MANY_MATCHES", many)
    expected = plain_filter(sort, narrowing, desk)
    assert expected  # every narrowing holds some overdue
    assert listed(sort, narrowing, desk) == expected


def _page_statement(app, sort: str) -> str:
    """The statement that read the overdue view's first page (its briefs' columns), checked right."""
    with count_statements(app) as counter:
        page = open_complaints(Filters(view="overdue", sort=sort), 0, utcnow())
    assert [c.id for c in page.items] == plain_filter(sort, {}, 0)[: listing.PAGE_SIZE]
    return next(s for s in counter.statements if "complaints.summary" in s)


def test_sqlite_cuts_the_page_from_the_overdue_when_the_walk_could_be_long(
    app, db_session, desk, monkeypatch
):
    """Many open complaints not yet due (more than ``MANY_MATCHES``) and the overdue at most
    that many: the page is read for the overdue's ids. Fewer not yet due: the opening index is
    walked, the deadline tested on each row. PostgreSQL always lists with its plain test."""
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    for many, way in [
        (OPEN_OVERDUE, "cut"),  # 8 not due > 4, and the 4 overdue are all there is
        (OPEN_OVERDUE - 1, "walked"),  # more overdue than that: walked all the same
        (OPEN_NOT_DUE, "walked"),  # the walk passes at most 8 not yet due
    ]:
        monkeypatch.setattr(listing, "MANY_MATCHES", many)
        for sort in ("newest", "oldest"):
            statement = _page_statement(app, sort)
            if not sqlite:
                assert "complaints.due_at <" in statement and "(+ " not in statement
            elif way == "cut":
                assert (
                    "complaints.id IN" in statement and "due_at" not in statement.split("WHERE")[1]
                )
            else:
                assert "(+ complaints.due_at) <" in statement, statement


def test_sqlite_walks_the_opening_index_for_the_overdue_listed_by_opening(
    app, client, login_as, desk
):
    """Tested ``+due_at < ?``, the deadline is kept from SQLite's index choice: the overdue listed
    newest first walk the opening index in its order, no sort of all the overdue for one page
    (1.1 s at a million before, 4.5 ms after). PostgreSQL plans by its histogram of deadlines."""
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
