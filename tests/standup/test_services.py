"""Live mode, ending (by hand and by itself), summaries, check-ins, timeboxes."""

from datetime import date
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from core.audit import history
from core.database import utcnow
from core.extensions import db
from core.models import User
from core.signals import standup_ended
from dashboard.slack.models import OutboxMessage
from standup import briefs, queries, rules, schedule, services, undo, watching
from standup.models import AgendaItem, Attendance, CheckIn, Standup
from tests.support.standup import at, user


@pytest.fixture
def ended_signals():
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    with standup_ended.connected_to(receiver):
        yield received


def test_live_meeting_moves_item_by_item_and_a_stale_click_does_nothing(app, db_session, crew):
    a = user(crew.people[0])
    [standup] = services.prepare_standups(at(4, 7))
    services.start_standup(standup, a, now=at(4, 9))
    items = db.session.scalars(
        sa.select(AgendaItem)
        .where(AgendaItem.standup_id == standup.id)
        .order_by(AgendaItem.position)
    ).all()
    assert standup.status == "live" and standup.current_position == 0
    assert items[0].started_at == at(4, 9)
    version = standup.version

    services.next_item(standup, a, 0, now=at(4, 9, 4))
    assert standup.current_position == 1 and standup.version > version
    assert items[0].ended_at == at(4, 9, 4) and items[1].started_at == at(4, 9, 4)
    services.next_item(standup, a, 0, now=at(4, 9, 5))  # a second screen clicked on item 0
    assert standup.current_position == 1
    services.next_item(standup, a, 1, now=at(4, 9, 6))
    assert standup.current_position is None  # everything covered; the facilitator ends it


def test_only_the_facilitator_or_a_manager_runs_the_meeting(
    app, db_session, crew, make_user, make_away
):
    a, b = user(crew.people[0]), user(crew.people[1])
    [standup] = services.prepare_standups(at(4, 7))
    assert standup.facilitator_id == a.id
    with pytest.raises(services.StandupError):
        services.start_standup(standup, b, now=at(4, 9))
    manager = user(make_user("manager", team_id=crew.team.id))
    assert rules.can_facilitate(manager, standup)
    make_away(a, date(2025, 3, 4))  # the facilitator is away: any member may take over
    assert rules.can_facilitate(b, standup)


def test_a_standup_starts_only_on_its_own_day(app, db_session, crew):
    [standup] = services.prepare_standups(at(4, 7))
    with pytest.raises(services.StandupError):
        services.start_standup(standup, user(crew.people[0]), now=at(5, 9))


def test_ending_stores_the_summary_and_hands_it_to_slack(app, db_session, crew, ended_signals):
    a, b, c = (user(p) for p in crew.people)
    [standup] = services.prepare_standups(at(4, 7))
    db.session.add_all(
        [
            CheckIn(
                standup_id=standup.id,
                user_id=a.id,
                yesterday="Refunds",
                today="Calls",
                blockers="None",  # says "no blocker": not counted as one
                mood=4,
            ),
            CheckIn(
                standup_id=standup.id,
                user_id=b.id,
                yesterday="Chats",
                today="Emails",
                blockers="VPN down",
                mood=2,
            ),
        ]
    )
    db.session.commit()
    services.start_standup(standup, a, now=at(4, 9))
    services.add_action_item(standup, a, "Fix the VPN", c.id, date(2025, 3, 5))
    services.add_decision(standup, b, "Refunds above 50 need a manager")
    services.add_topic(standup, b, "Holiday rota")
    services.end_standup(standup, a, now=at(4, 9, 12))

    assert standup.status == "ended" and standup.end_reason == "facilitator"
    [event] = ended_signals
    summary = event["summary"]
    assert event["standup"] is standup
    assert summary.team_id == crew.team.id and summary.channel == "#crew"
    assert summary.standup_on == date(2025, 3, 4)
    assert summary.duration_seconds == 12 * 60 and summary.timebox_seconds == 15 * 60
    assert summary.attended == ["Person A", "Person B"]
    assert summary.absent == ["Person C"]
    assert summary.action_items == [("Fix the VPN", "Person C", date(2025, 3, 5))]
    assert summary.blockers == [("Person B", "VPN down")]
    assert summary.check_ins == [
        ("Person A", "Refunds", "Calls", "None", 4),
        ("Person B", "Chats", "Emails", "VPN down", 2),
    ]
    assert summary.decisions == ["Refunds above 50 need a manager"]
    assert summary.held and summary.parking_lot == ("Holiday rota",)
    assert summary.unreached == [("parking_lot", {})]  # check-ins were reached
    assert summary.team_name == crew.team.name
    assert summary.url.endswith(f"/standup/{crew.team.slug}/2025-03-04")
    stored = db.session.get(Standup, standup.id).summary
    assert stored["action_items"] == [["Fix the VPN", "Person C", "2025-03-05"]]
    assert stored["attended"] == ["Person A", "Person B"]


def test_auto_end_after_timebox_and_grace(app, db_session, crew, ended_signals):
    a = user(crew.people[0])
    [standup] = services.prepare_standups(at(4, 7))
    services.start_standup(standup, a, now=at(4, 9))
    assert standup.auto_end_at == at(4, 9, 20)  # 15 minutes + 5 of grace
    assert services.auto_end_standups(at(4, 9, 19)) == []
    assert standup.status == "live"
    assert services.auto_end_standups(at(4, 9, 21)) == [standup]
    assert standup.status == "ended" and standup.end_reason == "timebox"
    assert standup.ended_at == at(4, 9, 20)
    assert standup.summary["duration_seconds"] == 20 * 60
    assert len(ended_signals) == 1
    assert services.auto_end_standups(at(4, 10)) == []  # once


def test_a_planned_standup_ends_when_its_day_is_over(app, db_session, crew, ended_signals):
    [standup] = services.prepare_standups(at(4, 7))
    assert services.auto_end_standups(at(4, 23, 59)) == []  # a late start is still possible
    assert services.auto_end_standups(at(5, 0, 1)) == [standup]
    assert standup.end_reason == "not_held"
    assert ended_signals[0]["summary"].attended == []
    assert ended_signals[0]["summary"].held is False  # and nothing counts as "not reached"
    assert ended_signals[0]["summary"].unreached == []


def test_opening_the_board_ends_an_overdue_meeting_lazily(app, db_session, crew):
    a = user(crew.people[0])
    [standup] = services.prepare_standups(at(4, 7))
    services.start_standup(standup, a, now=at(4, 9))
    services.open_board(crew.team, date(2025, 3, 4), at(4, 9, 30))
    assert standup.status == "ended" and standup.end_reason == "timebox"


def test_check_in_is_editable_until_the_meeting_ends(app, db_session, make_standup_team, make_user):
    team = make_standup_team(workdays="1234567")
    person = user(make_user(team_id=team.id))
    first = services.record_check_in(person, "Calls", "Refunds", "", 3)
    again = services.record_check_in(person, "Calls", "Refunds and chats", "None", 4)
    assert first.id == again.id and again.today == "Refunds and chats" and again.mood == 4
    assert services.record_check_in(person, "", "Same", "", " 5 ").mood == 5  # Slack sends text
    standup = queries.standup_on(team.id, schedule.local_date(team, utcnow()))
    assert standup is not None  # checking in prepared the day's stand-up
    facilitator = user(person)
    services.end_standup(standup, facilitator)
    with pytest.raises(services.StandupError) as error:
        services.record_check_in(person, "", "Too late", "", None)
    assert "ended" in error.value.message


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"today": "  "}, "today"),
        ({"mood": 7}, "mood"),
        ({"mood": 0}, "mood"),
        ({"mood": "great"}, "mood"),
        ({"blockers": "x" * 2001}, "blockers"),
    ],
)
def test_check_in_rejects_bad_input(app, db_session, make_standup_team, make_user, fields, field):
    person = user(make_user(team_id=make_standup_team(workdays="1234567").id))
    values = {"yesterday": "y", "today": "t", "blockers": "", "mood": 3, **fields}
    with pytest.raises(services.StandupError) as error:
        services.record_check_in(person, **values)
    assert error.value.field == field
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn)) == 0


def test_no_check_in_on_a_day_without_standup(app, db_session, make_standup_team, make_user):
    today = schedule.local_date(SimpleNamespace(timezone="UTC"), utcnow())
    other_days = "".join(d for d in "1234567" if d != str(today.isoweekday()))
    person = user(make_user(team_id=make_standup_team(workdays=other_days).id))
    with pytest.raises(services.StandupError):
        services.record_check_in(person, "", "Work", "", None)
    nobody = user(make_user(team_id=make_standup_team().id))
    nobody.team_id = None
    db.session.commit()
    with pytest.raises(services.StandupError):
        services.record_check_in(db.session.get(User, nobody.id), "", "Work", "", None)


def test_timebox_edits_must_fit_the_meeting(app, db_session, crew):
    a = user(crew.people[0])
    [standup] = services.prepare_standups(at(4, 7))
    check_ins, parking = db.session.scalars(
        sa.select(AgendaItem)
        .where(AgendaItem.standup_id == standup.id)
        .order_by(AgendaItem.position)
    ).all()
    with pytest.raises(services.StandupError) as error:
        services.set_item_timebox(standup, a, parking.id, parking.timebox_seconds + 60)
    assert error.value.field == "minutes"
    services.set_item_timebox(standup, a, check_ins.id, check_ins.timebox_seconds - 120)
    services.set_item_timebox(standup, a, parking.id, parking.timebox_seconds + 120)
    assert check_ins.timebox_seconds + parking.timebox_seconds == 900
    # Starting refreshes the agenda but keeps what people edited.
    edited = parking.timebox_seconds
    services.start_standup(standup, a, now=at(4, 9))
    assert db.session.get(AgendaItem, parking.id).timebox_seconds == edited


def test_attendance_marked_before_the_start_is_kept_when_the_meeting_starts(app, db_session, crew):
    """Marking someone before "Start" once made the start fail for good (a second attendance
    row for the same person); now the facilitator's early mark stands and the others are added."""
    a, b = user(crew.people[0]), user(crew.people[1])
    [standup] = services.prepare_standups(at(4, 7))
    services.set_attendance(standup, a, b.id, False)
    services.set_attendance(standup, a, crew.people[2].id, True)
    services.start_standup(standup, a, now=at(4, 9))
    assert standup.status == "live"
    rows = db.session.execute(
        sa.select(Attendance.user_id, Attendance.present)
        .where(Attendance.standup_id == standup.id)
        .order_by(Attendance.user_id)
    ).all()
    assert rows == [(a.id, True), (b.id, False), (crew.people[2].id, True)]


def test_the_summary_names_the_agenda_items_never_reached(app, db_session, crew, ended_signals):
    a = user(crew.people[0])
    [standup] = services.prepare_standups(at(4, 7))
    services.start_standup(standup, a, now=at(4, 9))
    db.session.add(
        AgendaItem(
            standup_id=standup.id,
            position=99,
            kind="overnight",
            refs={"complaints_opened": 0, "low_ratings": 4},
            timebox_seconds=120,
        )
    )
    db.session.commit()
    services.end_standup(standup, a, now=at(4, 9, 3))
    assert ("overnight", {}) in ended_signals[0]["summary"].unreached


def _summary_posts(standup) -> list:
    key = f"standup-summary:{standup.team_id}:{standup.on.isoformat()}"
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(sa.or_(OutboxMessage.dedup_key == key, OutboxMessage.thread_parent_key == key))
            .order_by(OutboxMessage.id)
        )
    )


def test_ending_by_hand_can_be_undone_for_two_minutes_and_the_summary_waits(
    app, db_session, crew, make_user, ended_signals
):
    a, b = user(crew.people[0]), user(crew.people[1])
    [standup] = services.prepare_standups(at(4, 7))
    db.session.add(CheckIn(standup_id=standup.id, user_id=a.id, today="Calls", mood=4))
    db.session.commit()
    services.start_standup(standup, a, now=at(4, 9))
    services.add_topic(standup, b, "Holiday rota")
    services.next_item(standup, a, 0, now=at(4, 9, 4))
    services.end_standup(standup, a, now=at(4, 9, 6))
    until = at(4, 9, 8)
    assert ended_signals[-1]["undo_until"] == until
    posts = _summary_posts(standup)
    assert posts and all(p.next_attempt_at == until for p in posts)  # nothing leaves before

    with pytest.raises(services.StandupError):  # not the facilitator, not a manager
        undo.undo_end(standup, b, now=at(4, 9, 7))
    undo.undo_end(standup, a, now=at(4, 9, 7))
    assert standup.status == "live" and standup.current_position == 1
    assert standup.ended_at is None and standup.summary is None and standup.end_reason is None
    items = queries.agenda_items(standup.id)
    # it ran two minutes before the end; the one minute it stood ended is no meeting time
    assert items[1].ended_at is None and items[1].started_at == at(4, 9, 5)
    assert items[0].ended_at == at(4, 9, 4)  # what was done before stays done
    assert _summary_posts(standup) == []  # the waiting summary was withdrawn
    assert [e.action for e in history("standup", standup.id)] == ["ended", "end_undone"]
    assert history("standup", standup.id)[-1].actor_id == a.id

    services.end_standup(standup, a, now=at(4, 9, 10))  # ended again: one summary, once
    posts = _summary_posts(standup)
    assert [p.dedup_key for p in posts if p.thread_parent_key is None] == [
        f"standup-summary:{crew.team.id}:2025-03-04"
    ]
    assert all(p.next_attempt_at == at(4, 9, 12) for p in posts)
    with pytest.raises(services.StandupError):  # the window has closed
        undo.undo_end(standup, a, now=at(4, 9, 12))
    assert standup.status == "ended"


def test_a_reopened_meeting_s_clocks_go_on_from_where_they_stopped(app, db_session, crew):
    a, c = user(crew.people[0]), user(crew.people[2])
    [standup] = services.prepare_standups(at(4, 7))
    services.start_standup(standup, a, now=at(4, 9))  # nobody checked in: C is marked absent
    services.next_item(standup, a, 0, now=at(4, 9, 4))
    services.end_standup(standup, a, now=at(4, 9, 6))
    undo.undo_end(standup, a, now=at(4, 9, 7, 30))

    assert standup.started_at == at(4, 9, 1, 30)  # six minutes in, as when it ended
    assert standup.auto_end_at == at(4, 9, 21, 30)  # the timebox still has its 14 minutes
    running = queries.agenda_items(standup.id)[1]
    assert running.started_at == at(4, 9, 5, 30) and running.ended_at is None  # two minutes in
    # C opening the board still counts as being there: the start's absence moved with the start
    absent = db.session.scalar(sa.select(Attendance).filter_by(standup_id=standup.id, user_id=c.id))
    assert absent.present is False and absent.marked_at == standup.started_at
    assert watching.note_watching(standup, c) and absent.present is True

    services.end_standup(standup, a, now=at(4, 9, 10, 30))
    assert briefs.summary_for(standup).duration_seconds == 9 * 60  # 6 before, 3 after


def test_only_an_end_by_hand_can_be_undone(app, db_session, crew, ended_signals):
    a = user(crew.people[0])
    [standup] = services.prepare_standups(at(4, 7))
    services.start_standup(standup, a, now=at(4, 9))
    services.auto_end_standups(at(4, 9, 21))
    assert ended_signals[-1]["undo_until"] is None
    assert all(p.next_attempt_at <= utcnow() for p in _summary_posts(standup))
    with pytest.raises(services.StandupError):
        undo.undo_end(standup, a, now=at(4, 9, 21))


def test_a_standup_ended_before_it_started_reopens_as_planned(app, db_session, crew):
    a = user(crew.people[0])
    [standup] = services.prepare_standups(at(4, 7))
    services.end_standup(standup, a, now=at(4, 8))
    assert standup.end_reason == "not_held"
    undo.undo_end(standup, a, now=at(4, 8, 1))
    assert standup.status == "planned" and standup.current_position is None
