"""Four languages: the browser's (or the visitor's choice) on public pages, the setting for staff."""

import pytest

from core.extensions import db
from core.models import User
from tests.support.db import using


@pytest.mark.parametrize(
    ("accept", "lang"),
    [
        ("pt-BR,pt;q=0.9", "pt-BR"),
        ("pt-PT", "pt-BR"),
        ("es-ES", "es"),
        ("ru-RU", "ru"),
        ("de", "en"),
    ],
)
def test_public_pages_speak_the_browsers_language(client, accept, lang):
    for path in ("/auth/login", "/write-to-us"):
        page = client.get(path, headers={"Accept-Language": accept})
        assert f'<html lang="{lang}">' in page.text


def test_the_language_switch_is_remembered_for_the_visit(client):
    chosen = client.get("/write-to-us?lang=ru", headers={"Accept-Language": "es"})
    assert '<html lang="ru">' in chosen.text
    again = client.get("/auth/login", headers={"Accept-Language": "es"})
    assert '<html lang="ru">' in again.text and 'aria-current="true">Русский' in again.text


def test_my_settings_offers_the_four_languages_by_their_own_names_and_keeps_mine(
    app, client, login_as
):
    user = login_as("agent", locale="es")
    page = client.get("/auth/account", headers={"Accept-Language": "ru"})
    assert '<html lang="es">' in page.text
    for name in ("English", "Português (Brasil)", "Español", "Русский"):
        assert name in page.text
    assert '<option selected value="es">' in page.text or 'value="es" selected' in page.text
    client.post("/auth/account", data={"name": user.name, "timezone": "", "locale": "pt_BR"})
    with using(app):
        assert db.session.get(User, user.id).locale == "pt_BR"
