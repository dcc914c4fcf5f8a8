"""The first run: a fresh database without the demo leads to a one-time set-up page."""

import threading
from datetime import time

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from core.audit import AuditEvent
from core.extensions import db
from core.models import Team, User
from dashboard.admin import setup
from tests.dashboard.test_form_walker import NASTY
from tests.support.app import make_app, migrate

PASSWORD = "a sturdy passphrase"
FORM = {
    "name": "Rita Head",
    "email": "Rita@Example.com",
    "password": PASSWORD,
    "confirm": PASSWORD,
    "team_name": "Support EU",
    "team_slug": "support-eu",
    "timezone": "Europe/Lisbon",
    "standup_time": "09:15",
}


def test_fresh_database_walks_from_slash_through_setup_to_a_logged_in_admin(app, client):
    first = client.get("/")
    assert first.status_code == 302 and first.location.endswith("/setup")
    assert client.get("/admin/users").location.endswith("/setup")
    assert client.get("/auth/login").status_code == 200  # public pages stay as they are
    page = client.get("/setup")
    assert page.status_code == 200 and 'name="team_slug"' in page.text

    done = client.post("/setup", data=FORM)
    assert done.status_code == 302 and done.location.endswith("/admin/users")
    assert client.get("/admin/users").status_code == 200  # logged in, as an admin
    with app.app_context():
        admin = db.session.scalar(sa.select(User))
        team = db.session.scalar(sa.select(Team))
        assert (admin.email, admin.role, admin.team_id) == ("rita@example.com", "admin", team.id)
        assert admin.check_password(PASSWORD)
        assert (team.slug, team.timezone, team.standup_time) == (
            "support-eu",
            "Europe/Lisbon",
            time(9, 15),
        )
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) >= 2
    assert client.get("/setup").status_code == 404
    assert client.post("/setup", data={**FORM, "email": "x@example.com"}).status_code == 404
    client.post("/auth/logout")
    assert client.get("/").location.startswith("/auth/login")


def test_setup_keeps_the_input_and_says_what_is_wrong(app, client):
    weak = client.post("/setup", data={**FORM, "password": "password", "confirm": "password"})
    assert weak.status_code == 400 and "Support EU" in weak.text
    assert "Use at least 12" in weak.text
    bad_tz = client.post("/setup", data={**FORM, "timezone": "Mars/Base"})
    assert bad_tz.status_code == 400
    bad_slug = client.post("/setup", data={**FORM, "team_slug": "Not A Slug"})
    assert bad_slug.status_code == 400 and "lower-case letters" in bad_slug.text
    assert "Rita Head" in bad_slug.text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0
        assert db.session.scalar(sa.select(sa.func.count(Team.id))) == 0


def test_setup_needs_the_csrf_token(client):
    assert client.post("/setup", data=FORM, csrf=False).status_code == 400


def test_setup_is_gone_once_anyone_exists(client, make_user):
    make_user("agent")
    assert client.get("/setup").status_code == 404
    assert client.get("/").location.startswith("/auth/login")


def test_a_second_setup_is_refused_by_the_check_under_the_lock(app):
    """The check runs again under the write lock: the one that comes second finds the admin."""

    fields = {**{k: FORM[k] for k in ("name", "email", "password", "team_name", "team_slug")}}
    with app.app_context():
        setup.set_up(**fields, timezone="UTC", standup_time=time(9, 30))
        try:
            setup.set_up(
                **{**fields, "email": "other@example.com", "team_slug": "other"},
                timezone="UTC",
                standup_time=time(9, 30),
            )
        except setup.AlreadySetUp:
            db.session.rollback()
        else:
            raise AssertionError("a second first admin was created")
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1


def test_two_setups_at_the_same_moment_make_one_first_admin(make_database_url):
    """Two browsers submit the set-up page together, on their own connections: one wins."""
    url = make_database_url()
    migrate(url)
    app = make_app(url)
    barrier = threading.Barrier(2, timeout=30)
    outcomes = []

    def submit(n: int) -> None:
        with app.app_context():
            setup.needs_setup()  # the page reads first, as the view does
            barrier.wait()
            try:
                setup.set_up(
                    name=f"Head {n}",
                    email=f"head{n}@example.com",
                    password=PASSWORD,
                    team_name=f"Team {n}",
                    team_slug=f"team-{n}",
                    timezone="UTC",
                    standup_time=time(9, 30),
                )
                outcomes.append("admin")
            except (setup.AlreadySetUp, OperationalError):  # refused, or SQLite's "busy"
                db.session.rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=submit, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    with app.app_context():
        users = db.session.scalar(sa.select(sa.func.count(User.id)))
        db.session.remove()  # give the connection back, so dispose closes it too
        db.engine.dispose()
    assert sorted(outcomes) == ["admin", "refused"] and users == 1


def test_the_set_up_form_answers_every_nasty_value_without_a_5xx(app, client):
    """The form walker seeds the demo first, so it never saw this page, which only an empty
    database shows: every field gets each of its nasty values, the others kept valid. A value
    that is fine after all (a name of digits) sets Huddle up, which is undone to go on."""
    failures = []
    for name in FORM:
        for value in NASTY:
            answer = client.post("/setup", data={**FORM, name: value})
            if answer.status_code >= 500:
                failures.append((name, value[:20], answer.status_code))
            elif answer.status_code == 302:
                client.post("/auth/logout")
                with app.app_context():
                    for model in (AuditEvent, User, Team):
                        db.session.execute(sa.delete(model))
                    db.session.commit()
    assert failures == []
