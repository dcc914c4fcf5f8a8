"""An agenda item's minutes refused: the message under that item's field, tied to it
(``aria-invalid``, ``aria-describedby``), what was typed kept in it; in the live fragment (htmx) and
on the whole board without JavaScript. It was said above the agenda and the old minutes came back.
A refusal about the meeting itself stays above the agenda."""

import re

import pytest

from standup import queries, services
from tests.support.db import using
from tests.support.standup import user

HX = {"HX-Request": "true"}


@pytest.fixture
def live_meeting(app, client, meeting):
    """The meeting running, its facilitator logged in: (url, the id of an upcoming item)."""
    team, on, lead, _watcher, url = meeting
    with using(app):
        standup = queries.standup_on(team.id, on)
        services.start_standup(standup, user(lead))
        upcoming = queries.agenda_items(standup.id)[-1].id
    client.log_in(lead)
    return url, upcoming


def field_of(html: str, item_id: int) -> str:
    return re.search(rf'<input type="number" id="timebox-{item_id}"[^>]*>', html).group(0)


def assert_refused_at_its_field(html: str, item_id: int, typed: str, says: str) -> None:
    field = field_of(html, item_id)
    assert f'value="{typed}"' in field and 'aria-invalid="true"' in field
    assert f'aria-describedby="timebox-{item_id}-error"' in field
    error = re.search(rf'<small id="timebox-{item_id}-error" class="field-error">([^<]*)', html)
    assert error and says in error.group(1)
    form = html[html.index(field) :]
    assert form.index(error.group(0)) < form.index("</form>")  # next to it, in its form
    assert "flash-error" not in html  # not above the agenda


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "no-js"])
def test_minutes_that_do_not_fit_are_refused_at_their_field(client, live_meeting, htmx):
    url, item_id = live_meeting
    address = f"{url}/items/{item_id}/timebox"
    answer = client.post(address, data={"minutes": "30"}, headers=HX if htmx else {})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and ("<html" in html) is not htmx
    assert_refused_at_its_field(html, item_id, "30", "That would run past the 15-minute timebox")

    garbage = client.post(address, data={"minutes": "lots"}, headers=HX if htmx else {})
    assert garbage.status_code == 422
    assert_refused_at_its_field(garbage.get_data(as_text=True), item_id, "lots", "")


def test_minutes_that_fit_are_set_and_the_field_is_plain_again(client, live_meeting):
    url, item_id = live_meeting
    client.post(f"{url}/items/{item_id}/timebox", data={"minutes": "30"}, headers=HX)
    answer = client.post(f"{url}/items/{item_id}/timebox", data={"minutes": "0.5"}, headers=HX)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert 'value="0.5"' in field_of(html, item_id) and "aria-invalid" not in html
    assert "Timebox set." in answer.headers["HX-Trigger-After-Settle"]


def test_a_refusal_about_the_meeting_stays_above_the_agenda(client, live_meeting):
    url, item_id = live_meeting
    # An item of no agenda of this day (a stale form, a tampered post) is not a minutes problem.
    answer = client.post(
        f"{url}/items/{item_id + 10_000}/timebox", data={"minutes": "1"}, headers=HX
    )
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "not part of this stand-up" in html
    assert 'class="flash flash-error" role="alert"' in html and "aria-invalid" not in html
