"""Every id on the stand-up board is unique, and every label names one field.

The action-item and the decision forms once both rendered ``<input id="text">``: the decision's
label pointed at the action item's field (the Decision field had no accessible name), and the
focus restored by id after adding a decision landed in the wrong form. The board is checked as its
facilitator sees it (every form and control) before, during and just after the meeting.
"""

from collections import Counter
from html.parser import HTMLParser

import pytest

from standup import queries, services
from tests.support.db import using
from tests.support.standup import user

HX = {"HX-Request": "true"}


class _Ids(HTMLParser):
    """The ids of a page and the ``for`` of its labels."""

    def __init__(self):
        super().__init__()
        self.ids: list[str] = []
        self.label_for: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.append(attributes["id"])
        if tag == "label" and attributes.get("for"):
            self.label_for.append(attributes["for"])


def ids_of(html: str) -> _Ids:
    parser = _Ids()
    parser.feed(html)
    return parser


def assert_unique_ids(html: str) -> None:
    found = ids_of(html)
    twice = sorted(name for name, count in Counter(found.ids).items() if count > 1)
    assert twice == [], f"ids used more than once: {twice}"
    dangling = sorted(set(found.label_for) - set(found.ids))
    assert dangling == [], f"labels naming no field: {dangling}"


def _advance(app, team, on, lead, step):
    with using(app):
        step(queries.standup_on(team.id, on), user(lead))


@pytest.mark.parametrize("state", ["planned", "live", "ended"])
def test_the_board_has_no_duplicate_ids(app, client, meeting, state):
    team, on, lead, _watcher, url = meeting
    client.log_in(lead)
    if state in ("live", "ended"):
        _advance(app, team, on, lead, services.start_standup)
    if state == "ended":
        _advance(app, team, on, lead, services.end_standup)  # within its undo window
    page = client.get(url).get_data(as_text=True)
    assert_unique_ids(page)
    if state != "ended":
        assert 'id="decision-form"' in page and 'id="action-item-form"' in page


def test_each_add_in_place_field_has_its_own_label(app, client, meeting):
    """The decision's label names the decision's field, not the action item's."""
    _team, _on, lead, _watcher, url = meeting
    client.log_in(lead)
    page = client.get(url).get_data(as_text=True)
    for form_id, label in (
        ("action-item-form", "Action item"),
        ("topic-form", "Parking-lot topic"),
        ("decision-form", "Decision"),
    ):
        form = page[page.index(f'id="{form_id}"') :]
        form = form[: form.index("</form>")]
        for_id = form[: form.index(f">{label}")].rsplit('for="', 1)[1].split('"', 1)[0]
        assert for_id in ids_of(form).ids, f"{label}: its label names {for_id}, not in its form"
        assert ids_of(page).ids.count(for_id) == 1, f"{label}: {for_id} is not its field alone"


def test_a_refused_add_in_place_answer_keeps_ids_unique(app, client, meeting):
    """A refused form comes back in place (htmx) or on the whole board (no JavaScript)."""
    _team, _on, lead, _watcher, url = meeting
    client.log_in(lead)
    client.get(url)
    for kind in ("/decisions", "/action-items", "/topics"):
        in_place = client.post(url + kind, data={}, headers=HX)
        assert in_place.status_code == 400
        assert_unique_ids(in_place.get_data(as_text=True))
        whole = client.post(url + kind, data={})
        assert whole.status_code == 400 and "<html" in whole.get_data(as_text=True)
        assert_unique_ids(whole.get_data(as_text=True))


def test_the_views_read_the_prefixed_fields_with_and_without_javascript(app, client, meeting):
    *_, lead, _watcher, url = meeting
    client.log_in(lead)
    client.get(url)
    posts = [
        ("/decisions", {"decision-text": "Go with the new macro"}),
        ("/topics", {"topic-topic": "Holiday rota"}),
        ("/action-items", {"action-item-text": "Call the courier"}),
    ]
    for suffix, data in posts:
        assert client.post(url + suffix, data=data, headers=HX).status_code == 200
        plain = client.post(url + suffix, data={k: v + " again" for k, v in data.items()})
        assert plain.status_code == 302  # the no-JavaScript post: back to the board
    panels = client.get(url + "/panels").get_data(as_text=True)
    for _suffix, data in posts:
        (text,) = data.values()
        assert text in panels and text + " again" in panels

    # Refused without JavaScript: the whole board, the typed text kept in the decision's field.
    long = "x" * 501
    refused = client.post(url + "/decisions", data={"decision-text": long})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "<html" in page
    field = page[page.index('id="decision-text"') - 200 : page.index('id="decision-text"') + 700]
    assert f'value="{long}"' in field and 'aria-invalid="true"' in field
    assert_unique_ids(page)
