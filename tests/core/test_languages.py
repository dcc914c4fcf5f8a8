"""Four languages: the browser's (or the visitor's choice) on public pages, the setting for staff."""

from datetime import date, time

import pytest
from flask_babel import force_locale

from core.extensions import db
from core.models import User
from core.templating import spoken_day, wall_clock
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


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "Tuesday, December 1"),
        ("pt_BR", "terça-feira, 1 de dezembro"),
        ("es", "martes, 1 de diciembre"),
        ("ru", "вторник, 1 декабря"),
    ],
)
def test_a_spoken_day_is_said_the_way_each_language_says_it(app, lang, said):
    """Weekday in full, no year, in the language's own order and words (the "de" included)."""
    with app.test_request_context(), force_locale(lang):
        assert spoken_day(date(2026, 12, 1)) == said


@pytest.mark.parametrize(
    ("lang", "shown"), [("en", "9:05\u202fAM"), ("pt_BR", "09:05"), ("es", "9:05"), ("ru", "09:05")]
)
def test_a_teams_stand_up_time_reads_as_its_own_clock_in_the_readers_language(app, lang, shown):
    """Next to the team's timezone, not moved into the reader's (the reader may be elsewhere)."""
    with app.test_request_context(), force_locale(lang):
        assert wall_clock(time(9, 5)) == shown
