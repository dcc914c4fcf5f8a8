"""The board and its fragments, settings, days away, history, CSV export and the API."""

import csv
import io
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from core.audit import AuditEvent
from core.database import utcnow
from core.extensions import db
from core.models import Team, User
from standup import queries, schedule, services
from standup.models import (
    ActionItem,
    Attendance,
    AwayDay,
    CheckIn,
    Holiday,
    RotationEntry,
    Standup,
)
from tests.support.db import save, using
from tests.support.web import as_read

HX = {"HX-Request": "true"}


@pytest.fixture
def team(make_standup_team):
    return make_standup_team(workdays="1234567")


@pytest.fixture
def today(team):
    return schedule.local_date(team, utcnow())


def board_url(team, on, suffix=""):
    return f"/standup/{team.slug}/{on.isoformat()}{suffix}"


def the_standup(app, team, on) -> Standup:
    with using(app):
        standup = queries.standup_on(team.id, on)
        db.session.expunge_all()
        return standup


def two_in_rotation(app, team, make_user) -> tuple[User, User]:
    """A facilitator (first in the rotation) and one other member of ``team``."""
    facilitator = make_user(team_id=team.id, name="Facilitator")
    other = make_user(team_id=team.id, name="Zed Other")
    save(app, RotationEntry(team_id=team.id, user_id=facilitator.id, position=0))
    save(app, RotationEntry(team_id=team.id, user_id=other.id, position=1))
    return facilitator, other


def test_opening_the_board_prepares_todays_standup(app, client, login_as, team, make_user, today):
    person = login_as(make_user(team_id=team.id, name="Ana Lima"))
    response = client.get(f"/standup/{team.slug}/")
    assert response.status_code == 200
    page = as_read(response.get_data(as_text=True))
    assert "Stand-up: " + team.name in page
    assert "My check-in" in page and "Ana Lima" in page
    assert the_standup(app, team, today).facilitator_id == person.id
    assert client.get("/standup/").headers["Location"].endswith(f"/standup/{team.slug}/")


def test_unknown_team_or_impossible_date_is_a_404(app, client, login_as, team):
    login_as("agent")
    assert client.get("/standup/nope/").status_code == 404
    assert client.get(f"/standup/{team.slug}/2025-02-30").status_code == 404
    assert client.get(f"/standup/{team.slug}/yesterday").status_code == 404


def test_a_day_without_standup_says_so(app, client, login_as, make_standup_team, today):
    other_days = "".join(d for d in "1234567" if d != str(today.isoweekday()))
    team = make_standup_team(workdays=other_days)
    login_as("agent")
    page = client.get(f"/standup/{team.slug}/").get_data(as_text=True)
    assert "No stand-up on this day" in page
    assert the_standup(app, team, today) is None


def test_check_in_from_the_board(app, client, login_as, team, make_user, today):
    person = login_as(make_user(team_id=team.id))
    client.get(board_url(team, today))
    response = client.post(
        board_url(team, today, "/check-in"),
        data={"yesterday": "Refunds", "today": "Calls", "blockers": "", "mood": "4"},
        headers=HX,
    )
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "standup-changed"
    assert "Update my check-in" in response.get_data(as_text=True)
    with using(app):
        row = db.session.scalar(sa.select(CheckIn).where(CheckIn.user_id == person.id))
        assert (row.yesterday, row.today, row.mood, row.source) == ("Refunds", "Calls", 4, "board")


def test_bad_check_in_is_shown_next_to_the_field_and_keeps_the_input(
    app, client, login_as, team, make_user, today
):
    login_as(make_user(team_id=team.id))
    client.get(board_url(team, today))
    response = client.post(
        board_url(team, today, "/check-in"),
        data={"yesterday": "Chased the courier", "today": "", "mood": "9"},
        headers=HX,
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="today-error"' in page and "Chased the courier" in page
    assert (
        client.post(
            board_url(team, today, "/check-in"), data={"today": "x"}, csrf=False
        ).status_code
        == 400
    )
    with using(app):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn)) == 0


def test_the_facilitator_runs_the_meeting_others_cannot(
    app, client, login_as, team, make_user, today
):
    facilitator, other = two_in_rotation(app, team, make_user)
    login_as(other)
    client.get(board_url(team, today))
    refused = client.post(board_url(team, today, "/start"), headers=HX)
    assert refused.status_code == 422
    assert "Only the facilitator" in refused.get_data(as_text=True)
    assert the_standup(app, team, today).status == "planned"

    login_as(facilitator)
    started = client.post(board_url(team, today, "/start"), headers=HX)
    assert started.status_code == 200 and "Next item" in started.get_data(as_text=True)
    standup = the_standup(app, team, today)
    assert standup.status == "live" and standup.current_position == 0
    client.post(board_url(team, today, "/next"), data={"position": "0"}, headers=HX)
    assert the_standup(app, team, today).current_position == 1
    client.post(board_url(team, today, "/next"), data={"position": "0"}, headers=HX)  # stale
    assert the_standup(app, team, today).current_position == 1
    ended = client.post(board_url(team, today, "/end"), headers=HX)
    assert ended.status_code == 200
    assert the_standup(app, team, today).status == "ended"
    panels = client.get(board_url(team, today, "/panels"), headers=HX).get_data(as_text=True)
    assert "Stand-up summary" in panels and "Facilitator" in panels

    board = client.get(board_url(team, today)).get_data(as_text=True)
    assert "Undo: reopen the stand-up" in board and board_url(team, today, "/reopen") in board
    login_as(other)
    assert "Undo: reopen" not in client.get(board_url(team, today)).get_data(as_text=True)
    assert client.post(board_url(team, today, "/reopen")).status_code == 302
    assert the_standup(app, team, today).status == "ended"  # refused: not theirs to undo
    login_as(facilitator)
    reopened = client.post(board_url(team, today, "/reopen"))
    assert reopened.status_code == 302
    standup = the_standup(app, team, today)
    assert standup.status == "live" and standup.current_position == 1
    board = client.get(board_url(team, today)).get_data(as_text=True)
    assert "Next item" in board and "Undo: reopen" not in board


def test_polling_answers_204_while_nothing_changed(app, client, login_as, team, make_user, today):
    login_as(make_user(team_id=team.id))
    client.get(board_url(team, today))
    version = the_standup(app, team, today).version
    unchanged = client.get(board_url(team, today, f"/live?v={version}"), headers=HX)
    assert unchanged.status_code == 204 and unchanged.data == b""
    changed = client.get(board_url(team, today, f"/live?v={version - 1}"), headers=HX)
    assert changed.status_code == 200
    assert changed.headers["HX-Trigger"] == "standup-changed"
    assert f"v={version}" in changed.get_data(as_text=True)


def test_adding_action_items_topics_and_decisions_in_place(
    app, client, login_as, team, make_user, make_standup_team, today
):
    person = login_as(make_user(team_id=team.id, name="Owner Person"))
    outsider = make_user(team_id=make_standup_team().id)
    client.get(board_url(team, today))
    added = client.post(
        board_url(team, today, "/action-items"),
        data={
            "action-item-text": "Call the courier",
            "action-item-owner_id": str(person.id),
            "action-item-due_on": "",
        },
        headers=HX,
    )
    assert added.status_code == 200 and added.headers["HX-Trigger"] == "standup-changed"
    empty = client.post(
        board_url(team, today, "/action-items"), data={"action-item-text": ""}, headers=HX
    )
    assert empty.status_code == 400
    wrong_owner = client.post(
        board_url(team, today, "/action-items"),
        data={"action-item-text": "Something", "action-item-owner_id": str(outsider.id)},
        headers=HX,
    )
    assert wrong_owner.status_code == 422
    assert "Choose someone from this team" in wrong_owner.get_data(as_text=True)
    assert (
        client.post(
            board_url(team, today, "/topics"), data={"topic-topic": "Rota"}, headers=HX
        ).status_code
        == 200
    )
    assert (
        client.post(
            board_url(team, today, "/decisions"), data={"decision-text": "Go"}, headers=HX
        ).status_code
        == 200
    )
    panels = client.get(board_url(team, today, "/panels")).get_data(as_text=True)
    assert "Call the courier" in panels and "Rota" in panels and "Go" in panels
    with using(app):
        item = db.session.scalar(sa.select(ActionItem))
        assert (item.text, item.owner_id) == ("Call the courier", person.id)
    done = client.post(
        f"/standup/action-items/{item.id}/done",
        data={"slug": team.slug, "on": today.isoformat()},
        headers=HX,
    )
    assert done.status_code == 200
    with using(app):
        assert db.session.get(ActionItem, item.id).done_at is not None


def test_settings_need_a_manager_and_validate_the_timezone(app, client, login_as, team, make_user):
    login_as("agent")
    assert client.get(f"/standup/{team.slug}/settings").status_code == 403
    login_as("manager", team_id=team.id)
    assert client.get(f"/standup/{team.slug}/settings").status_code == 200
    data = {
        "name": "Renamed",
        "standup_time": "10:15",
        "timezone": "Mars/Olympus",
        "workdays": ["1", "2", "3"],
        "timebox_minutes": "10",
        "grace_minutes": "3",
        "holidays": "",
        "rotation": "",
    }
    bad = client.post(f"/standup/{team.slug}/settings", data=data)
    assert bad.status_code == 400
    assert "Choose a timezone from the list." in bad.get_data(as_text=True)
    assert "Renamed" in bad.get_data(as_text=True)  # the input is kept
    with using(app):
        assert db.session.get(Team, team.id).name == team.name

    bad_holiday = client.post(
        f"/standup/{team.slug}/settings",
        data={**data, "timezone": "Europe/Moscow", "holidays": "31/12/2025 New Year"},
    )
    assert bad_holiday.status_code == 400 and "YYYY-MM-DD" in bad_holiday.get_data(as_text=True)
    stranger = client.post(
        f"/standup/{team.slug}/settings",
        data={**data, "timezone": "Europe/Moscow", "rotation": "nobody@example.com"},
    )
    assert stranger.status_code == 422 and "nobody@example.com" in stranger.get_data(as_text=True)

    a, b = make_user(team_id=team.id), make_user(team_id=team.id)
    saved = client.post(
        f"/standup/{team.slug}/settings",
        data={
            **data,
            "timezone": "Europe/Moscow",
            "holidays": "2025-12-31 New Year\n2026-01-01",
            "rotation": f"{b.email}\n{a.email}",
        },
    )
    assert saved.status_code == 302
    with using(app):
        fresh = db.session.get(Team, team.id)
        assert (fresh.name, fresh.timezone, fresh.workdays, fresh.timebox_minutes) == (
            "Renamed",
            "Europe/Moscow",
            "123",
            10,
        )
        assert [h.on for h in queries.holidays_of(team.id)] == [
            date(2025, 12, 31),
            date(2026, 1, 1),
        ]
        assert queries.rotation_of(team.id) == [b.id, a.id]


def test_marking_days_away(app, client, login_as, team, make_user, today):
    person = login_as(make_user(team_id=team.id))
    response = client.post(
        "/standup/away",
        data={
            "start": (today + timedelta(days=1)).isoformat(),
            "end": (today + timedelta(days=3)).isoformat(),
        },
    )
    assert response.status_code == 302
    backwards = client.post(
        "/standup/away",
        data={"start": today.isoformat(), "end": (today - timedelta(days=2)).isoformat()},
    )
    assert backwards.status_code == 400
    with using(app):
        days = db.session.scalars(sa.select(AwayDay).where(AwayDay.user_id == person.id)).all()
        assert len(days) == 3
        first = days[0].id
    page = client.get("/standup/away").get_data(as_text=True)
    assert "after all" in page
    assert client.post(f"/standup/away/{first}/cancel").status_code == 302
    with using(app):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AwayDay)) == 2


@pytest.fixture
def past(app, team, make_user):
    """Two ended stand-ups with check-ins and action items, one of them with formula-like text."""
    ana = make_user(team_id=team.id, name="Ana")
    bruno = make_user(team_id=team.id, name="Bruno")
    with using(app):
        for on, who, text in (
            (date(2025, 3, 3), ana, 'Refund for the bakery; =HYPERLINK("http://evil")'),
            (date(2025, 3, 4), bruno, '=HYPERLINK("http://evil")'),
        ):
            standup = Standup(
                team_id=team.id,
                on=on,
                status="ended",
                end_reason="facilitator",
                starts_at=utcnow(),
                since_at=utcnow(),
                timebox_seconds=900,
                summary={"attended": [who.name], "duration_seconds": 600, "timebox_seconds": 900},
            )
            db.session.add(standup)
            db.session.flush()
            db.session.add(
                CheckIn(
                    standup_id=standup.id,
                    user_id=who.id,
                    yesterday="-1 refunds",
                    today=text,
                    blockers="@here",
                )
            )
            db.session.add(
                ActionItem(
                    team_id=team.id,
                    standup_id=standup.id,
                    text="+ order more boxes",
                    owner_id=who.id,
                )
            )
        db.session.commit()
    return {"ana": ana, "bruno": bruno}


def test_history_searches_and_filters(app, client, login_as, team, past):
    login_as("agent")
    everything = client.get(f"/standup/{team.slug}/history").get_data(as_text=True)
    assert "Mar 3, 2025" in everything and "Mar 4, 2025" in everything
    found = client.get(f"/standup/{team.slug}/history?q=bakery", headers=HX).get_data(as_text=True)
    assert "Mar 3, 2025" in found and "Mar 4, 2025" not in found
    by_person = client.get(f"/standup/{team.slug}/history?person={past['bruno'].id}").get_data(
        as_text=True
    )
    assert "Mar 4, 2025" in by_person and "Mar 3, 2025" not in by_person
    ranged = client.get(f"/standup/{team.slug}/history?start=2025-03-04&end=2025-03-10").get_data(
        as_text=True
    )
    assert "Mar 4, 2025" in ranged and "Mar 3, 2025" not in ranged
    assert client.get(f"/standup/{team.slug}/history?q=100%25_").status_code == 200
    bad = client.get(f"/standup/{team.slug}/history?start=someday")
    assert bad.status_code == 400 and "Not a valid date" in bad.get_data(as_text=True)


def test_csv_export_neutralises_spreadsheet_formulas(app, client, login_as, team, past):
    login_as("agent")
    response = client.get(f"/standup/{team.slug}/export.csv?start=2025-03-01&end=2025-03-31")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:3] == ["record", "date", "person"]
    cells = [cell for row in rows[1:] for cell in row]
    assert '\'=HYPERLINK("http://evil")' in cells
    assert "'-1 refunds" in cells and "'@here" in cells and "'+ order more boxes" in cells
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)
    # A pt/es/ru spreadsheet splits at ";": the part after it must not start a formula either.
    assert 'Refund for the bakery; \'=HYPERLINK("http://evil")' in cells
    parts = [part.lstrip() for cell in cells for part in re.split(r"[;,\t]", cell)]
    assert not any(part.startswith(("=", "+", "-", "@")) for part in parts)
    assert len([r for r in rows if r[0] == "check_in"]) == 2
    assert len([r for r in rows if r[0] == "action_item"]) == 2
    too_long = client.get(f"/standup/{team.slug}/export.csv?start=2020-01-01&end=2025-03-31")
    assert too_long.status_code == 400


def test_csv_export_honours_the_person_and_text_filters_of_the_page(
    app, client, login_as, team, past
):
    login_as("agent")
    base = f"/standup/{team.slug}/export.csv?start=2025-03-01&end=2025-03-31"

    def rows(extra):
        response = client.get(base + extra)
        assert response.status_code == 200
        return list(csv.reader(io.StringIO(response.get_data(as_text=True))))[1:]

    anas = rows(f"&person={past['ana'].id}")
    assert {(r[0], r[1]) for r in anas} == {
        ("check_in", "2025-03-03"),
        ("action_item", "2025-03-03"),
    }
    bakery = rows("&q=bakery")
    assert [(r[0], r[2]) for r in bakery] == [("check_in", "Ana")]
    assert rows(f"&q=bakery&person={past['bruno'].id}") == []


def test_an_export_of_peoples_check_ins_is_recorded_in_the_audit_trail(
    app, client, login_as, team, past
):
    """A file of everyone's check-ins (moods, blockers) left Huddle and the trail did not say
    who took it; it does now, with the period and the filters, as a people's data export."""
    agent = login_as("agent")
    base = f"/standup/{team.slug}/export.csv?start=2025-03-01&end=2025-03-31"
    assert client.get(base + "&q=bakery").status_code == 200
    assert client.get(f"/standup/{team.slug}/export.csv?start=2020-01-01").status_code == 400
    with using(app):
        (event,) = db.session.scalars(sa.select(AuditEvent)).all()
        assert (event.actor_id, event.entity_type, event.entity_id, event.action) == (
            agent.id,
            "team",
            team.id,
            "history_exported",
        )
        assert event.details == {
            "start": "2025-03-01",
            "end": "2025-03-31",
            "text": "bakery",
            "person_id": None,
        }


def test_neutralise_covers_every_formula_start():
    from standup.history import neutralise

    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert neutralise(start + "1") == "'" + start + "1"
    assert neutralise("Calls") == "Calls" and neutralise(None) == ""


# --- API ---------------------------------------------------------------------------------------


def test_a_meeting_a_manager_ended_for_the_facilitator_says_who_ended_it(
    app, client, login_as, team, make_user, today
):
    """The board said "ended by the facilitator · Facilitator: Lucas" when Lucas was away and
    his manager had run and ended it."""
    two_in_rotation(app, team, make_user)
    login_as("manager", team_id=team.id, name="Marta Souza")
    client.get(board_url(team, today))  # the day's stand-up is prepared by its first view
    assert client.post(board_url(team, today, "/start"), headers=HX).status_code == 200
    client.post(board_url(team, today, "/end"), headers=HX)
    board = as_read(client.get(board_url(team, today)).get_data(as_text=True))
    assert "ended by Marta Souza" in board and "ended by the facilitator" not in board


def test_api_gives_the_agenda_as_design_describes(app, client, api_headers, team, make_user):
    make_user(team_id=team.id, name="Ana")
    with using(app):
        services.prepare_standups(utcnow())
        on = queries.standup_on(team.id, schedule.local_date(team, utcnow())).on
    response = client.get(
        f"/api/v1/teams/{team.slug}/standups/{on.isoformat()}", headers=api_headers
    )
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"team", "date", "status", "timebox_seconds", "items"}
    assert (body["team"], body["date"], body["status"], body["timebox_seconds"]) == (
        team.slug,
        on.isoformat(),
        "planned",
        900,
    )
    assert [i["kind"] for i in body["items"]] == ["check_ins", "parking_lot"]
    assert all(set(i) == {"kind", "title", "timebox_seconds", "refs"} for i in body["items"])
    assert body["items"][0]["refs"]["members"][0] == {
        "id": body["items"][0]["refs"]["members"][0]["id"],
        "name": "Ana",
        "checked_in": False,
    }
    assert sum(i["timebox_seconds"] for i in body["items"]) == 900


def test_api_errors(app, client, api_headers, team):
    url = f"/api/v1/teams/{team.slug}/standups"
    missing = client.get(f"{url}/2025-03-04", headers=api_headers)
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    unknown = client.get("/api/v1/teams/nope/standups/2025-03-04", headers=api_headers)
    assert unknown.status_code == 404 and "error" in unknown.get_json()
    bad = client.get(f"{url}/2025-13-40", headers=api_headers)
    assert bad.status_code == 400 and bad.get_json()["error"]["fields"] == {
        "date": "not a valid date"
    }
    assert client.get(f"{url}/2025-03-04").status_code == 401
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/teams/{slug}/standups/{date}" in spec["paths"]
    assert "StandupAgenda" in spec["components"]["schemas"]


def test_no_standup_is_prepared_on_a_team_holiday_today(app, db_session, team):
    db.session.add(
        Holiday(team_id=team.id, on=schedule.local_date(team, utcnow()), name="Today off")
    )
    db.session.commit()
    assert services.prepare_standups(utcnow()) == []


def test_requests_that_cannot_apply_are_refused_cleanly(
    app, client, login_as, team, make_user, make_standup_team, today
):
    outsider = login_as(make_user(team_id=make_standup_team(workdays="1234567").id))
    client.get(board_url(team, today))
    refused = client.post(board_url(team, today, "/check-in"), data={"today": "Calls"}, headers=HX)
    assert refused.status_code == 403
    with using(app):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn)) == 0
    assert client.get(board_url(team, today + timedelta(days=30), "/live?v=1")).status_code == 404
    assert client.post("/standup/action-items/999999/done").status_code == 404
    assert client.post(board_url(team, today + timedelta(days=30), "/start")).status_code == 404
    assert outsider.team_id != team.id


def test_watchers_see_an_overdue_meeting_end_by_itself(
    app, client, login_as, team, make_user, today
):
    person = login_as(make_user(team_id=team.id))
    client.get(board_url(team, today))
    client.post(board_url(team, today, "/start"), headers=HX)
    with using(app):
        standup = queries.standup_on(team.id, today)
        standup.auto_end_at = utcnow() - timedelta(seconds=1)
        version = standup.version
        db.session.commit()
    response = client.get(board_url(team, today, f"/live?v={version}"), headers=HX)
    assert response.status_code == 200
    assert "ended by itself" in response.get_data(as_text=True)
    ended = the_standup(app, team, today)
    assert ended.status == "ended" and ended.end_reason == "timebox"
    assert ended.summary["attended"] == [person.name]


def test_only_the_team_closes_its_action_items(
    app, client, login_as, team, make_user, make_standup_team
):
    owner = make_user(team_id=team.id)
    with using(app):
        services.prepare_standups(utcnow())
        standup = queries.standup_on(team.id, schedule.local_date(team, utcnow()))
        actor = db.session.get(User, owner.id)
        item_id = services.add_action_item(standup, actor, "Call the courier", owner.id, None).id
    login_as(make_user(team_id=make_standup_team(workdays="1234567").id))
    refused = client.post(f"/standup/action-items/{item_id}/done")
    assert refused.status_code == 403
    assert "Only members of this team" in refused.get_data(as_text=True)
    with using(app):
        assert db.session.get(ActionItem, item_id).done_at is None


def _attendance_form(panels: str, user_id: int) -> tuple[str, dict, str]:
    """The facilitator's "Mark present/absent" form for ``user_id``, as a browser would send it:
    its action, its hidden fields, and its button's words."""
    found = re.search(
        rf'<form method="post" action="([^"]*/attendance/{user_id})"[^>]*>(.*?)</form>',
        panels,
        re.S,
    )
    assert found, f"no attendance form for {user_id}"
    action, body = found.groups()
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', body))
    button = re.search(r"<button[^>]*>\s*(.*?)\s*</button>", body, re.S).group(1)
    return action, fields, button


def test_the_board_marks_someone_absent_and_present_again(
    app, client, login_as, team, make_user, today
):
    """The attendance button sends what it says: "Mark absent" marks absent, then "Mark present"
    marks present (the form once lost its value and always marked absent)."""
    facilitator, other = two_in_rotation(app, team, make_user)
    login_as(facilitator)
    client.get(board_url(team, today))
    client.post(board_url(team, today, "/start"), headers=HX)

    def present() -> bool | None:
        with using(app):
            standup = queries.standup_on(team.id, today)
            return db.session.scalar(
                sa.select(Attendance.present).where(
                    Attendance.standup_id == standup.id, Attendance.user_id == other.id
                )
            )

    said = []
    for _ in range(3):
        panels = client.get(board_url(team, today, "/panels"), headers=HX).get_data(as_text=True)
        action, fields, button = _attendance_form(panels, other.id)
        said.append(button)
        assert client.post(action, data=fields, headers=HX).status_code == 200
        assert present() is (button == "Mark present")
    assert set(said) == {"Mark present", "Mark absent"} and said[0] == said[2] != said[1]
