"""The admin's people page: invite, change role and team, deactivate."""

import sqlalchemy as sa

from core.extensions import db
from core.models import User
from tests.support.web import htmx, user_row


def test_admin_invites_a_user_and_gets_a_link(app, client, login_as, make_team):
    login_as("admin")
    team = make_team(name="Lisbon")
    response = client.post(
        "/admin/users",
        data={
            "email": "New.Person@Example.com",
            "name": "New Person",
            "role": "manager",
            "team_id": team.id,
        },
    )
    assert response.status_code == 201
    assert "/auth/invite/" in response.text
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "new.person@example.com"))
        assert (user.role, user.team_id, user.password_hash) == ("manager", team.id, None)


def test_invite_with_bad_input_explains_and_keeps_what_was_typed(app, client, login_as, make_user):
    login_as("admin")
    taken = make_user("agent")
    response = client.post(
        "/admin/users",
        data={"email": taken.email, "name": "Someone Typed This", "role": "agent", "team_id": 0},
    )
    assert response.status_code == 400
    assert "already has this e-mail" in response.text
    assert 'value="Someone Typed This"' in response.text
    bad_role = client.post(
        "/admin/users", data={"email": "x@example.com", "name": "X", "role": "boss", "team_id": 0}
    )
    assert bad_role.status_code == 400 and "Not a valid choice" in bad_role.text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 2


def test_admin_changes_role_and_deactivates_in_place(app, client, login_as, make_user):
    """An htmx post (CSRF token in its header, as htmx sends it) answers with the row alone."""
    login_as("admin")
    user = make_user("agent")
    response = htmx(client, f"/admin/users/{user.id}", user_row(user, "manager"))
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<tr id="user-{user.id}">')
    with app.app_context():
        changed = db.session.get(User, user.id)
        assert (changed.role, changed.active) == ("manager", False)


def test_admin_cannot_remove_their_own_admin_access(app, client, login_as):
    admin = login_as("admin")
    response = htmx(client, f"/admin/users/{admin.id}", user_row(admin, "agent", active="y"))
    assert response.status_code == 400 and "your own admin access" in response.text
    with app.app_context():
        assert db.session.get(User, admin.id).role == "admin"


def test_unknown_user_is_404(client, login_as):
    login_as("admin")
    assert client.post("/admin/users/999999", data={}).status_code == 404


def test_with_mail_off_the_invitation_says_to_send_the_link_yourself(app, client, login_as):
    login_as("admin")
    invite = {"email": "off@example.com", "name": "Mail Off", "role": "agent", "team_id": 0}
    response = client.post("/admin/users", data=invite)
    assert response.status_code == 201 and "/auth/invite/" in response.text
    assert "Mail is off, so no e-mail goes out" in response.text
    assert "invited by e-mail" not in response.text
    app.config.update(MAIL_URL="smtp://127.0.0.1:1", MAIL_FROM="Huddle <h@example.com>")
    second = client.post("/admin/users", data={**invite, "email": "on@example.com"})
    assert "invited by e-mail; the link is here too" in second.text
