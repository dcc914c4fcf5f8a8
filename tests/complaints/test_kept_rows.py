"""Issue #16: the open list's rows are written once for what they show and kept
(``complaints.list_rows``): a kept row is always the row the template writes for the same facts."""

import re
from dataclasses import replace
from datetime import timedelta

import pytest
from flask import render_template
from flask_login import login_user

from complaints import list_rows
from complaints.briefs import ComplaintBrief
from complaints.models import Complaint
from core.database import utcnow
from core.extensions import db
from core.i18n import speaking
from tests.support.web import without_token

NOW = utcnow().replace(hour=12, minute=0, second=0, microsecond=0)
BASE = ComplaintBrief(
    id=7,
    client_name="Ana Lima",
    summary="Parcel lost",
    status="new",
    channel="phone",
    category=None,
    owner_id=None,
    owner_name=None,
    team_id=None,
    opened_at=NOW - timedelta(days=3),
    due_at=NOW + timedelta(hours=2),
    last_contact_at=None,
    age_days=3,
    client_id=11,
)
OWNED = replace(BASE, owner_id=5, owner_name="Rita")
# Each changes one thing a row shows: (brief, facts, language, timezone, role)
CHANGES = {
    "client name": (replace(BASE, client_name="Ana Lima Souza"), {}, None, None, "manager"),
    "client link": (replace(BASE, client_id=12), {}, None, None, "manager"),
    "complaint id": (replace(BASE, id=8), {}, None, None, "manager"),
    "summary": (replace(BASE, summary="Parcel lost twice"), {}, None, None, "manager"),
    "generated title": (
        replace(BASE, summary_kind="rated", summary_params={"score": 2}),
        {},
        None,
        None,
        "manager",
    ),
    "its score": (
        replace(BASE, summary_kind="rated", summary_params={"score": 1}),
        {},
        None,
        None,
        "manager",
    ),
    "status": (replace(BASE, status="contacting"), {}, None, None, "manager"),
    "channel": (replace(BASE, channel="email"), {}, None, None, "manager"),
    "category": (replace(BASE, category="Late delivery"), {}, None, None, "manager"),
    "age": (replace(BASE, age_days=4), {}, None, None, "manager"),
    "owner": (OWNED, {}, None, None, "manager"),
    "owner's name": (replace(OWNED, owner_name="Rita Alves"), {}, None, None, "manager"),
    "owner away": (OWNED, {"owners_away": {5}}, None, None, "manager"),
    "deadline": (replace(BASE, due_at=NOW + timedelta(hours=3)), {}, None, None, "manager"),
    "overdue now": (BASE, {"now": NOW + timedelta(hours=3)}, None, None, "manager"),
    "last contact": (
        replace(BASE, last_contact_at=NOW - timedelta(hours=1)),
        {},
        None,
        None,
        "manager",
    ),
    "attempts": (BASE, {"attempts": {7: 2}}, None, None, "manager"),
    "language": (BASE, {}, "pt_BR", None, "manager"),
    "timezone": (BASE, {}, None, "Europe/Moscow", "manager"),
    "role": (BASE, {}, None, None, "agent"),
}
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def as_rows(rows, facts: dict) -> dict:
    """The context the list's and My follow-ups' row templates take."""
    return {"rows": rows, "now": NOW, **facts}


def as_block(rows, facts: dict) -> dict:
    """The context a Today block's complaint list takes."""
    return {"data": {"complaints": rows, "now": NOW, **facts}, "empty": "Nothing"}


def writer(viewers, template: str, kept: dict, context=as_rows):
    """Write rows as ``template`` does for a viewer of a role, in one request (one CSRF token);
    ``fresh`` forgets the rows ``kept`` first."""

    def write(rows, facts=None, locale="en", timezone="UTC", role="manager", fresh=False):
        if fresh:
            kept.clear()
        login_user(viewers[role])
        with speaking(locale or "en", timezone or "UTC"):
            return render_template(template, **context(rows, facts or {}))

    return write


@pytest.fixture
def viewers(make_user):
    return {role: make_user(role) for role in ("manager", "agent")}


@pytest.fixture
def write_rows(app, viewers):
    with app.test_request_context("/complaints/"):
        yield writer(viewers, "complaints/_rows.html", list_rows._KEPT)


def written_again_for_each_change(write, changes: dict) -> str:
    """Writes ``BASE`` and each change of ``changes``; each must differ from ``BASE``'s row, and
    each kept row must be what a fresh write gives. Returns ``BASE``'s row."""
    base = write([BASE])
    assert write([BASE]) == base == write([BASE], fresh=True)
    kept = {}
    for change, (brief, facts, locale, timezone, role) in changes.items():
        kept[change] = write([brief], facts, locale, timezone, role)
        assert kept[change] != base, change
    for change, (brief, facts, locale, timezone, role) in changes.items():
        assert write([brief], facts, locale, timezone, role, fresh=True) == kept[change]
    return base


def test_a_kept_row_is_written_again_for_anything_it_shows_that_changed(write_rows):
    assert 'id="complaint-row-7"' in written_again_for_each_change(write_rows, CHANGES)


def test_a_row_with_a_refusal_is_written_and_not_kept(write_rows):
    write_rows([BASE], fresh=True)
    refused = write_rows([BASE], {"error": "Someone else took it first."})
    assert 'role="alert">Someone else took it first.</small>' in refused
    assert len(list_rows._KEPT) == 1
    assert "Someone else" not in write_rows([BASE])


def test_each_session_reads_its_own_token_in_a_kept_row(app, make_user, make_complaint):
    unowned = make_complaint(summary="Nobody called yet")
    list_rows._KEPT.clear()
    managers = [app.test_client() for _ in range(2)]
    for manager in managers:
        manager.log_in(make_user("manager", timezone="UTC", locale="en"))
    tokens = []
    for manager in managers:
        page = manager.get("/complaints/").text
        row = page[page.index(f'id="complaint-row-{unowned.id}"') :]
        tokens.append(TOKEN.search(row).group(1))
    assert tokens[0] != tokens[1]
    assert len(list_rows._KEPT) == 1  # one row, written once for both
    # Without JavaScript the form posts its own token: the second manager's is theirs
    taken = managers[1].post(
        f"/complaints/{unowned.id}/take",
        data={"csrf_token": tokens[1], "from": "list"},
        csrf=False,
    )
    assert taken.status_code == 302
    with app.app_context():
        assert db.session.get(Complaint, unowned.id).owner_id is not None


# What every row without a form shows: its complaint, deadline and the language and timezone
SHOWN_BY_EVERY_ROW = (
    "client name",
    "complaint id",
    "summary",
    "generated title",
    "its score",
    "deadline",
    "overdue now",
    "language",
    "timezone",
)
# My follow-ups' rows (``_follow_ups.html``): each changes one thing such a row shows
FOLLOW_UP_CHANGES = {
    change: CHANGES[change] for change in (*SHOWN_BY_EVERY_ROW, "status", "last contact")
}


@pytest.fixture
def write_follow_ups(app, viewers):
    """My follow-ups' rows as ``_follow_ups.html`` writes them."""
    with app.test_request_context("/complaints/mine"):
        yield writer(viewers, "complaints/_follow_ups.html", list_rows._FOLLOW_UPS)


def test_a_kept_follow_up_is_written_again_for_anything_it_shows_that_changed(write_follow_ups):
    base = written_again_for_each_change(write_follow_ups, FOLLOW_UP_CHANGES)
    assert 'class="follow-up"' in base and "Ana Lima" in base


# Today's complaints (``home/_complaint_list.html``): each changes one thing such an item shows
ITEM_CHANGES = {
    **{change: CHANGES[change] for change in SHOWN_BY_EVERY_ROW},
    "escalated": (BASE, {"escalated": {7}}, None, None, "manager"),
}


@pytest.fixture
def write_items(app, viewers):
    """Today's complaints as a block's list writes them."""
    with app.test_request_context("/"):
        yield writer(viewers, "home/_complaint_list.html", list_rows._ITEMS, as_block)


def test_a_kept_item_of_today_is_written_again_for_anything_it_shows_that_changed(write_items):
    base = written_again_for_each_change(write_items, ITEM_CHANGES)
    assert "<bdi>Ana Lima</bdi> — <bdi>Parcel lost</bdi>" in base and "/complaints/7" in base


# Every kind of kept rows: (page, template, the store, its bound, the context it takes)
KEPT_KINDS = {
    "open list": ("/complaints/", "complaints/_rows.html", "_KEPT", "ROWS_KEPT", as_rows),
    "my follow-ups": (
        "/complaints/mine",
        "complaints/_follow_ups.html",
        "_FOLLOW_UPS",
        "FOLLOW_UPS_KEPT",
        as_rows,
    ),
    "today": ("/", "home/_complaint_list.html", "_ITEMS", "ITEMS_KEPT", as_block),
}


@pytest.mark.parametrize("kind", KEPT_KINDS)
def test_a_row_already_written_is_taken_from_the_kept_ones(app, viewers, kind):
    page, template, store, _bound, context = KEPT_KINDS[kind]
    kept = getattr(list_rows, store)
    with app.test_request_context(page):
        write = writer(viewers, template, kept, context)
        first = write([BASE, OWNED], fresh=True)
        assert len(kept) == 2
        (key, row), *_ = kept.items()
        kept[key] = row.replace("Ana Lima", "Kept Row")
        assert "Kept Row" in write([BASE, OWNED]) and "Kept Row" not in first


@pytest.mark.parametrize("kind", KEPT_KINDS)
def test_the_rows_kept_are_bounded(app, viewers, monkeypatch, kind):
    page, template, store, bound, context = KEPT_KINDS[kind]
    kept = getattr(list_rows, store)
    monkeypatch.setattr(list_rows, bound, 3)
    briefs = [replace(BASE, id=number) for number in range(1, 8)]
    with app.test_request_context(page):
        write = writer(viewers, template, kept, context)
        written = write(briefs, fresh=True)
        assert len(kept) <= 3
        assert write(briefs) == written == write(briefs, fresh=True)


def test_my_follow_ups_page_shows_the_kept_rows_escaped(client, login_as, make_complaint):
    manager = login_as("manager")
    make_complaint(
        owner=manager, summary="<b>Parcel</b> lost", due_at=utcnow() - timedelta(hours=1)
    )
    list_rows._FOLLOW_UPS.clear()
    first = client.get("/complaints/mine").text
    assert "&lt;b&gt;Parcel&lt;/b&gt; lost" in first and "<b>Parcel" not in first
    assert len(list_rows._FOLLOW_UPS) == 1
    # The same page but for the request's CSRF token (signed with the second it is made in)
    assert without_token(client.get("/complaints/mine").text) == without_token(first)
