"""The ``huddle`` commands other people and scripts rely on."""

import sqlalchemy as sa

from complaints.models import Complaint
from core.api.tokens import ApiToken
from core.demo import DEMO_PASSWORD
from core.extensions import db
from core.models import Team, User


def invoke(app, *args, input=None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def test_users_create(app):
    result = invoke(
        app,
        "users",
        "create",
        "Boss@Example.com",
        "--role",
        "admin",
        "--password",
        "a sturdy passphrase",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "boss@example.com"))
        assert user.role == "admin" and user.check_password("a sturdy passphrase")
    again = invoke(app, "users", "create", "boss@example.com", "--password", "a sturdy passphrase")
    assert again.exit_code != 0 and "already has this e-mail" in again.output


def test_users_create_refuses_an_unknown_role(app):
    result = invoke(
        app,
        "users",
        "create",
        "x@example.com",
        "--role",
        "king",
        "--password",
        "a sturdy passphrase",
    )
    assert result.exit_code == 2 and "'king' is not one of" in result.output


def test_tokens_create_shows_the_token_once_and_stores_only_its_hash(app, client):
    result = invoke(app, "tokens", "create", "crm")
    token = result.output.strip()
    assert result.exit_code == 0 and token.startswith("hud_")
    with app.app_context():
        stored = db.session.scalar(sa.select(ApiToken))
        assert stored.name == "crm" and token not in stored.token_hash
    ok = client.get("/api/v1/no-such-endpoint", headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 404 and ok.json["error"]["code"] == "not_found"
    assert invoke(app, "tokens", "create", "crm").exit_code == 1


def test_demo_is_idempotent_and_prints_the_logins(app, client):
    first = invoke(app, "demo")
    second = invoke(app, "demo")
    assert first.exit_code == 0 and second.exit_code == 0, first.output
    assert "admin@huddle.example" in first.output and DEMO_PASSWORD in first.output
    login = f"{app.config['BASE_URL'].rstrip('/')}/auth/login"  # HUDDLE_BASE_URL, not :5000
    assert f"Log in at {login} with:" in first.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Team)) == 2
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 7
        languages = db.session.scalars(sa.select(Complaint.summary)).all()
        assert len(languages) == 12
        assert any("Entrega" in s for s in languages) and any("Заказ" in s for s in languages)
    response = client.post(
        "/auth/login", data={"email": "agent@huddle.example", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302


def test_every_demo_user_can_open_the_main_pages(app, client):
    assert invoke(app, "demo").exit_code == 0
    pages = ["/", "/complaints/", "/auth/account"]
    for email, role in [
        ("agent@huddle.example", "agent"),
        ("manager@huddle.example", "manager"),
        ("admin@huddle.example", "admin"),
    ]:
        client.post("/auth/login", data={"email": email, "password": DEMO_PASSWORD})
        extra = {
            "manager": ["/complaints/mine"],
            "admin": ["/complaints/mine", "/complaints/playbooks", "/admin/users"],
        }.get(role, [])
        for url in pages + extra:
            assert client.get(url).status_code == 200, (email, url)
        with app.app_context():
            first = db.session.scalar(sa.select(Complaint.id).order_by(Complaint.id))
            client_id = db.session.scalar(sa.select(Complaint.client_id).order_by(Complaint.id))
        assert client.get(f"/complaints/{first}").status_code == 200
        assert client.get(f"/complaints/clients/{client_id}").status_code == 200
        client.post("/auth/logout")


def test_survey_link_command_prints_a_working_link(app, client):
    unknown = invoke(app, "survey-link", "crm-7")
    assert unknown.exit_code == 2 and "give --name" in unknown.output
    result = invoke(app, "survey-link", "crm-7", "--name", "Rosa", "--order", "A-9")
    assert result.exit_code == 0, result.output
    url = result.output.strip()
    path = url[url.index("/s/") :]
    assert "How did we do, Rosa?" in client.get(path).text
