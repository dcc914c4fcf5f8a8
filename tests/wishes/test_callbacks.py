"""Callbacks due and overdue show up on the stand-up agenda, Today and "Calls to make" (both backends)."""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from core.extensions import db
from core.models import Client
from tests.support.db import using
from tests.support.web import as_read
from tests.support.wishes import callbacks
from wishes import briefs, services
from wishes.models import Callback


@pytest.fixture
def decided(app, ask, make_client, make_user, make_team, decide_wish):
    """Three clients of one wish decided "will do if paid"; callbacks split between two agents."""
    team = make_team(slug="cb-team", timezone="America/Sao_Paulo")
    other = make_team(slug="cb-other", timezone="Europe/Moscow")
    manager = make_user("manager", team_id=team.id)
    lucas = make_user("agent", team_id=team.id, name="Lucas")
    olga = make_user("agent", team_id=other.id, name="Olga")
    wish_id = ask("Export reports to Excel", client=make_client(name="Ana"), agent=lucas)
    ask(wish_id=wish_id, client=make_client(name="Bruno", phone="+55 11 5555"), agent=lucas)
    ask(wish_id=wish_id, client=make_client(name="Carla"), agent=olga)
    decide_wish(
        wish_id,
        "will_do_if_paid",
        "Only for the biggest plan",
        terms="US$ 800",
        manager=manager,
        team=team,
    )
    return {
        "team": team,
        "other": other,
        "manager": manager,
        "lucas": lucas,
        "olga": olga,
        "wish_id": wish_id,
    }


def set_due(app, due_by_client: dict[str, date]):
    with using(app):
        rows = db.session.execute(
            sa.select(Callback, Client.name).join(Client, Client.id == Callback.client_id)
        )
        for callback, name in rows:
            if name in due_by_client:
                callback.due_on = due_by_client[name]
        db.session.commit()


NOON = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)  # Thursday, noon in São Paulo
TODAY = date(2026, 12, 3)


def test_due_today_and_overdue_reach_the_agenda_but_not_future_or_done(app, decided):
    set_due(
        app, {"Ana": TODAY, "Bruno": TODAY - timedelta(days=2), "Carla": TODAY + timedelta(days=1)}
    )
    with using(app):
        due = briefs.callbacks_due(decided["team"].id, NOON)
    assert [(b.client_name, b.overdue) for b in due] == [("Bruno", True), ("Ana", False)]
    assert {b.decision for b in due} == {"will_do_if_paid"}
    assert {b.wish_title for b in due} == {"Export reports to Excel"}
    assert all(not hasattr(b, "client_phone") and "+55" not in repr(b) for b in due)

    [ana] = [c for c in callbacks(app) if c.due_on == TODAY]
    with using(app):
        services.log_call(ana.id, decided["lucas"], "Told her; she will think about it")
        assert [b.client_name for b in briefs.callbacks_due(decided["team"].id, NOON)] == ["Bruno"]


def test_each_team_sees_the_calls_of_its_own_agents(app, decided):
    set_due(app, {"Ana": TODAY, "Bruno": TODAY, "Carla": TODAY})
    with using(app):
        mine = {b.client_name for b in briefs.callbacks_due(decided["team"].id, NOON)}
        theirs = {b.client_name for b in briefs.callbacks_due(decided["other"].id, NOON)}
        everyone = {b.client_name for b in briefs.callbacks_due(None, NOON)}
    assert mine == {"Ana", "Bruno"} and theirs == {"Carla"} and everyone == mine | theirs


def test_due_today_is_judged_on_the_teams_calendar(app, decided):
    set_due(app, {"Ana": TODAY, "Bruno": TODAY + timedelta(days=1), "Carla": TODAY})
    late_evening = datetime(2026, 12, 4, 1, 0, tzinfo=UTC)  # still Thursday 22:00 in São Paulo
    with using(app):
        assert [b.client_name for b in briefs.callbacks_due(decided["team"].id, late_evening)] == [
            "Ana"
        ]
        # ...but already Friday 04:00 in Moscow, where Carla's call is now overdue.
        [carla] = briefs.callbacks_due(decided["other"].id, late_evening)
    assert carla.client_name == "Carla" and carla.overdue


def test_calls_to_make_lists_a_persons_open_calls(app, decided):
    with using(app):
        lucas_calls = briefs.calls_to_make(decided["lucas"].id)
        olga_calls = briefs.calls_to_make(decided["olga"].id)
    assert sorted(b.client_name for b in lucas_calls) == ["Ana", "Bruno"]
    assert [b.client_name for b in olga_calls] == ["Carla"]
    assert {b.agent_name for b in lucas_calls} == {"Lucas"}


def test_logging_a_call_on_the_page_marks_it_done(app, client, decided):
    client.log_in(decided["lucas"])
    page = client.get("/wishes/calls")
    assert page.status_code == 200
    assert "Ana" in page.text and "Bruno" in page.text and "Carla" not in page.text
    assert "+55 11 5555" in page.text  # the agent needs the number; it stays inside Huddle
    assert "US$ 800" in page.text and "Only for the biggest plan" in page.text
    [ana] = [c for c in callbacks(app) if c.agent_id == decided["lucas"].id][:1]
    response = client.post(
        f"/wishes/calls/{ana.id}/done",
        data={f"call-{ana.id}-notes": "She will upgrade next month"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and "Called" in response.text
    assert "Log the call" not in response.text
    done = next(c for c in callbacks(app) if c.id == ana.id)
    assert done.done_at is not None and done.notes == "She will upgrade next month"
    assert done.done_by_id == decided["lucas"].id
    again = client.post(f"/wishes/calls/{ana.id}/done", headers={"HX-Request": "true"})
    assert again.status_code == 422 and "already logged" in again.text
    with using(app):
        assert len(briefs.calls_to_make(decided["lucas"].id)) == 1


def test_someone_elses_call_is_theirs_unless_you_manage(app, client, decided):
    [carla] = [c for c in callbacks(app) if c.agent_id == decided["olga"].id]
    client.log_in(decided["lucas"])
    assert client.post(f"/wishes/calls/{carla.id}/done").status_code == 403
    assert next(c for c in callbacks(app) if c.id == carla.id).done_at is None
    client.log_in(decided["manager"])
    assert client.post(f"/wishes/calls/{carla.id}/done").status_code == 302
    assert next(c for c in callbacks(app) if c.id == carla.id).done_at is not None


def test_managers_can_see_the_whole_teams_calls(app, client, decided):
    client.log_in(decided["manager"])
    own = client.get("/wishes/calls").text
    # It said "No calls to make. Thank you!" over a team with calls overdue.
    assert "No calls to make" not in own
    team_page = client.get("/wishes/calls?who=team").text
    assert "Ana" in team_page and "Bruno" in team_page and "Lucas" in team_page
    waiting = team_page.count('<article class="call')
    assert f"You have no calls to make; your team still has {waiting} calls to make." in own


def test_logging_a_call_needs_the_csrf_token(app, client, decided):
    [first] = callbacks(app)[:1]
    client.log_in(decided["manager"])
    assert client.post(f"/wishes/calls/{first.id}/done", csrf=False).status_code == 400
    assert callbacks(app)[0].done_at is None


def test_unknown_callback_is_404(client, login_as):
    login_as("manager")
    assert client.post("/wishes/calls/999999/done").status_code == 404


def test_today_shows_an_agent_the_wish_calls_due_and_overdue(app, client, decided):
    with using(app):
        today = briefs.user_today(db.session.get(type(decided["lucas"]), decided["lucas"].id))
    set_due(app, {"Ana": today - timedelta(days=1), "Bruno": today + timedelta(days=1)})
    client.log_in(decided["lucas"])
    block = client.get("/today/wish-calls", headers={"HX-Request": "true"}).text
    assert "Ana" in block and "overdue" in block and "Will do if paid" in block
    assert "Bruno" not in block
    assert "Wish callbacks due today and overdue" in client.get("/").text


def test_a_call_that_did_not_connect_stays_open_and_counts_attempts(app, client, decided):
    client.log_in(decided["lucas"])
    [ana] = [c for c in callbacks(app) if c.agent_id == decided["lucas"].id][:1]
    prefix = f"call-{ana.id}"
    missed = client.post(
        f"/wishes/calls/{ana.id}/done",
        data={f"{prefix}-outcome": "no_answer", f"{prefix}-next_try_on": "2026-12-04"},
        headers={"HX-Request": "true"},
    )
    assert missed.status_code == 200 and "Log the call" in missed.text
    assert "1 attempt so far" in missed.text and "No answer" in missed.text
    left = client.post(
        f"/wishes/calls/{ana.id}/done",
        data={f"{prefix}-outcome": "left_message", f"{prefix}-notes": "Voicemail"},
    )
    assert left.status_code == 302
    still_open = next(c for c in callbacks(app) if c.id == ana.id)
    assert (still_open.done_at, still_open.attempts, still_open.last_outcome) == (
        None,
        2,
        "left_message",
    )
    assert still_open.next_try_on is None and still_open.notes == "Voicemail"
    with using(app):
        assert len(briefs.calls_to_make(decided["lucas"].id)) == 2
    page = client.get("/wishes/calls").text
    assert "2 attempts so far" in page and "Left a message" in page

    reached = client.post(f"/wishes/calls/{ana.id}/done", data={f"{prefix}-outcome": "reached"})
    assert reached.status_code == 302
    done = next(c for c in callbacks(app) if c.id == ana.id)
    assert (done.attempts, done.last_outcome, done.notes) == (3, "reached", "Voicemail")
    assert done.done_at is not None
    with using(app):
        assert len(briefs.calls_to_make(decided["lucas"].id)) == 1


def test_an_unknown_call_outcome_is_refused(app, client, decided):
    client.log_in(decided["lucas"])
    [ana] = [c for c in callbacks(app) if c.agent_id == decided["lucas"].id][:1]
    answer = client.post(
        f"/wishes/calls/{ana.id}/done",
        data={f"call-{ana.id}-outcome": "hung_up"},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 400
    with using(app), pytest.raises(services.WishError):
        services.log_call(
            ana.id,
            db.session.get(type(decided["lucas"]), decided["lucas"].id),
            outcome="hung_up",
        )
    assert next(c for c in callbacks(app) if c.id == ana.id).attempts == 0


def test_a_managers_one_click_hands_the_calls_of_someone_away_to_someone_present(
    app, client, decided, make_user, make_away
):
    from_team = decided["team"]
    mia = make_user("agent", team_id=from_team.id, name="Mia")
    lucas, manager = decided["lucas"], decided["manager"]
    with using(app):
        today = briefs.user_today(db.session.get(type(lucas), manager.id))
    make_away(lucas, today)
    make_away(manager, today)  # away too: not a stand-in
    [ana, bruno] = sorted((c for c in callbacks(app) if c.agent_id == lucas.id), key=lambda c: c.id)

    client.log_in(manager)
    page = as_read(client.get("/wishes/calls?who=team").text)
    assert page.count("owner away: Lucas") == 2
    assert page.count("Give it to Mia") == 2
    client.log_in(lucas)  # the agent sees the flag, not the button
    own = as_read(client.get("/wishes/calls").text)
    assert "owner away: Lucas" in own and "Give it to" not in own
    refused = client.post(
        f"/wishes/calls/{ana.id}/hand-over", data={"agent_id": lucas.id, "to_user_id": mia.id}
    )
    assert refused.status_code == 403

    client.log_in(manager)
    handed = client.post(
        f"/wishes/calls/{ana.id}/hand-over",
        data={"agent_id": lucas.id, "to_user_id": mia.id},
        headers={"HX-Request": "true"},
    )
    assert handed.status_code == 200 and "owner away" not in handed.text
    assert next(c for c in callbacks(app) if c.id == ana.id).agent_id == mia.id
    stale = client.post(
        f"/wishes/calls/{ana.id}/hand-over",
        data={"agent_id": lucas.id, "to_user_id": mia.id},
        headers={"HX-Request": "true"},
    )
    assert stale.status_code == 409 and "changed hands" in stale.text
    to_away = client.post(
        f"/wishes/calls/{bruno.id}/hand-over",
        data={"agent_id": lucas.id, "to_user_id": manager.id},
        headers={"HX-Request": "true"},
    )
    assert to_away.status_code == 409
    assert next(c for c in callbacks(app) if c.id == bruno.id).agent_id == lucas.id
    with using(app):
        assert [b.client_name for b in briefs.calls_to_make(mia.id)] == ["Ana"]
