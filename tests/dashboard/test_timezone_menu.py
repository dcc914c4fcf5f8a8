"""Timezones and languages a new team is set up with: a menu of places in the viewer's language
(not 600 codes), the browser's own timezone guessed, the team speaking its creator's language, and
an invitation in the language the newcomer most likely reads."""

import re
from datetime import UTC, datetime
from html import unescape
from zoneinfo import ZoneInfo, available_timezones

import pytest
import sqlalchemy as sa

from core.extensions import db
from core.models import Team, User
from tests.dashboard.test_admin_teams import HX, team_data
from tests.dashboard.test_setup import FORM

OPTION = re.compile(r'<option (selected )?value="([^"]*)">([^<]*)</option>')
ALIASES = ("Brazil/East", "W-SU", "US/Eastern", "Etc/GMT+3", "localtime", "Factory", "GMT0")


def menu(html: str, field: str) -> list[tuple[str, str, bool]]:
    """The options of the ``<select>`` named ``field``: (value, label, selected)."""
    select = re.search(rf'<select[^>]*name="{field}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no menu {field}"
    return [(v, unescape(label), bool(s)) for s, v, label in OPTION.findall(select.group(1))]


@pytest.mark.parametrize(
    "language, sao_paulo, utc",
    [
        ("pt-BR", "Brasil — São Paulo", "Horário Universal Coordenado"),
        ("es", "Brasil — São Paulo", "tiempo universal coordinado"),
        ("ru", "Бразилия — Сан-Паулу", "Всемирное координированное время"),
        ("en", "Brazil — São Paulo", "Coordinated Universal Time"),
    ],
)
def test_the_set_up_page_offers_places_in_the_viewers_language_by_offset(
    client, language, sao_paulo, utc
):
    page = client.get("/setup", headers={"Accept-Language": language})
    options = menu(page.text, "timezone")
    labels = {value: label for value, label, _ in options}
    assert sao_paulo in labels["America/Sao_Paulo"] and "03:00" in labels["America/Sao_Paulo"]
    assert labels["UTC"].endswith(utc)
    assert [value for value, _, selected in options if selected] == ["UTC"]  # until a guess
    assert "data-guess-timezone" in re.search(r'<select[^>]*name="timezone"[^>]*>', page.text)[0]
    values = [value for value, _, _ in options]
    assert not set(ALIASES) & set(values) and set(values) <= available_timezones()
    assert 400 < len(values) < len(available_timezones())  # one name per place, not every alias
    now = datetime.now(UTC)
    offsets = [now.astimezone(ZoneInfo(value)).utcoffset() for value in values]
    assert offsets == sorted(offsets)
    assert not any(value == label for value, label, _ in options)  # no code shown as a label


def test_the_set_up_team_speaks_the_language_of_its_page_or_the_one_chosen(app, client):
    page = client.get("/setup", headers={"Accept-Language": "pt-BR"})
    assert [v for v, _, selected in menu(page.text, "locale") if selected] == ["pt_BR"]
    done = client.post("/setup", data=FORM, headers={"Accept-Language": "pt-BR"})
    assert done.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(Team.locale)) == "pt_BR"


def test_a_language_chosen_on_the_set_up_page_is_the_teams(app, client):
    done = client.post("/setup", data={**FORM, "locale": "ru"}, headers={"Accept-Language": "es"})
    assert done.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(Team.locale)) == "ru"


def test_an_unknown_timezone_or_language_is_refused_next_to_its_field_and_kept(app, client):
    for field, value, message in (
        ("timezone", "Mars/Olympus", "Choose a timezone from the list."),
        ("timezone", "Europe/" + "x" * 300, "Choose a timezone from the list."),
        ("locale", "xx", "Not a valid choice."),
    ):
        refused = client.post("/setup", data={**FORM, field: value})
        assert refused.status_code == 400 and message in refused.text
        assert 'value="Support EU"' in refused.text  # the rest is kept
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Team.id))) == 0


def test_a_stored_alias_keeps_its_place_in_its_own_form_and_saving_keeps_it(
    app, client, login_as, make_team
):
    login_as("admin")
    team = make_team(timezone="Brazil/East")
    page = client.get("/admin/teams/")
    options = menu(page.text, f"t{team.id}-timezone")
    assert ("Brazil/East", "Brazil/East", True) in options
    assert f"t{team.id}-timezone" in page.text and "data-guess-timezone" in page.text  # new team's
    kept = team_data(f"t{team.id}", slug=team.slug, name=team.name, timezone="Brazil/East")
    assert client.post(f"/admin/teams/{team.id}", data=kept, headers=HX).status_code == 200
    with app.app_context():
        assert db.session.get(Team, team.id).timezone == "Brazil/East"


def test_a_teams_summary_names_its_place_not_its_code(client, login_as, make_team):
    login_as("admin", locale="ru")
    make_team(name="Москва", timezone="Europe/Moscow")
    summary = re.search(r"<summary>(.*?)</summary>", client.get("/admin/teams/").text, re.S)[1]
    assert "Россия — Москва" in summary and "Europe/Moscow" not in summary


def test_my_own_timezone_menu_starts_with_my_teams_and_keeps_a_stored_alias(app, client, login_as):
    login_as("agent", locale="es", timezone="US/Eastern")
    options = menu(client.get("/auth/account").text, "timezone")
    assert options[0][0] == "" and "equipo" in options[0][1]  # "the time zone of my team"
    assert ("US/Eastern", "US/Eastern", True) in options
    assert any(label.endswith("Estados Unidos — Nueva York") for _, label, _ in options)


def test_an_invitation_goes_out_in_the_teams_language_else_the_inviters(
    app, client, login_as, make_team
):
    login_as("admin")  # no language of their own: they read the browser's
    recife = make_team(locale="pt_BR")
    for email, team_id in (("joana@example.com", recife.id), ("ivan@example.com", 0)):
        invited = client.post(
            "/admin/users",
            data={"email": email, "name": "New", "role": "agent", "team_id": team_id},
            headers={"Accept-Language": "ru"},
        )
        assert invited.status_code == 201
    with app.app_context():
        rows = db.session.execute(
            sa.text("SELECT recipient, language, subject FROM mail_messages ORDER BY id")
        ).all()
        newcomers = sa.select(User.locale).where(User.email.in_([r.recipient for r in rows]))
        assert list(db.session.scalars(newcomers)) == [None, None]  # they read their browser's
    assert [(r.recipient, r.language) for r in rows] == [
        ("joana@example.com", "pt_BR"),
        ("ivan@example.com", "ru"),
    ]
    assert rows[1].subject == "Приглашение в Huddle"


def test_the_browser_guesses_a_new_teams_timezone_and_never_overrides_a_choice(
    chromium, live_server
):
    context = chromium.new_context(
        base_url=live_server.url, locale="ru-RU", timezone_id="Asia/Tokyo"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto("/setup")
        assert page.input_value("#timezone") == "Asia/Tokyo"
        assert page.input_value("#locale") == "ru"
        page.select_option("#timezone", "UTC")  # chosen by hand, then the form comes back
        page.fill("#name", "Аня")
        page.fill("#password", "a sturdy passphrase")
        page.fill("#confirm", "another passphrase")
        page.click("form button[type=submit]")
        page.wait_for_selector(".field-error")
        assert page.input_value("#timezone") == "UTC"
    finally:
        context.close()


@pytest.mark.parametrize("browser_zone", ["Asia/Calcutta", "Asia/Kolkata", "Europe/Kiev"])
def test_a_browser_that_says_an_older_name_gets_its_place_guessed(
    chromium, live_server, browser_zone
):
    """Chrome's ICU reports India as Asia/Calcutta, the menu (and Firefox) says Asia/Kolkata."""
    context = chromium.new_context(base_url=live_server.url, timezone_id=browser_zone)
    page = context.new_page()
    try:
        page.goto("/setup")
        expected = {"Europe/Kiev": "Europe/Kyiv"}.get(browser_zone, "Asia/Kolkata")
        assert page.input_value("#timezone") == expected
    finally:
        context.close()


def test_a_new_teams_language_starts_at_the_one_its_creator_reads(client, login_as):
    login_as("admin", locale="es")
    page = client.get("/admin/teams/").text
    assert [v for v, _, selected in menu(page, "new-locale") if selected] == ["es"]
