"""Undoing "End the stand-up" as the other open boards see it (issue #15): they keep polling while
the end may be undone, get the forms back when it is reopened, and lose the Undo when the window
closes — without a reload."""

import re
from datetime import timedelta

import pytest

from core.database import utcnow
from core.extensions import db
from standup import queries, rules, schedule
from standup.models import RotationEntry
from tests.support.db import save, using
from tests.support.queries import count_statements

HX = {"HX-Request": "true"}


@pytest.fixture
def team(make_standup_team):
    return make_standup_team(workdays="1234567")


@pytest.fixture
def people(app, team, make_user):
    lead = make_user(team_id=team.id, name="Lead")
    member = make_user(team_id=team.id, name="Member")
    save(app, RotationEntry(team_id=team.id, user_id=lead.id, position=0))
    save(app, RotationEntry(team_id=team.id, user_id=member.id, position=1))
    return lead, member


def url(team, suffix=""):
    return f"/standup/{team.slug}/{schedule.local_date(team, utcnow()).isoformat()}{suffix}"


def poll_url(html: str) -> str:
    return re.search(r'hx-get="([^"]*/live\?[^"]*)"', html).group(1).replace("&amp;", "&")


def ended_by_hand(client, login_as, team, lead, member) -> str:
    """The lead starts and ends the meeting; the member's screen picks the end up by polling.
    Returns the polling address the member's screen has then."""
    login_as(member)
    first = poll_url(client.get(url(team)).get_data(as_text=True))
    login_as(lead)
    client.post(url(team, "/start"), headers=HX)
    assert client.post(url(team, "/end"), headers=HX).status_code == 200
    login_as(member)
    seen = client.get(first, headers=HX)
    assert seen.status_code == 200
    return seen.get_data(as_text=True)


def test_an_ended_board_keeps_polling_while_the_end_may_be_undone(
    app, client, login_as, team, people
):
    lead, member = people
    html = ended_by_hand(client, login_as, team, lead, member)
    assert "status-ended" in html and "check-ins are closed" in html
    assert "Undo: reopen" not in html and "can still reopen it until" in html  # not theirs
    address = poll_url(html)
    assert "until=" in address and 'hx-trigger="every 3s"' in html
    assert client.get(address, headers=HX).status_code == 204  # nothing changed yet
    login_as(lead)  # a facilitator's screen (a manager's too) offers the Undo, and polls as well
    page = client.get(url(team)).get_data(as_text=True)
    assert "Undo: reopen the stand-up" in page and "until=" in poll_url(page)


def test_a_reopened_meeting_comes_back_on_the_other_screens_with_their_forms(
    app, client, login_as, team, people
):
    lead, member = people
    address = poll_url(ended_by_hand(client, login_as, team, lead, member))
    login_as(lead)
    assert client.post(url(team, "/reopen")).status_code == 302
    login_as(member)
    back = client.get(address, headers=HX)
    html = back.get_data(as_text=True)
    assert back.status_code == 200 and "status-live" in html
    assert back.headers["HX-Trigger"] == "standup-changed"  # the panels drop the summary
    aside = html[html.index('<aside id="standup-aside" hx-swap-oob="true">') :]
    assert 'id="check-in-form"' in aside and "Add in place" in aside
    assert "check-ins are closed" not in aside
    assert "until=" not in poll_url(html)  # live again: polled as any live meeting


def test_the_undo_goes_away_when_its_window_closes(app, client, login_as, team, people):
    lead, member = people
    address = poll_url(ended_by_hand(client, login_as, team, lead, member))
    with using(app):  # the window has passed; nothing else changed (same version)
        standup = queries.standup_on(team.id, schedule.local_date(team, utcnow()))
        standup.ended_at -= rules.UNDO_END + timedelta(seconds=1)
        closes = int(rules.undo_until(standup).timestamp())
        db.session.commit()
    # What the screens were given while the window was open: its end, which has now passed.
    address = re.sub(r"until=\d+", f"until={closes}", address)
    login_as(lead)
    closed = client.get(address, headers=HX)
    html = closed.get_data(as_text=True)
    assert closed.status_code == 200 and "status-ended" in html
    assert "Undo: reopen" not in html and "hx-get=" not in html  # and the polling stops
    login_as(member)
    assert "can still reopen" not in client.get(address, headers=HX).get_data(as_text=True)


def test_watching_the_window_costs_what_any_poll_costs(app, client, login_as, team, people):
    """Two queries per unchanged poll while the window is open; a reopen is one fuller answer."""
    lead, member = people
    address = poll_url(ended_by_hand(client, login_as, team, lead, member))
    with count_statements(app) as unchanged:
        assert client.get(address, headers=HX).status_code == 204
    assert len(unchanged) == 2  # the session's user, the version lookup
    login_as(lead)
    client.post(url(team, "/reopen"))
    login_as(member)
    with count_statements(app) as reopened:
        assert client.get(address, headers=HX).status_code == 200
    assert len(reopened) <= 13  # one board load: the live fragment and the forms beside it


def test_the_undo_is_an_htmx_action_that_brings_the_forms_back_and_says_so(
    app, client, login_as, team, people
):
    lead, member = people
    address = poll_url(ended_by_hand(client, login_as, team, lead, member))
    login_as(lead)
    page = client.get(url(team)).get_data(as_text=True)
    undo = page[page.index("undo-end") - 300 : page.index("undo-end")]
    assert f'hx-post="{url(team, "/reopen")}"' in undo and 'hx-target="#standup-live"' in undo
    back = client.post(url(team, "/reopen"), headers=HX)
    html = back.get_data(as_text=True)
    assert back.status_code == 200 and "status-live" in html
    assert "Stand-up reopened." in back.headers["HX-Trigger-After-Settle"]
    assert back.headers["HX-Trigger"] == "standup-changed"  # the panels drop the summary
    aside = html[html.index('<aside id="standup-aside" hx-swap-oob="true">') :]
    assert 'id="check-in-form"' in aside and "Add in place" in aside
    # The Undo's button is gone with the swap: the running item's control takes the focus.
    assert re.search(r"<button type=\"submit\" autofocus>Next item</button>", html)
    # ... on the screen that pressed it only; the others keep their own place.
    login_as(member)
    polled = client.get(address, headers=HX).get_data(as_text=True)
    assert "status-live" in polled and "autofocus" not in polled
