"""Every htmx form also works without JavaScript (issue #11).

Each form (or button) that htmx posts is a real ``<form method="post" action=...>`` with its CSRF
token, so a browser without JavaScript posts the same thing; a plain POST (no ``HX-Request``) is
answered with a redirect or a whole page, never with a bare fragment; and a refused plain POST
shows the whole page again with what was typed kept next to its field.
"""

import pathlib
import re

from complaints.models import Category
from tests.dashboard.test_form_walker import _people, _post_rules, _url, _url_values
from tests.support.db import reloaded

TEMPLATES = pathlib.Path(__file__).resolve().parents[2] / "templates"
_TAG = re.compile(r"<(form|button|input)\b([^>]*)>", re.S)
SAMPLES = [
    {},
    {
        "text": "Call the client back",
        "name": "Renamed",
        "note": "x",
        "present": "1",
        # the stand-up board's add-in-place forms (standup.forms.BoardForm)
        "action-item-text": "Call the client back",
        "topic-topic": "Rota",
        "decision-text": "Go",
    },
]


def test_every_htmx_form_and_button_is_a_real_form_too():
    missing = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text()
        for match in _TAG.finditer(text):
            kind, attrs = match.groups()
            posted = re.search(r'hx-post="([^"]*)"', attrs)
            if posted is None:
                continue
            where = f"{path.relative_to(TEMPLATES)}:{text[: match.start()].count(chr(10)) + 1}"
            if kind == "button":
                missing.append(f"{where}: a button posts only with htmx; put it in a form")
                continue
            if kind == "input":  # posts on change: its form must post the same without htmx
                opened = text.rfind("<form", 0, match.start())
                if opened < 0 or text.find("</form>", opened) < match.start():
                    missing.append(f"{where}: an input posts only with htmx; put it in a form")
                    continue
                attrs = text[opened : text.find(">", opened)]
            body = text[match.end() : text.find("</form>", match.end())]
            if 'method="post"' not in attrs or f'action="{posted.group(1)}"' not in attrs:
                missing.append(f"{where}: no method=post and action matching hx-post")
            elif not any(
                mark in text[text.rfind("<form", 0, match.end()) : match.start()] + body
                for mark in ("csrf_token", "hidden_tag()", "{% include")
            ):
                missing.append(f"{where}: no CSRF token for the plain POST")
    assert missing == []


def test_a_plain_post_is_answered_with_a_redirect_or_a_whole_page(app):
    values = _url_values(app)
    people = [person for person in _people(app) if person is not None]
    fragments = []
    for rule in _post_rules(app):
        url = _url(app, rule, values)
        for person in people:
            client = app.test_client()
            client.log_in(person)
            for data in SAMPLES:
                response = client.post(url, data=data)
                if response.status_code in (302, 303) or response.mimetype != "text/html":
                    continue
                if "<html" not in response.get_data(as_text=True)[:500].lower():
                    kind = "filled" if data else "empty"
                    fragments.append(f"{rule.rule} as {person.role}, {kind}: a fragment")
    assert fragments == []


def test_a_refused_rename_without_javascript_keeps_the_typed_name(
    app, client, login_as, make_category
):
    login_as("admin")
    taken, renamed = make_category("Late delivery"), make_category("Billing")
    response = client.post(f"/complaints/categories/{renamed.id}", data={"name": "late delivery"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "<html" in page and 'value="late delivery"' in page
    row = page[page.index(f'id="category-{renamed.id}"') :]
    assert 'aria-invalid="true"' in row[: row.index("</li>")]
    assert reloaded(app, Category, renamed.id).name == "Billing"
    assert reloaded(app, Category, taken.id).name == "Late delivery"

    response = client.post(f"/complaints/categories/{renamed.id}", data={"name": "Invoices"})
    assert response.status_code == 302 and response.location.endswith("/complaints/categories")
    assert reloaded(app, Category, renamed.id).name == "Invoices"


def test_taking_a_complaint_from_the_list_without_javascript_returns_to_the_list(
    app, client, login_as, make_complaint
):
    manager = login_as("manager")
    complaint = make_complaint()
    response = client.post(f"/complaints/{complaint.id}/take", data={"from": "list"})
    assert response.status_code == 302 and response.location.endswith("/complaints/")
    assert "You own this complaint now." in client.get("/complaints/").get_data(as_text=True)
    assert reloaded(app, type(complaint), complaint.id).owner_id == manager.id


def test_the_playbook_checklist_ticks_without_javascript(
    app, client, login_as, make_complaint, make_playbook
):
    """Each step is a real form: its button (shown only without JavaScript) ticks or unticks it."""
    playbook = make_playbook()
    login_as("agent")
    complaint = make_complaint(playbook_id=playbook.id)
    page = client.get(f"/complaints/{complaint.id}").get_data(as_text=True)
    action = f'action="/complaints/{complaint.id}/steps/1"'
    form = page[page.rindex("<form", 0, page.index(action)) :]
    form = form[: form.index("</form>")]
    assert 'method="post"' in form and 'name="csrf_token"' in form
    assert re.search(r"<noscript><button type=\"submit\"[^>]*>Mark done</button></noscript>", form)

    response = client.post(f"/complaints/{complaint.id}/steps/1", data={"step": "1"})
    assert response.status_code in (200, 302, 303)
    assert reloaded(app, type(complaint), complaint.id).checklist_done == [1]
    page = client.get(f"/complaints/{complaint.id}").get_data(as_text=True)
    form = page[page.rindex("<form", 0, page.index(action)) :]
    assert "Mark not done" in form[: form.index("</form>")]

    client.post(f"/complaints/{complaint.id}/steps/1")
    assert reloaded(app, type(complaint), complaint.id).checklist_done == []
