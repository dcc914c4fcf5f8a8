"""An htmx action answered 503 (Huddle's own while the database is set up or upgraded, or a
proxy's while the app is away) says so in the page's language, in the assertive live region, and
keeps what was typed; it said "Something went wrong on our side" as if the action had broken."""

from datetime import timedelta

import pytest

from core.database import utcnow
from core.extensions import db
from core.models import Client
from tests.support import PASSWORD
from tests.support.app import make_app, migrate, production_app
from tests.support.browser import follow
from tests.support.factories import build_complaint, build_user

SPANISH = "Huddle se está actualizando o está ocupado. No se guardó nada; vuelve a intentarlo"
# What nginx answers while the app behind it is down for maintenance: no Retry-After, plain HTML.
PROXY_503 = "<html><head><title>503 Service Temporarily Unavailable</title></head></html>"


class Upgrading:
    """The live app's WSGI callable, which hands every request to an app whose database is not
    upgraded yet (production's ``core.schema`` 503) while ``on``: the upgrade in progress."""

    def __init__(self, ready, unready):
        self.ready, self.unready, self.on = ready, unready, False

    def __call__(self, environ, start_response):
        return (self.unready if self.on else self.ready)(environ, start_response)


@pytest.fixture(scope="module")
def live_app(tmp_path_factory):
    """The shared ``live_server`` serves this app: a migrated SQLite file with a Spanish-speaking
    agent and her complaint; ``live_app.upgrading.on`` makes it answer like one being upgraded."""
    folder = tmp_path_factory.mktemp("upgrading")
    url = f"sqlite:///{folder / 'live.db'}"
    migrate(url)
    app = make_app(url)
    unready = production_app(f"sqlite:///{folder / 'empty.db'}")
    app.upgrading = Upgrading(app.wsgi_app, unready.wsgi_app)
    app.wsgi_app = app.upgrading
    with app.app_context():
        agent = build_user("agent", email="obras@example.com", name="Inés Obras", locale="es")
        client = Client(external_id="obras-1", name="Cliente Obras")
        db.session.add_all([agent, client])
        db.session.flush()
        db.session.add(
            build_complaint(
                utcnow() - timedelta(hours=2), client=client, summary="Llegó roto", owner=agent
            )
        )
        db.session.commit()
    yield app
    with unready.app_context():
        db.engine.dispose()


@pytest.fixture
def upgrading(live_app):
    yield live_app.upgrading
    live_app.upgrading.on = False


@pytest.mark.parametrize("answered_by", ["huddle", "proxy"])
def test_an_htmx_action_during_an_upgrade_says_so_and_keeps_the_input(
    page, live_app, upgrading, answered_by
):
    notes = f"Pide un reemplazo ({answered_by})"
    page.goto("/auth/login")  # in the browser's English: her own language comes after it
    page.get_by_label("E-mail").fill("obras@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Hoy").wait_for()
    page.goto("/complaints/?view=mine")
    follow(page, page.get_by_role("link", name="Llegó roto"))
    page.get_by_label("Llamada", exact=True).check()
    page.get_by_label("Los contactamos").check()
    page.get_by_label("Notas").fill(notes)
    alert = page.locator("#huddle-alert")
    assert alert.get_attribute("role") == "alert"

    if answered_by == "huddle":
        upgrading.on = True
    else:
        page.route(
            "**/contacts*",
            lambda route: route.fulfill(status=503, body=PROXY_503, content_type="text/html"),
        )
    with page.expect_response(lambda response: response.status == 503) as answer:
        page.get_by_role("button", name="Registrar contacto").click()
    if answered_by == "huddle":  # really the app's notice, which is in the browser's English
        assert answer.value.headers["retry-after"] == "60"
        assert answer.value.text().startswith("Huddle is being set up or upgraded.")
    page.wait_for_function(
        "text => document.getElementById('huddle-alert').textContent.startsWith(text)",
        arg=SPANISH,
    )
    assert "Algo salió mal" not in alert.text_content()
    assert page.get_by_label("Notas").input_value() == notes  # nothing typed is lost
    assert page.get_by_label("Los contactamos").is_checked()
    button = page.get_by_role("button", name="Registrar contacto")
    assert button.is_enabled() and button.get_attribute("aria-busy") != "true"

    upgrading.on = False
    page.unroute("**/contacts*")
    button.click()
    page.get_by_role("cell", name=notes).wait_for()  # the same form works once it is over
