"""The desk's pages over HTTP: roles, bad input, timezones, admin pages, the words they use."""

import re
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import pytz
import sqlalchemy as sa

from complaints import follow_ups
from complaints.models import Category, Compensation, Contact, Playbook
from core.database import utcnow
from core.extensions import db
from core.i18n import format_moment, speaking
from dashboard.home import blocks
from tests.support.complaints import fetch
from tests.support.db import count, using
from tests.support.web import as_read, htmx

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
UNCHANGED = {"category_id": "0", "constructive": ""}  # what the edit form sends when left alone


def local(value: datetime) -> str:
    return value.astimezone(SAO_PAULO).strftime("%Y-%m-%dT%H:%M")


# --- Who may do what --------------------------------------------------------------------------


def test_pages_need_a_login(client, make_complaint, make_user):
    make_user("agent")  # someone exists: otherwise the first-run set-up page comes first
    complaint = make_complaint()
    for url in ("/complaints/", f"/complaints/{complaint.id}", "/complaints/mine"):
        response = client.get(url)
        assert response.status_code == 302 and "/auth/login" in response.location


def test_agents_see_everything_and_log_contacts_but_do_not_own_or_decide(
    app, client, login_as, make_complaint, make_playbook
):
    login_as("agent")
    complaint = make_complaint()
    playbook = make_playbook()
    for url in ("/complaints/", f"/complaints/{complaint.id}"):
        assert client.get(url).status_code == 200
    for url in ("/complaints/mine", "/complaints/playbooks", "/complaints/categories"):
        assert client.get(url).status_code == 403, url
    version = {"version": complaint.version}
    for path, data in [
        ("take", {"from": "list"}),
        ("assign", {**version, "owner_id": 1}),
        ("status", {**version, "status": "contacting"}),
        ("playbook", {**version, "playbook_id": playbook.id}),
        ("edit", {**version, "summary": "Changed by an agent"}),
        ("compensation", {"kind": "refund", "amount": "5"}),
        ("outcome", {"outcome": "left"}),
    ]:
        assert htmx(client, f"/complaints/{complaint.id}/{path}", data).status_code == 403, path
    logged = htmx(
        client, f"/complaints/{complaint.id}/contacts", {"channel": "chat", "outcome": "reached"}
    )
    assert logged.status_code == 200
    after = fetch(app, complaint.id)
    assert (after.owner_id, after.summary, after.status) == (None, complaint.summary, "contacting")
    assert count(app, Contact) == 1 and count(app, Compensation) == 0


def test_managers_neither_approve_compensation_nor_write_playbooks(
    app, client, login_as, make_complaint
):
    manager = login_as("manager")
    complaint = make_complaint(owner_id=manager.id)
    htmx(client, f"/complaints/{complaint.id}/compensation", {"kind": "refund", "amount": "9"})
    with using(app):
        pending = db.session.scalar(sa.select(Compensation))
        assert pending.status == "pending"  # no limit set: everything waits for an admin
    assert htmx(client, f"/complaints/compensation/{pending.id}/approve").status_code == 403
    assert client.post("/complaints/categories", data={"name": "Other"}).status_code == 403
    assert count(app, Category) == 0


def test_state_changes_without_the_csrf_token_are_refused(app, client, login_as, make_complaint):
    login_as("manager")
    complaint = make_complaint()
    response = client.post(
        f"/complaints/{complaint.id}/contacts",
        data={"channel": "call", "outcome": "reached"},
        csrf=False,
    )
    assert response.status_code == 400
    assert count(app, Contact) == 0


def test_unknown_complaints_are_404_everywhere(client, login_as):
    login_as("admin")
    assert client.get("/complaints/424242").status_code == 404
    assert client.get("/complaints/clients/424242").status_code == 404
    assert client.get("/complaints/playbooks/424242").status_code == 404
    for path in ("contacts", "status", "edit", "take", "steps/0", "compensation"):
        assert htmx(client, f"/complaints/424242/{path}").status_code == 404, path
    assert htmx(client, "/complaints/compensation/424242/approve").status_code == 404


# --- In place, with htmx ----------------------------------------------------------------------


def test_taking_a_complaint_someone_owns_is_refused_in_the_row(
    app, client, login_as, make_user, make_complaint
):
    owner = make_user("manager", name="Mikhail Petrov")
    complaint = make_complaint(owner_id=owner.id)
    login_as("manager")
    row = htmx(client, f"/complaints/{complaint.id}/take", {"from": "list"})
    assert row.status_code == 409 and row.text.lstrip().startswith("<tr")
    assert "Mikhail Petrov already owns this complaint" in row.text
    assert fetch(app, complaint.id).owner_id == owner.id


def test_a_form_without_its_version_asks_to_reload(app, client, login_as, make_complaint):
    login_as("manager")
    complaint = make_complaint()
    response = htmx(client, f"/complaints/{complaint.id}/status", {"status": "contacting"})
    assert response.status_code == 400 and "Reload the page" in response.text
    assert fetch(app, complaint.id).status == "new"


def test_deciding_twice_says_it_was_decided(app, client, login_as, make_user, make_complaint):
    manager = make_user("manager")
    complaint = make_complaint(owner_id=manager.id)
    with using(app):
        comp = Compensation(
            complaint_id=complaint.id,
            kind="refund",
            amount=Decimal("70"),
            status="pending",
            requested_by_id=manager.id,
        )
        db.session.add(comp)
        db.session.commit()
        comp_id = comp.id
    login_as("admin")
    first = htmx(client, f"/complaints/compensation/{comp_id}/reject")
    assert first.status_code == 200 and "not approved" in first.text
    second = htmx(client, f"/complaints/compensation/{comp_id}/approve")
    assert second.status_code == 409 and "already decided" in second.text
    with using(app):
        assert db.session.get(Compensation, comp_id).status == "rejected"


def test_the_page_shows_words_not_codes_and_a_readable_history(
    client, login_as, make_complaint, make_contact
):
    manager = login_as("manager")
    complaint = make_complaint(owner_id=manager.id)
    page = htmx(
        client,
        f"/complaints/{complaint.id}/contacts",
        {"channel": "call", "outcome": "call_back_later"},
    ).text
    contacts = page.split('class="striped contacts stack"')[1]
    assert "Call back later" in contacts and "call_back_later" not in contacts
    assert "logged a contact" in contacts and "contact_logged" not in contacts
    assert re.search(r'class="status">\s*Contacting', page)
    assert "First contact" in page and "not yet" not in page.split("First contact")[1][:80]


# --- Times in the viewer's timezone -----------------------------------------------------------


def test_a_call_logged_afterwards_is_read_in_the_viewers_timezone(
    app, client, login_as, make_complaint
):
    login_as("manager", timezone="America/Sao_Paulo")
    complaint = make_complaint(opened_at=utcnow() - timedelta(hours=5))
    when = (utcnow() - timedelta(hours=2)).replace(second=0, microsecond=0)
    response = htmx(
        client,
        f"/complaints/{complaint.id}/contacts",
        {"channel": "call", "outcome": "reached", "at": local(when)},
    )
    assert response.status_code == 200
    with using(app):
        assert db.session.scalar(sa.select(Contact.at)) == when


@pytest.mark.parametrize(
    ("at", "status", "message"),
    [
        ("next tuesday", 400, "Not a valid datetime value"),
        ("future", 422, "cannot be in the future"),
    ],
)
def test_bad_contact_times_are_refused(app, client, login_as, make_complaint, at, status, message):
    login_as("manager", timezone="America/Sao_Paulo")
    complaint = make_complaint()
    if at == "future":
        at = local(utcnow() + timedelta(days=1))
    response = htmx(
        client,
        f"/complaints/{complaint.id}/contacts",
        {"channel": "call", "outcome": "reached", "notes": "Kept note", "at": at},
    )
    assert response.status_code == status and message in response.text
    assert "Kept note" in response.text  # their input stays in the form
    assert count(app, Contact) == 0


def test_editing_the_deadline_in_local_time(app, client, login_as, make_complaint):
    login_as("manager", timezone="America/Sao_Paulo")
    complaint = make_complaint(summary="Late courier")
    page = client.get(f"/complaints/{complaint.id}").text
    assert f'value="{local(complaint.due_at)}"' in page  # prefilled in their timezone
    due = (utcnow() + timedelta(days=3)).replace(second=0, microsecond=0)
    response = htmx(
        client,
        f"/complaints/{complaint.id}/edit",
        {
            **UNCHANGED,
            "version": complaint.version,
            "summary": "Late courier",
            "due_at": local(due),
        },
    )
    assert response.status_code == 200
    assert fetch(app, complaint.id).due_at == due
    history = as_read(response.text.split("<h2>History</h2>")[1])
    assert "follow up by:" in history and "+00:00" not in history  # shown in local time
    # One change once, as before → after (it read "follow up by, before: …; follow up by: …").
    (change,) = re.findall(r"follow up by: ([^;<]+)", history)
    old, new = change.split(" → ")
    with app.test_request_context(), speaking("en", "America/Sao_Paulo"):
        assert old.strip() == format_moment(complaint.due_at) and new == format_moment(due)
    assert "before" not in history
    # Left empty, the deadline stays where it was.
    htmx(
        client,
        f"/complaints/{complaint.id}/edit",
        {
            **UNCHANGED,
            "version": complaint.version + 1,
            "summary": "Late courier, again",
            "due_at": "",
        },
    )
    after = fetch(app, complaint.id)
    assert (after.summary, after.due_at) == ("Late courier, again", due)


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"summary": ""}, 400, "This field is required"),
        ({"summary": "Fine", "budget": "-4"}, 400, "Enter a budget of 0 or more."),
        ({"summary": "Fine", "budget": "much"}, 400, "Enter an amount like 35.90."),
        ({"summary": "Fine", "due_at": "soon"}, 400, "Not a valid datetime value"),
        ({"summary": "Fine", "category_id": "77777"}, 400, "Not a valid choice"),
        ({"summary": "Fine", "constructive": "maybe"}, 400, "Not a valid choice"),
    ],
)
def test_bad_edits_answer_next_to_the_field_and_keep_the_input(
    app, client, login_as, make_complaint, data, status, message
):
    login_as("manager")
    complaint = make_complaint(summary="Original")
    response = htmx(
        client,
        f"/complaints/{complaint.id}/edit",
        {**UNCHANGED, "version": complaint.version, "details": "Typed details", **data},
    )
    assert response.status_code == status and message in response.text
    assert "Typed details" in response.text
    after = fetch(app, complaint.id)
    assert (after.summary, after.version) == ("Original", complaint.version)


def test_assigning_to_someone_who_is_not_a_manager_is_refused(
    app, client, login_as, make_user, make_complaint
):
    login_as("manager")
    agent = make_user("agent")
    complaint = make_complaint()
    response = htmx(
        client,
        f"/complaints/{complaint.id}/assign",
        {"version": complaint.version, "owner_id": agent.id},
    )
    assert response.status_code == 400 and "Not a valid choice" in response.text
    assert fetch(app, complaint.id).owner_id is None


# --- My follow-ups ----------------------------------------------------------------------------


def test_my_follow_ups_are_overdue_then_due_today_in_my_timezone(
    client, login_as, make_user, make_complaint
):
    me = login_as("manager", timezone="America/Sao_Paulo")
    now = utcnow()
    end_of_today = datetime.combine(
        now.astimezone(SAO_PAULO).date() + timedelta(days=1), datetime.min.time(), SAO_PAULO
    )
    make_complaint(summary="Overdue one", owner_id=me.id, due_at=now - timedelta(hours=30))
    make_complaint(summary="Overdue two", owner_id=me.id, due_at=now - timedelta(minutes=5))
    make_complaint(
        summary="Later today", owner_id=me.id, due_at=end_of_today - timedelta(minutes=1)
    )
    make_complaint(summary="Tomorrow", owner_id=me.id, due_at=end_of_today + timedelta(minutes=1))
    make_complaint(summary="Not mine", owner_id=make_user("manager").id, due_at=now)
    make_complaint(summary="Done already", owner_id=me.id, status="resolved", due_at=now)
    page = as_read(client.get("/complaints/mine").text)
    shown = re.findall(r'complaints/\d+">([^<]+)</a>', page)
    if end_of_today - timedelta(minutes=1) < now:  # the test ran at a minute to midnight
        shown.remove("Later today")
    assert shown[:2] == ["Overdue one", "Overdue two"]
    assert "Tomorrow" not in shown and "Not mine" not in shown and "Done already" not in shown
    assert "2 overdue" in page


def _zone_at_noon(now: datetime) -> str:
    """A timezone whose clock shows about noon at ``now`` (an ``Etc/GMT`` zone, named by hours
    west of Greenwich), so that complaints due minutes from now are due today there."""
    east = 12 - now.hour  # -11 .. 12
    return f"Etc/GMT{-east:+d}" if east else "UTC"


@pytest.mark.parametrize(("late", "today"), [(5, 2), (2, 5)])
def test_cut_follow_ups_say_so_and_count_them_all(
    app, client, login_as, make_complaint, monkeypatch, late, today
):
    """Past the limit the page shows the first ones, says how many there are in all, and counts
    the overdue and those due today in full, as the open list (Mine, due first) lists them."""
    monkeypatch.setattr(follow_ups, "FOLLOW_UP_LIMIT", 3)
    monkeypatch.setattr(blocks, "SHOWN", 3)
    now = utcnow()
    zone = _zone_at_noon(now)  # "due today" holds whenever the test runs
    me = login_as("manager", timezone=zone)
    for n in range(late):
        make_complaint(summary=f"Late {n}", owner_id=me.id, due_at=now - timedelta(hours=n + 1))
    for n in range(today):
        make_complaint(summary=f"Today {n}", owner_id=me.id, due_at=now + timedelta(minutes=n + 1))
    page = client.get("/complaints/mine").text
    assert len(re.findall(r'<tr class="follow-up">', page)) == 3
    assert f"Only the first 3 of {late + today} follow-ups are shown here." in page
    assert f"{late} overdue" in page and "Nothing else is due today." not in page
    if late >= 3:
        assert f"{today} more are due today." in page
    assert page.count('href="/complaints/?view=mine"') >= 1
    block = client.get("/today/my-follow-ups", headers={"HX-Request": "true"}).text
    assert "Only the first 3 are shown here." in block  # Today's block does not count them
    with app.app_context():
        found = follow_ups.my_follow_ups(me.id, now, pytz.timezone(zone))
        uncounted = follow_ups.my_follow_ups(
            me.id, now, pytz.timezone(zone), limit=3, counted=False
        )
    assert (found.overdue_count, found.due_today_count, found.shown) == (late, today, 3)
    assert found.more and found.total == late + today
    assert uncounted.more and uncounted.total is None and uncounted.shown == 3


def test_follow_ups_within_the_limit_are_all_shown_with_no_note(client, login_as, make_complaint):
    me = login_as("manager", timezone="UTC")
    now = utcnow()
    make_complaint(summary="Late one", owner_id=me.id, due_at=now - timedelta(hours=1))
    page = client.get("/complaints/mine").text
    assert "1 overdue" in page and "Only the first" not in page
    block = client.get("/today/my-follow-ups", headers={"HX-Request": "true"}).text
    assert "Late one" in block and "Only the first" not in block


# --- Admin: playbooks and categories ----------------------------------------------------------


def test_a_playbook_is_edited_and_retired_never_deleted(app, client, login_as, make_playbook):
    login_as("admin")
    playbook = make_playbook(title="Old title")
    form = client.get(f"/complaints/playbooks/{playbook.id}").text
    assert 'value="Old title"' in form and "Check the courier" in form
    saved = client.post(
        f"/complaints/playbooks/{playbook.id}",
        data={
            "category": "Lost parcel",
            "title": "New title",
            "steps": "Say sorry\nResend",
            "follow_up_hours": "12",
            "active": "y",
        },
    )
    assert saved.status_code == 302
    row = htmx(client, f"/complaints/playbooks/{playbook.id}/active", {"active": "0"})
    assert row.status_code == 200 and "retired" in row.text and "Use again" in row.text
    with using(app):
        after = db.session.get(Playbook, playbook.id)
        assert (after.title, after.steps, after.active, after.category.name) == (
            "New title",
            ["Say sorry", "Resend"],
            False,
            "Lost parcel",
        )


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"steps": ""}, 400, "This field is required"),
        ({"steps": "\n  \n"}, 400, "This field is required"),
        ({"follow_up_hours": "0"}, 400, "Enter a number from 1 to 720"),
        ({"follow_up_hours": "soon"}, 400, "Not a valid integer value"),
        ({"suggested_compensation": "-1"}, 400, "Enter a number from 0 to 9,999,999,999"),
        ({"category": ""}, 400, "This field is required"),
    ],
)
def test_bad_playbooks_are_refused_with_the_input_kept(
    app, client, login_as, data, status, message
):
    login_as("admin")
    form = {
        "category": "Billing error",
        "title": "Typed title",
        "steps": "Apologise",
        "follow_up_hours": "6",
        **data,
    }
    response = client.post("/complaints/playbooks", data=form)
    assert response.status_code == status and message in response.text
    assert 'value="Typed title"' in response.text
    assert count(app, Playbook) == 0


def test_a_second_playbook_for_one_category_is_refused(app, client, login_as, make_playbook):
    login_as("admin")
    existing = make_playbook()
    with using(app):
        category = db.session.get(Category, existing.category_id).name
    response = client.post(
        "/complaints/playbooks",
        data={"category": category, "title": "Again", "steps": "x", "follow_up_hours": "6"},
    )
    assert response.status_code == 422 and "already has a playbook" in response.text
    assert count(app, Playbook) == 1


def test_categories_are_added_and_renamed_in_place(app, client, login_as):
    login_as("admin")
    assert client.post("/complaints/categories", data={"name": "Late delivery"}).status_code == 302
    assert client.post("/complaints/categories", data={"name": "Billing"}).status_code == 302
    duplicate = client.post("/complaints/categories", data={"name": "late delivery"})
    assert duplicate.status_code == 422 and "already a category" in duplicate.text
    empty = client.post("/complaints/categories", data={"name": ""})
    assert empty.status_code == 400
    with using(app):
        late = db.session.scalar(sa.select(Category).where(Category.name == "Late delivery"))
    renamed = htmx(client, f"/complaints/categories/{late.id}", {"name": "Late or lost"})
    assert renamed.status_code == 200 and renamed.text.lstrip().startswith("<li")
    clash = htmx(client, f"/complaints/categories/{late.id}", {"name": "billing"})
    assert clash.status_code == 422 and "already a category" in clash.text
    assert 'value="billing"' in clash.text
    with using(app):
        names = db.session.scalars(sa.select(Category.name).order_by(Category.name)).all()
    assert names == ["Billing", "Late or lost"]
    assert "Late or lost" in client.get("/complaints/categories").text


# --- Words -------------------------------------------------------------------------------------


def test_no_page_or_template_labels_our_clients(client, login_as, make_complaint, make_playbook):
    banned = re.compile(
        r"problem(atic)?[ -]?clients?|difficult clients?|bad clients?|troublemakers?|"
        r"blacklist|black list|проблемн\w* клиент",
        re.I,
    )
    for template in Path("templates").rglob("*.html"):
        assert not banned.search(template.read_text()), template
    login_as("admin")
    complaint = make_complaint()
    playbook = make_playbook()
    for url in (
        "/",
        "/complaints/",
        "/complaints/mine",
        "/complaints/playbooks",
        f"/complaints/playbooks/{playbook.id}",
        "/complaints/categories",
        f"/complaints/{complaint.id}",
        f"/complaints/clients/{complaint.client_id}",
    ):
        page = client.get(url)
        assert page.status_code == 200 and not banned.search(page.text), url
