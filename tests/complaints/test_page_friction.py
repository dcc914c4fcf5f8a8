"""The complaint page without friction (issue #15): "Resolve" once a contact reached the client,
with what is still open said and asked about (never blocking); a playbook picker that preselects
nothing unrelated and keeps the applied one; overdue said in words."""

import re
from datetime import timedelta

from core.database import utcnow
from tests.support.complaints import fetch
from tests.support.web import htmx


def resolve_form(page: str) -> str | None:
    found = re.search(
        r'<form[^>]*hx-post="[^"]*/status"[^>]*>(?:(?!</form>).)*name="status" value="resolved"',
        page,
        re.S,
    )
    return found.group(0) if found else None


def test_resolve_is_offered_only_after_a_contact_reached_the_client(
    app, client, login_as, make_complaint
):
    manager = login_as("manager")
    complaint = make_complaint(owner_id=manager.id)
    url = f"/complaints/{complaint.id}"
    assert resolve_form(client.get(url).text) is None
    assert "first log a contact that reached the client" in client.get(url).text
    htmx(client, f"{url}/contacts", {"channel": "call", "outcome": "reached"})
    form = resolve_form(client.get(url).text)
    assert form is not None and "hx-confirm" not in form  # nothing left open: no question


def test_resolving_with_open_steps_and_waiting_compensation_warns_but_is_allowed(
    app, client, login_as, make_complaint, make_playbook, make_compensation
):
    manager = login_as("manager")
    complaint = make_complaint(owner_id=manager.id)
    url = f"/complaints/{complaint.id}"
    playbook = make_playbook()
    htmx(
        client,
        f"{url}/playbook",
        {"playbook_id": playbook.id, "version": fetch(app, complaint.id).version},
    )
    htmx(client, f"{url}/steps/0")
    make_compensation(complaint, "20.00", utcnow(), status="pending", requested_by_id=manager.id)
    htmx(client, f"{url}/contacts", {"channel": "call", "outcome": "reached"})
    page = client.get(url).text
    assert "2 playbook steps are not ticked." in page
    assert "1 compensation is still waiting for approval." in page
    assert 'hx-confirm="2 playbook steps are not ticked.' in resolve_form(page)
    resolved = htmx(
        client, f"{url}/status", {"status": "resolved", "version": fetch(app, complaint.id).version}
    )
    assert resolved.status_code == 200 and fetch(app, complaint.id).status == "resolved"


def test_the_playbook_picker_preselects_nothing_then_the_applied_one(
    app, client, login_as, make_complaint, make_playbook
):
    login_as("manager")
    complaint = make_complaint()
    make_playbook("Damaged box")
    chosen = make_playbook("Late parcel")
    url = f"/complaints/{complaint.id}"

    def selected(page: str) -> str:
        picker = re.search(r'name="playbook_id".*?</select>', page, re.S).group(0)
        option = re.search(r"<option[^>]*selected[^>]*>", picker)
        return re.search(r'value="(\d+)"', option.group(0)).group(1)

    assert selected(client.get(url).text) == "0"  # "Choose a playbook…"
    applied = htmx(
        client,
        f"{url}/playbook",
        {"playbook_id": chosen.id, "version": fetch(app, complaint.id).version},
    )
    assert selected(applied.text) == str(chosen.id)
    assert selected(client.get(url).text) == str(chosen.id)


def test_overdue_is_said_in_words_not_only_in_red(client, login_as, make_complaint):
    manager = login_as("manager")
    late = make_complaint(
        owner_id=manager.id, summary="Wrong size", due_at=utcnow() - timedelta(hours=3)
    )
    listed = client.get("/complaints/").text
    assert re.search(r'class="overdue">[^<]*· overdue</td>', listed)
    assert "· overdue" in client.get(f"/complaints/{late.id}").text
    assert "· overdue" in client.get("/complaints/mine").text
