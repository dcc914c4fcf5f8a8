"""What other packages read: Slack's reminders, Today's stand-up and a person's action items."""

from datetime import date, time, timedelta

from core.database import utcnow
from core.extensions import db
from core.models import User
from standup import briefs, queries, schedule, services
from standup.models import CheckIn
from tests.support.standup import at, user


def test_reminders_name_only_members_neither_away_nor_checked_in(
    app, db_session, crew, make_away, make_holiday
):
    a, b, c = crew.people
    make_away(c, date(2025, 3, 4))
    [standup] = services.prepare_standups(at(4, 7))
    db.session.add(CheckIn(standup_id=standup.id, user_id=a.id, today="Calls"))
    db.session.commit()

    assert briefs.reminders_due(at(4, 8, 40), 15) == []  # too early
    [reminder] = briefs.reminders_due(at(4, 8, 50), 15)
    assert reminder.team_id == crew.team.id and reminder.channel == "#crew"
    assert reminder.standup_on == date(2025, 3, 4) and reminder.starts_at == at(4, 9)
    assert reminder.missing == [(b.id, "Person B", "UB")]
    # The start as Babel writes it in the team's language (the default, English) and timezone.
    assert "9:00\u202fAM" in reminder.headline or "9:00 AM" in reminder.headline
    assert "1 of 2" in reminder.headline
    assert reminder.team_slug == crew.team.slug
    assert briefs.reminders_due(at(4, 9, 0), 15) == []  # it has started
    assert briefs.reminders_due(at(8, 8, 50), 15) == []  # Saturday
    make_holiday(crew.team, date(2025, 3, 5))
    assert briefs.reminders_due(at(5, 8, 50), 15) == []  # holiday
    # Before the job prepared the day: everyone not away is missing.
    [thursday] = briefs.reminders_due(at(6, 8, 50), 15)
    assert [m[0] for m in thursday.missing] == [a.id, b.id, c.id]


def test_today_for_and_open_action_items(app, db_session, make_standup_team, make_user):
    team = make_standup_team(workdays="1234567", standup_time=time(23, 59))
    person = user(make_user(team_id=team.id))
    now = utcnow()
    today = briefs.today_for(person, now)
    assert today.status == "planned" and today.checked_in is False
    assert today.standup_on == schedule.local_date(team, now)
    assert queries.standup_on(team.id, today.standup_on) is None  # reading never prepares
    services.record_check_in(person, "", "Calls", "", None)
    assert briefs.today_for(person, now).checked_in is True
    standup = queries.standup_on(team.id, today.standup_on)
    later = services.add_action_item(standup, person, "Later", person.id, None)
    soon = services.add_action_item(
        standup, person, "Soon", person.id, today.standup_on + timedelta(days=1)
    )
    assert [i.id for i in briefs.open_action_items(person.id)] == [soon.id, later.id]
    services.complete_action_item(soon.id, person)
    assert [i.text for i in briefs.open_action_items(person.id)] == ["Later"]
    person.team_id = None
    db.session.commit()
    assert briefs.today_for(db.session.get(User, person.id), now) is None
