"""The board says in words what colour alone said, asks before ending, and counts who watched
(issue #15): overtime on the current item, the timebox's unit, "End" confirmed, a member watching
the live board present without a check-in, the summary naming the items never reached."""

import re
from datetime import timedelta

import sqlalchemy as sa

from core.database import utcnow
from core.extensions import db
from core.models import User
from standup import queries, services
from standup.models import AgendaItem, Attendance
from tests.support.db import using

HX = {"HX-Request": "true"}


def start(app, team, on):
    with using(app):
        standup = queries.standup_on(team.id, on)
        services.start_standup(standup, db.session.get(User, standup.facilitator_id))


def present(app, team, on, user) -> bool | None:
    with using(app):
        standup = queries.standup_on(team.id, on)
        return db.session.scalar(
            sa.select(Attendance.present).where(
                Attendance.standup_id == standup.id, Attendance.user_id == user.id
            )
        )


def test_the_current_item_says_how_far_over_its_timebox_it_is(app, client, meeting):
    team, on, lead, _watcher, url = meeting
    client.log_in(lead)
    start(app, team, on)
    live = client.get(f"{url}/live", headers=HX).get_data(as_text=True)
    assert re.search(r'class="overtime"[^>]*hidden', live)  # within its timebox: nothing said
    with using(app):
        standup = queries.standup_on(team.id, on)
        current = db.session.scalar(
            sa.select(AgendaItem).where(
                AgendaItem.standup_id == standup.id,
                AgendaItem.position == standup.current_position,
            )
        )
        current.started_at = utcnow() - timedelta(seconds=current.timebox_seconds + 95)
        db.session.commit()
    live = client.get(f"{url}/live", headers=HX).get_data(as_text=True)
    assert re.search(r'class="overtime" data-label="\{\} over">1:3\d over<', live)


def test_the_timebox_field_shows_its_unit(client, meeting):
    _team, _on, lead, _watcher, url = meeting
    client.log_in(lead)
    page = client.get(url).get_data(as_text=True)
    assert re.search(r'name="minutes"[^>]*>\s*<span class="timebox-unit"[^>]*>min</span>', page)


def test_ending_asks_first_and_stands_apart_from_next_item(app, client, meeting):
    team, on, lead, _watcher, url = meeting
    client.log_in(lead)
    start(app, team, on)
    live = client.get(f"{url}/live", headers=HX).get_data(as_text=True)
    end = re.search(r"<form[^>]*>(?:(?!</form>).)*end-control", live, re.S).group(0)
    assert 'hx-confirm="End the stand-up for everyone?' in end


def test_a_member_watching_the_live_board_is_present_without_checking_in(app, client, meeting):
    team, on, _lead, watcher, url = meeting
    start(app, team, on)
    assert present(app, team, on, watcher) is False  # the start: no check-in, so absent
    client.log_in(watcher)
    page = client.get(url).get_data(as_text=True)
    assert present(app, team, on, watcher) is True
    assert "Walter Watch" in page


def test_an_absence_the_facilitator_set_by_hand_stays(app, client, meeting):
    team, on, lead, watcher, url = meeting
    start(app, team, on)
    with using(app):
        standup = queries.standup_on(team.id, on)
        later = utcnow() + timedelta(seconds=5)
        services.set_attendance(standup, db.session.get(User, lead.id), watcher.id, False)
        row = db.session.scalar(sa.select(Attendance).where(Attendance.user_id == watcher.id))
        row.marked_at = later
        db.session.commit()
    client.log_in(watcher)
    client.get(url)
    client.get(f"{url}/panels", headers=HX)
    assert present(app, team, on, watcher) is False


def test_the_summary_names_the_items_never_reached(app, client, meeting):
    team, on, lead, _watcher, url = meeting
    client.log_in(lead)
    start(app, team, on)
    assert client.post(f"{url}/end", headers=HX).status_code == 200
    panels = client.get(f"{url}/panels", headers=HX).get_data(as_text=True)
    unreached = re.search(r'<ul class="compact summary-unreached">(.*?)</ul>', panels, re.S)
    assert unreached, panels
    assert "Parking lot" in unreached.group(1)
    assert "Overnight" not in unreached.group(1)  # the first item was reached
