"""The agenda builds itself: exact items in order, fitting the timebox, carried until reached."""

import json
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from core.extensions import db
from core.models import User
from standup import agenda, queries, services
from standup.models import ActionItem, AgendaItem, ParkingLotItem, Standup
from tests.support.standup import at


def items_of(standup) -> list[AgendaItem]:
    return list(
        db.session.scalars(
            sa.select(AgendaItem)
            .where(AgendaItem.standup_id == standup.id)
            .order_by(AgendaItem.position)
        )
    )


def kinds(standup) -> list[str]:
    return [item.kind for item in items_of(standup)]


def run_through(standup, facilitator, start: datetime, end: datetime):
    """Hold a whole meeting: start, reach every item, end."""
    services.start_standup(standup, facilitator, now=start)
    while standup.current_position is not None:
        services.next_item(standup, facilitator, standup.current_position, now=start)
    services.end_standup(standup, facilitator, now=end)


def test_agenda_has_exactly_the_expected_items_in_order_and_fits_the_timebox(
    app, db_session, crew, make_standup_team, make_client, make_complaint, make_rating
):
    team, (a, b, _c) = crew.team, crew.people
    [monday] = services.prepare_standups(at(3, 8))
    facilitator = db.session.get(User, a.id)
    services.add_action_item(monday, facilitator, "Call the courier about route 7", b.id, None)
    run_through(monday, facilitator, at(3, 9), at(3, 9, 12))

    other = make_standup_team()
    # Contact details that must never reach the agenda.
    private = make_client(email="private@example.com", phone="+55 11 5555-0000")
    overnight_1 = make_complaint(at(3, 20), client=private, team_id=team.id, summary="Parcel lost")
    # No team yet: everyone's.
    overnight_2 = make_complaint(at(4, 2), client=private, summary="Rude courier")
    make_complaint(at(4, 3), client=private, team_id=other.id, summary="Another team's")
    overdue = make_complaint(
        datetime(2025, 2, 20, 10, tzinfo=at(3, 0).tzinfo),
        due_at=at(3, 10),
        client=private,
        summary="Refund",
    )
    make_rating(at(4, 1), 1)
    make_rating(at(4, 1), 5)
    make_rating(at(2, 23), 2)  # before Monday's stand-up: not overnight for Tuesday

    services.prepare_standups(at(4, 7))
    tuesday = queries.standup_on(team.id, date(2025, 3, 4))

    items = items_of(tuesday)
    assert [i.kind for i in items] == [
        "overnight",
        "follow_ups",
        "action_items",
        "check_ins",
        "parking_lot",
    ]
    assert sum(i.timebox_seconds for i in items) == team.timebox_minutes * 60
    assert all(i.timebox_seconds > 0 for i in items)
    overnight, follow_ups, actions, check_ins, parking = items
    assert overnight.refs["complaints_opened"] == 2
    assert overnight.refs["low_ratings"] == 1
    assert [c["id"] for c in overnight.refs["complaints"]] == [overnight_2.id, overnight_1.id]
    assert [c["id"] for c in follow_ups.refs["complaints"]] == [overdue.id]
    assert follow_ups.refs["complaints"][0]["overdue"] is True
    assert [x["text"] for x in actions.refs["action_items"]] == ["Call the courier about route 7"]
    assert actions.refs["action_items"][0]["owner_name"] == "Person B"
    assert [m["name"] for m in check_ins.refs["members"]] == ["Person A", "Person B", "Person C"]
    assert parking.refs["topics"] == []
    everything = json.dumps([i.refs for i in items])
    assert "private@example.com" not in everything and "5555" not in everything


def test_empty_sections_are_left_out_and_the_parking_lot_stays(app, db_session, crew):
    [standup] = services.prepare_standups(at(4, 7))
    assert kinds(standup) == ["check_ins", "parking_lot"]
    assert sum(i.timebox_seconds for i in items_of(standup)) == 900


def test_no_standup_on_a_weekend_or_a_holiday(app, db_session, crew, make_holiday):
    assert services.prepare_standups(at(8, 9)) == []  # Saturday
    assert services.prepare_standups(at(9, 9)) == []  # Sunday
    make_holiday(crew.team, date(2025, 3, 10), "Carnival")
    assert services.prepare_standups(at(10, 9)) == []  # a Monday, but a holiday
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Standup)) == 0
    assert len(services.prepare_standups(at(11, 9))) == 1


def test_preparing_is_idempotent(app, db_session, crew):
    first = services.prepare_standups(at(4, 6))
    assert len(first) == 1
    assert services.prepare_standups(at(4, 7)) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Standup)) == 1


def test_preparing_one_team_creates_its_day_once(app, db_session, crew, make_standup_team):
    other = make_standup_team()
    monday = services.prepare_standup(crew.team, at(3, 7))
    assert monday.on == date(2025, 3, 3) and monday.team_id == crew.team.id
    assert queries.standup_on(other.id, date(2025, 3, 3)) is None  # only the team asked for
    assert services.prepare_standup(crew.team, at(3, 8)) is None  # already there
    assert services.prepare_standup(crew.team, at(8, 9)) is None  # Saturday


def test_timezones_put_the_standup_on_the_teams_local_date(app, db_session, make_standup_team):
    from datetime import time

    sao_paulo = make_standup_team(slug="sp", timezone="America/Sao_Paulo", standup_time=time(9, 0))
    moscow = make_standup_team(slug="msk", timezone="Europe/Moscow", standup_time=time(10, 0))

    def prepared(instant):
        return {s.team_id: s.on for s in services.prepare_standups(instant)}

    # Tue 01:30 UTC: still Monday evening in São Paulo, already Tuesday morning in Moscow.
    assert prepared(at(4, 1, 30)) == {sao_paulo.id: date(2025, 3, 3), moscow.id: date(2025, 3, 4)}
    # Fri 23:30 UTC: Friday in São Paulo, Saturday in Moscow (no stand-up there).
    assert prepared(at(7, 23, 30)) == {sao_paulo.id: date(2025, 3, 7)}
    # Mon 00:30 UTC: Sunday in São Paulo (none), Monday in Moscow.
    assert prepared(at(10, 0, 30)) == {moscow.id: date(2025, 3, 10)}
    sp_monday = queries.standup_on(sao_paulo.id, date(2025, 3, 3))
    msk_monday = queries.standup_on(moscow.id, date(2025, 3, 10))
    assert sp_monday.starts_at == at(3, 12)  # 09:00 at UTC-3
    assert msk_monday.starts_at == at(10, 7)  # 10:00 at UTC+3


def test_rotation_moves_on_and_skips_people_who_are_away(app, db_session, crew, make_away):
    a, b, c = crew.people
    make_away(b, date(2025, 3, 4))
    facilitators = []
    for day in (3, 4, 5, 6):
        [standup] = services.prepare_standups(at(day, 7))
        facilitators.append(standup.facilitator_id)
    assert facilitators == [a.id, c.id, a.id, b.id]


def test_away_members_are_not_expected(app, db_session, crew, make_away):
    a, b, c = crew.people
    make_away(c, date(2025, 3, 4))
    [standup] = services.prepare_standups(at(4, 7))
    check_ins = next(i for i in items_of(standup) if i.kind == "check_ins")
    assert [m["id"] for m in check_ins.refs["members"]] == [a.id, b.id]


def test_unreached_items_of_a_meeting_not_held_are_carried_to_the_next_day(
    app, db_session, crew, make_complaint
):
    a = db.session.get(User, crew.people[0].id)
    make_complaint(at(2, 22), at(20, 0), team_id=crew.team.id, summary="Weekend complaint")
    [monday] = services.prepare_standups(at(3, 7))
    services.add_topic(monday, a, "Holiday rota")
    services.add_action_item(monday, a, "Update the macro", a.id, None)
    assert kinds(monday)[0] == "overnight"

    [tuesday] = services.prepare_standups(at(4, 7))

    assert monday.status == "ended" and monday.end_reason == "not_held"
    items = items_of(tuesday)
    assert [i.kind for i in items] == ["carried", "action_items", "check_ins", "parking_lot"]
    carried = items[0]
    assert carried.refs["original_kind"] == "overnight"
    assert carried.refs["complaints"][0]["summary_words"] == "Weekend complaint"
    assert carried.refs["from_on"] == "2025-03-03"
    assert carried.title.startswith("Carried over from Mar 3, 2025: Overnight: 1 complaint opened")
    assert [t["topic"] for t in items[3].refs["topics"]] == ["Holiday rota"]
    assert [x["text"] for x in items[1].refs["action_items"]] == ["Update the macro"]


def test_items_reached_are_not_carried_and_action_items_stay_until_done(
    app, db_session, crew, make_complaint
):
    a = db.session.get(User, crew.people[0].id)
    make_complaint(at(2, 22), at(20, 0), team_id=crew.team.id)
    [monday] = services.prepare_standups(at(3, 7))
    action = services.add_action_item(monday, a, "Write the FAQ", a.id, date(2025, 3, 7))
    services.add_topic(monday, a, "Printer jam")
    services.start_standup(monday, a, now=at(3, 9))  # overnight reached...
    services.end_standup(monday, a, now=at(3, 9, 3))  # ...then cut short

    [tuesday] = services.prepare_standups(at(4, 7))
    assert kinds(tuesday) == ["action_items", "check_ins", "parking_lot"]
    assert [t["topic"] for t in items_of(tuesday)[2].refs["topics"]] == ["Printer jam"]

    b = db.session.get(User, tuesday.facilitator_id)
    assert b.id == crew.people[1].id  # the rotation moved on
    run_through(tuesday, b, at(4, 9), at(4, 9, 10))  # parking lot reached: topic discussed
    services.complete_action_item(action.id, a)
    [wednesday] = services.prepare_standups(at(5, 7))
    assert kinds(wednesday) == ["check_ins", "parking_lot"]
    topic = db.session.scalar(sa.select(ParkingLotItem))
    assert topic.discussed_standup_id == tuesday.id
    assert db.session.get(ActionItem, action.id).done_at is not None


def test_a_carried_item_is_carried_again_until_someone_reaches_it(
    app, db_session, crew, make_complaint
):
    make_complaint(at(2, 22), at(20, 0), team_id=crew.team.id)
    services.prepare_standups(at(3, 7))
    [tuesday] = services.prepare_standups(at(4, 7))
    [wednesday] = services.prepare_standups(at(5, 7))
    first = items_of(wednesday)[0]
    assert first.kind == "carried" and first.refs["from_on"] == "2025-03-03"
    assert "Mar 3, 2025" in first.title
    assert kinds(tuesday)[0] == "carried"


def test_a_complaint_carried_over_is_not_repeated_by_todays_follow_ups(
    app, db_session, crew, make_complaint
):
    # Opened on Sunday night, due on Tuesday morning: Monday's overnight (never reached) lists it,
    # and Tuesday's follow-ups find it again.
    complaint = make_complaint(at(2, 22), at(4, 10), team_id=crew.team.id, summary="Lost parcel")
    other = make_complaint(
        datetime(2025, 2, 20, 12, tzinfo=UTC), at(4, 9), team_id=crew.team.id, summary="Wrong size"
    )
    services.prepare_standups(at(3, 7))

    [tuesday] = services.prepare_standups(at(4, 7))

    items = items_of(tuesday)
    carried = items[0]
    assert carried.kind == "carried" and carried.refs["original_kind"] == "overnight"
    assert [c["id"] for c in carried.refs["complaints"]] == [complaint.id]
    follow_ups = next(i for i in items if i.kind == "follow_ups")
    assert [c["id"] for c in follow_ups.refs["complaints"]] == [other.id]
    assert sum(i.timebox_seconds for i in items) == crew.team.timebox_minutes * 60


def test_a_section_that_only_repeats_carried_subjects_is_left_out(
    app, db_session, crew, make_complaint
):
    make_complaint(at(2, 22), at(4, 10), team_id=crew.team.id, summary="Lost parcel")
    services.prepare_standups(at(3, 7))
    [tuesday] = services.prepare_standups(at(4, 7))
    assert kinds(tuesday) == ["carried", "check_ins", "parking_lot"]
    # Starting refreshes the agenda: still once.
    services.start_standup(tuesday, db.session.get(User, tuesday.facilitator_id), now=at(4, 9))
    assert kinds(tuesday) == ["carried", "check_ins", "parking_lot"]


def test_dedupe_keeps_wishes_callbacks_and_action_items_once_carried_first():
    def plan(kind, **refs):
        return agenda.ItemPlan(kind, refs, 60)

    carried = plan(
        "carried",
        original_kind="wishes",
        wishes=[{"id": 1}],
        callbacks=[{"id": 7}, {"id": 8}],
    )
    older = plan("carried", original_kind="wishes", wishes=[], callbacks=[{"id": 8}])
    fresh = plan("wishes", wishes=[{"id": 1}, {"id": 2}], callbacks=[{"id": 7}])
    actions = plan("action_items", action_items=[{"id": 3}])
    plans = agenda.dedupe([carried, older, fresh, actions])
    assert [p.kind for p in plans] == ["carried", "wishes", "action_items"]
    assert plans[0] is carried
    assert plans[1].refs == {"wishes": [{"id": 2}], "callbacks": []}
    overnight = plan("overnight", complaints_opened=3, low_ratings=0, complaints=[{"id": 5}])
    kept = agenda.dedupe(
        [plan("carried", original_kind="overnight", complaints=[{"id": 5}]), overnight]
    )
    assert kept[1].refs["complaints"] == [] and kept[1].refs["complaints_opened"] == 3


@pytest.mark.parametrize("weights", [[90, 60, 45, 120, 30], [7, 11, 13], [1, 1, 1, 1, 1, 1, 1]])
def test_timeboxes_are_whole_quarter_minutes_that_fill_the_meeting(weights):
    """The board read "2:05" beside a minutes box holding "2", and "3:10" beside "3.25": the box
    steps by quarter minutes, so the timeboxes do too, and still add up to the meeting."""
    plans = [
        agenda.ItemPlan("check_ins" if i == 0 else "wishes", {}, w) for i, w in enumerate(weights)
    ]
    agenda.fit(plans, 15 * 60)
    assert sum(plan.timebox_seconds for plan in plans) == 15 * 60
    assert all(plan.timebox_seconds % 15 == 0 for plan in plans), [p.timebox_seconds for p in plans]
