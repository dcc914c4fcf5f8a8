"""Issue #17: on the stand-up agenda, a complaint whose owner is away that day says so."""

from datetime import date

import sqlalchemy as sa
from flask import render_template

from core.extensions import db
from standup import queries, services
from tests.support.db import using
from tests.support.standup import at
from tests.support.web import as_read
from wishes.models import Callback


def test_follow_ups_and_overnight_flag_an_owner_away_on_the_standups_day(
    app, db_session, crew, make_complaint, make_away
):
    a, b, _c = crew.people
    parcel = make_complaint(at(3, 20), at(4, 10), team_id=crew.team.id, owner_id=b.id)
    size = make_complaint(at(3, 21), at(4, 10), team_id=crew.team.id, owner_id=a.id)
    make_away(b, date(2025, 3, 4))
    make_away(a, date(2025, 3, 5))  # away another day: not flagged on Tuesday

    [tuesday] = services.prepare_standups(at(4, 7))

    by_kind = {item.kind: item for item in queries.agenda_items(tuesday.id)}
    for kind in ("overnight", "follow_ups"):
        flags = {c["id"]: c["owner_away"] for c in by_kind[kind].refs["complaints"]}
        assert flags == {parcel.id: True, size.id: False}
    with app.test_request_context():
        shown = render_template(
            "standup/_item_refs.html", kind="follow_ups", refs=by_kind["follow_ups"].refs, data={}
        )
    shown = as_read(shown)
    assert shown.count("owner away: Person B") == 1
    assert "Person A" in shown and "owner away: Person A" not in shown


def test_wish_callbacks_flag_an_owner_away_on_the_standups_day(
    app, db_session, crew, ask, make_client, decide_wish, make_away
):
    a, b, _c = crew.people
    wish_id = ask("Dark mode", client=make_client(name="Ana"), agent=a)
    ask(wish_id=wish_id, client=make_client(name="Bruno"), agent=b)
    decide_wish(wish_id, "will_do", "Planned", team=crew.team)
    with using(app):
        db.session.execute(sa.update(Callback).values(due_on=date(2025, 3, 4)))
        db.session.commit()
    make_away(b, date(2025, 3, 4))
    make_away(a, date(2025, 3, 5))  # away another day: not flagged on Tuesday

    [tuesday] = services.prepare_standups(at(4, 7))

    [wishes] = [i for i in queries.agenda_items(tuesday.id) if i.kind == "wishes"]
    flags = {c["client_name"]: c["owner_away"] for c in wishes.refs["callbacks"]}
    assert flags == {"Ana": False, "Bruno": True}
    with app.test_request_context():
        shown = render_template("standup/_item_refs.html", kind="wishes", refs=wishes.refs, data={})
    shown = as_read(shown)
    assert shown.count("owner away: Person B") == 1
    assert "Person A" not in shown
