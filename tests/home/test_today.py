"""Today shows each person the blocks of their role, and each block refreshes alone."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from complaints.models import Complaint
from core.database import utcnow
from core.extensions import db
from core.models import User
from dashboard.home import blocks
from dashboard.home.blocks import last_working_day
from standup import services as standups
from tests.support.db import reloaded, using
from tests.support.queries import count_statements
from tests.support.web import as_read
from wishes.briefs import user_today


def test_agent_sees_agent_blocks_only(client, login_as):
    login_as("agent")
    page = client.get("/").text
    assert "Complaints I own" in page
    assert "Complaints waiting for an owner" not in page
    assert "Low ratings since the last working day" not in page


def test_manager_sees_follow_ups_unowned_and_low_ratings(client, login_as):
    login_as("manager")
    page = client.get("/").text
    for title in (
        "My follow-ups due today and overdue",
        "Complaints waiting for an owner",
        "Low ratings since the last working day",
    ):
        assert title in page
    # "Complaints I own" would repeat My follow-ups: a link to the whole list instead (issue #15).
    assert "Complaints I own" not in page and "All complaints I own" in page
    assert "Compensation awaiting approval" not in page
    assert client.get("/today/my-complaints", headers={"HX-Request": "true"}).status_code == 404


def test_due_today_on_today_is_the_calendar_day_as_on_my_follow_ups(
    client, login_as, make_complaint
):
    manager = login_as("manager", timezone="UTC")
    now = utcnow()
    tomorrow = datetime.combine(now.date() + timedelta(days=1), time(), tzinfo=UTC)
    make_complaint(
        owner_id=manager.id, summary="Due tonight", due_at=tomorrow - timedelta(minutes=1)
    )
    make_complaint(
        owner_id=manager.id, summary="Due tomorrow", due_at=tomorrow + timedelta(minutes=30)
    )
    block = client.get("/today/my-follow-ups", headers={"HX-Request": "true"}).text
    page = client.get("/complaints/mine").text
    for shown in (block, page):
        assert "Due tonight" in shown and "Due tomorrow" not in shown


def test_follow_ups_on_today_link_each_complaint_and_mark_only_the_overdue(
    client, login_as, make_complaint
):
    manager = login_as("manager", timezone="UTC")
    now = utcnow()
    late = make_complaint(owner_id=manager.id, summary="Late call", due_at=now - timedelta(hours=2))
    soon = make_complaint(
        owner_id=manager.id, summary="Soon call", due_at=now + timedelta(minutes=5)
    )
    block = client.get("/today/my-follow-ups", headers={"HX-Request": "true"}).text
    items = {
        c.id: block.split(f'<a href="/complaints/{c.id}">', 1)[1].split("</li>", 1)[0]
        for c in (late, soon)
    }
    assert "Late call" in items[late.id] and 'class="overdue"' in items[late.id]
    assert "Soon call" in items[soon.id] and "overdue" not in items[soon.id]


def test_a_block_cut_short_says_so_and_links_the_whole_list(
    client, login_as, make_complaint, make_rating, monkeypatch
):
    monkeypatch.setattr(blocks, "SHOWN", 2)
    login_as("manager", timezone="UTC")
    for n in range(3):
        make_complaint(summary=f"Waiting {n}")
    start = datetime.combine(last_working_day(utcnow().date()), time(), tzinfo=UTC)
    for n in range(3):
        make_rating(start + timedelta(minutes=n), 1, comment=f"Low {n}")
    unowned = client.get("/today/unowned", headers={"HX-Request": "true"}).text
    assert unowned.count("Waiting ") == 2 and "Waiting 2" not in unowned  # the oldest first
    assert "Only the first 2 are shown here." in unowned
    assert 'href="/complaints/?view=unowned"' in unowned
    low = as_read(client.get("/today/low-ratings", headers={"HX-Request": "true"}).text)
    assert low.count("“Low ") == 2 and "Low 0" not in low  # the newest first
    assert "Only the first 2 are shown here." in low and "open list" not in low


def test_a_block_that_shows_everything_says_nothing_more(client, login_as, make_complaint):
    login_as("manager", timezone="UTC")
    for n in range(2):
        make_complaint(summary=f"Waiting {n}")
    unowned = client.get("/today/unowned", headers={"HX-Request": "true"}).text
    assert unowned.count("Waiting ") == 2
    assert "Only the first" not in unowned


def test_todays_follow_ups_show_the_first_few_and_link_the_page_with_more(
    app, client, login_as, make_complaint, monkeypatch
):
    monkeypatch.setattr(blocks, "SHOWN", 2)
    me = login_as("manager", timezone="UTC")
    now = utcnow()
    for n in range(3):
        make_complaint(owner_id=me.id, summary=f"Late {n}", due_at=now - timedelta(hours=n + 1))
    block = client.get("/today/my-follow-ups", headers={"HX-Request": "true"}).text
    assert "Late 2" in block and "Late 1" in block and "Late 0" not in block  # most overdue first
    # not counted here (the count reads the owner's whole due range): My follow-ups counts them
    assert "Only the first 2 are shown here." in block and " of 3 " not in block
    assert 'href="/complaints/mine"' in block
    with count_statements(app) as block_queries:
        client.get("/today/my-follow-ups", headers={"HX-Request": "true"})
    assert not any("count(" in statement.lower() for statement in block_queries.statements)
    page = client.get("/complaints/mine").text
    assert all(f"Late {n}" in page for n in range(3)) and "Only the first" not in page


def test_an_agents_own_complaints_past_the_block_say_so(
    client, login_as, make_complaint, monkeypatch
):
    monkeypatch.setattr(blocks, "OWNED_SHOWN", 1)
    agent = login_as("agent")
    for n in range(2):
        make_complaint(summary=f"Mine {n}", owner_id=agent.id)
    block = client.get("/today/my-complaints", headers={"HX-Request": "true"}).text
    assert block.count("Mine ") == 1 and "Only the first 1 is shown here." in block
    assert 'href="/complaints/?view=mine"' in block


@pytest.mark.parametrize(
    ("today", "workdays", "since"),
    [
        (date(2026, 11, 30), "12345", date(2026, 11, 27)),  # Monday: since Friday
        (date(2026, 12, 1), "12345", date(2026, 11, 30)),  # Tuesday: since Monday
        (date(2026, 11, 29), "12345", date(2026, 11, 27)),  # Sunday: since Friday
        (date(2026, 11, 30), "1234567", date(2026, 11, 29)),  # a team working every day
    ],
)
def test_low_ratings_reach_back_to_the_last_working_day(today, workdays, since):
    assert last_working_day(today, workdays) == since


def test_low_ratings_include_the_whole_last_working_day(client, login_as, make_rating):
    login_as("manager", timezone="UTC")
    today = utcnow().date()
    start = datetime.combine(last_working_day(today), time(), tzinfo=UTC)
    make_rating(start + timedelta(minutes=5), 1, comment="Early on the last working day")
    make_rating(start - timedelta(minutes=5), 1, comment="Before the last working day")
    block = client.get("/today/low-ratings", headers={"HX-Request": "true"}).text
    assert "Early on the last working day" in block
    assert "Before the last working day" not in block


def test_admin_sees_compensation_awaiting_approval(client, login_as):
    login_as("admin")
    assert "Compensation awaiting approval" in client.get("/").text


@pytest.mark.parametrize(("role", "status"), [("agent", 404), ("manager", 200)])
def test_a_block_refreshes_alone_for_those_who_may_see_it(client, login_as, role, status):
    login_as(role)
    response = client.get("/today/unowned", headers={"HX-Request": "true"})
    assert response.status_code == status
    if status == 200:
        assert response.text.lstrip().startswith('<article id="block-unowned"')
        assert "<html" not in response.text


def test_agent_sees_todays_standup_and_action_items_blocks(client, login_as, make_team):
    team = make_team(timezone="Europe/Moscow")
    login_as("agent", team_id=team.id)
    page = client.get("/").text
    assert "Today&#39;s stand-up" in page or "Today's stand-up" in page
    assert "My open action items" in page
    assert client.get("/today/standup", headers={"HX-Request": "true"}).status_code == 200


def test_today_shows_the_teams_standup_and_my_action_items_with_real_data(
    app, client, make_team, make_user
):
    team = make_team(timezone="UTC", workdays="1234567", name="Night Shift")
    agent = make_user("agent", team_id=team.id)
    now = utcnow()
    with using(app):
        [standup] = standups.prepare_standups(now)
        actor = db.session.get(User, agent.id)
        standups.add_action_item(standup, actor, "Call the courier company", agent.id, None)
    client.log_in(agent)
    page = client.get("/").text
    assert "Night Shift" in page and "You have not checked in yet." in page
    assert "Call the courier company" in page


def test_an_away_owners_follow_up_shows_however_many_others_are_due_first(
    app, client, login_as, make_user, make_complaint, make_away, monkeypatch
):
    """Read from who is away, not by filtering the first due follow-ups: theirs come up even
    behind more due follow-ups than the block shows, and a cut block says so."""
    monkeypatch.setattr(blocks, "SHOWN", 2)
    away = make_user("manager", name="Olga Away")
    here = make_user("manager", name="Ivan Here")
    now = utcnow()
    for n in range(5):
        make_complaint(owner_id=here.id, due_at=now - timedelta(hours=10 + n), summary=f"Here {n}")
    make_complaint(owner_id=away.id, due_at=now + timedelta(hours=2), summary="Away soon")
    me = login_as("manager", name="Marta Boss")
    with using(app):
        make_away(away, user_today(db.session.get(User, me.id), now))
    block = client.get("/today/owners-away", headers={"HX-Request": "true"}).text
    assert "Away soon" in block and "Here " not in block and "Only the first" not in block
    for n in range(2):
        make_complaint(owner_id=away.id, due_at=now - timedelta(hours=n + 1), summary=f"Away {n}")
    block = client.get("/today/owners-away", headers={"HX-Request": "true"}).text
    assert "Away 1" in block and "Away 0" in block and "Away soon" not in block
    assert "Only the first 2 are shown here." in block


def test_follow_ups_of_an_owner_away_today_are_flagged_and_taken_over_in_one_click(
    app, client, login_as, make_user, make_complaint, make_away
):
    away = make_user("manager", name="Olga Away")
    here = make_user("manager", name="Ivan Here")
    now = utcnow()
    hers = make_complaint(owner_id=away.id, due_at=now + timedelta(hours=2), summary="Cold soup")
    make_complaint(owner_id=here.id, due_at=now + timedelta(hours=2), summary="Late taxi")
    make_complaint(owner_id=away.id, due_at=now + timedelta(days=3), summary="Not due yet")
    me = login_as("manager", name="Marta Boss")
    with using(app):
        make_away(away, user_today(db.session.get(User, me.id), now))
    block = as_read(client.get("/today/owners-away", headers={"HX-Request": "true"}).text)
    assert "Cold soup" in block and "owner away: Olga Away" in block
    assert "Late taxi" not in block and "Not due yet" not in block
    assert "Follow-ups whose owner is away today" in client.get("/").text

    taken = client.post(
        f"/today/owners-away/{hers.id}/take",
        data={"owner_id": str(away.id)},
        headers={"HX-Request": "true"},
    )
    assert taken.status_code == 200 and "You own this follow-up now." in taken.text
    assert "Cold soup" not in taken.text.split("</p>", 1)[1]
    assert reloaded(app, Complaint, hers.id).owner_id == me.id
    again = client.post(f"/today/owners-away/{hers.id}/take", data={"owner_id": str(away.id)})
    assert again.status_code == 302  # changed hands meanwhile: told, nothing taken
    assert reloaded(app, Complaint, hers.id).owner_id == me.id
    login_as("agent")
    assert (
        client.post(f"/today/owners-away/{hers.id}/take", data={"owner_id": str(me.id)}).status_code
        == 403
    )
