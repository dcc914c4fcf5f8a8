"""Every htmx action that succeeds says what it did (issue #15): ``core.announce`` adds
``HX-Trigger-After-Settle: {"huddle:announce": ...}`` in the viewer's language; refusals do not."""

import json
import re
from datetime import time
from pathlib import Path

from core.database import utcnow
from standup import schedule
from tests.support.web import htmx

TEMPLATES = Path(__file__).parents[2] / "templates"
HX_POST = re.compile(r"hx-post=\"\{\{ url_for\('([\w.]+)'")
# An address built once and posted to by name (``{% set to = url_for(...) %}`` before a form whose
# action and hx-post share it, ``id_url`` for rows; issue #16): ``hx-post="{{ to }}"``.
BUILT_ONCE = re.compile(r"\{% set (\w+) = (?:url_for|id_url)\('([\w.]+)'")
POSTED_NAME = re.compile(r"hx-post=\"\{\{ (?:\w+\.)?(\w+)")


def announcement(response) -> str | None:
    header = response.headers.get("HX-Trigger-After-Settle")
    return json.loads(header).get("huddle:announce") if header else None


def test_every_posting_control_of_every_page_announces_its_success(app):
    texts = [template.read_text() for template in TEMPLATES.rglob("*.html")]
    endpoints = {endpoint for text in texts for endpoint in HX_POST.findall(text)}
    posted = {name for text in texts for name in POSTED_NAME.findall(text)}
    endpoints |= {
        endpoint for text in texts for name, endpoint in BUILT_ONCE.findall(text) if name in posted
    }
    assert len(endpoints) > 30
    silent = []
    for endpoint in sorted(endpoints):
        view = app.view_functions[endpoint]
        while not hasattr(view, "announcement") and hasattr(view, "__wrapped__"):
            view = view.__wrapped__
        if not str(getattr(view, "announcement", "")).strip():
            silent.append(endpoint)
    assert silent == []


def test_a_logged_contact_is_announced_in_the_viewers_language(client, login_as, make_complaint):
    manager = login_as("manager", locale="pt_BR")
    complaint = make_complaint(owner_id=manager.id)
    logged = htmx(
        client, f"/complaints/{complaint.id}/contacts", {"channel": "call", "outcome": "reached"}
    )
    assert logged.status_code == 200
    said = announcement(logged)
    assert said and said != "Contact logged."  # in Portuguese
    assert "\\u" in logged.headers["HX-Trigger-After-Settle"] or said.isascii()


def test_success_is_announced_refusals_and_plain_posts_are_not(client, login_as, make_complaint):
    manager = login_as("manager", locale="en")
    complaint = make_complaint(owner_id=manager.id)
    url = f"/complaints/{complaint.id}/contacts"
    assert announcement(htmx(client, url, {"channel": "call", "outcome": "reached"})) == (
        "Contact logged."
    )
    refused = htmx(client, url, {"channel": "pigeon", "outcome": "reached"})
    assert refused.status_code >= 400 and announcement(refused) is None
    plain = client.post(url, data={"channel": "call", "outcome": "reached"})
    assert announcement(plain) is None


def test_a_board_action_keeps_its_own_trigger_and_adds_the_announcement(
    client, login_as, make_team
):
    team = make_team(workdays="1234567", standup_time=time(9, 0))
    on = schedule.local_date(team, utcnow())
    login_as("agent", team_id=team.id, locale="en")
    client.get(f"/standup/{team.slug}/")
    response = htmx(
        client,
        f"/standup/{team.slug}/{on.isoformat()}/check-in",
        {"yesterday": "", "today": "Calls", "blockers": "", "mood": "3"},
    )
    assert response.headers["HX-Trigger"] == "standup-changed"
    assert announcement(response) == "Checked in."
