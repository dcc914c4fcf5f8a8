"""A complaint's history speaks the viewer's language: what an event stored as a code, an id or a
plain amount is shown as the words, the name and the money the rest of the page shows."""

from decimal import Decimal

import pytest

from complaints import events, services
from complaints.intake.services import open_complaint
from core.extensions import db
from tests.support.complaints import fetch
from tests.support.web import as_read, htmx

UNCHANGED = {"category_id": "0", "constructive": ""}


def history(page: str) -> str:
    return as_read(page.split('<ol class="history">')[1].split("</ol>")[0])


def edit(client, complaint, **fields):
    data = {**UNCHANGED, "version": complaint.version, "summary": complaint.summary, **fields}
    response = htmx(client, f"/complaints/{complaint.id}/edit", data)
    assert response.status_code == 200, response.text
    return response


@pytest.mark.parametrize(
    ("locale", "fact", "anger", "amounts"),
    [
        ("en", "a concrete fact", "pure anger", ("$35.50", "$1,200.00")),
        ("ru", "конкретный факт", "одни эмоции", ("35,50\xa0$", "1\xa0200,00\xa0$")),
    ],
)
def test_an_edit_shows_the_category_by_name_the_kind_in_words_and_money_as_money(
    app, client, login_as, make_complaint, make_category, locale, fact, anger, amounts
):
    login_as("manager", locale=locale)
    before, after = make_category("Late courier"), make_category("Broken parcel")
    complaint = make_complaint(category=before)
    edit(client, complaint, category_id=str(after.id), constructive="yes", budget="35.50")
    complaint = fetch(app, complaint.id)
    shown = history(
        edit(client, complaint, constructive="no", budget="1200", category_id=str(after.id)).text
    )
    assert "Late courier" in shown and "Broken parcel" in shown
    assert fact in shown and anger in shown
    assert all(amount in shown for amount in amounts)
    for raw in ("True", "False", "35.50<", ">1200<", f": {after.id}<", f": {before.id};"):
        assert raw not in shown, raw


def test_a_category_no_longer_known_is_shown_by_its_number(app, client, login_as, make_complaint):
    login_as("manager")
    complaint = make_complaint()
    with app.app_context():  # as an edit stored it, for a category since removed from the list
        events.record(None, complaint.id, "edited", complaint.opened_at, category_id="99999")
        db.session.commit()
    assert "#99999" in history(client.get(f"/complaints/{complaint.id}").text)


def test_the_owner_a_complaint_opened_with_is_shown_by_name(
    app, client, login_as, make_client, make_user
):
    login_as("manager", locale="pt_BR")
    owner = make_user("manager", name="Dora Lima")
    with app.app_context():
        complaint = open_complaint(
            db.session.merge(make_client()), "Late", channel="phone", owner_id=owner.id
        )
        db.session.commit()
        complaint_id = complaint.id
    shown = history(client.get(f"/complaints/{complaint_id}").text)
    assert "Dora Lima" in shown and "owner_id" not in shown
    assert "responsável: Dora Lima" in shown


def test_compensation_and_playbook_amounts_are_money(
    app, client, login_as, make_complaint, make_playbook
):
    manager = login_as("manager", locale="es", compensation_limit=Decimal("500"))
    playbook = make_playbook(suggested_compensation=Decimal("1500.5"))
    complaint = make_complaint(owner=manager)
    with app.app_context():
        actor = db.session.merge(manager)
        services.apply_playbook(complaint.id, actor, playbook.id, complaint.version)
        services.add_compensation(complaint.id, actor, "refund", Decimal("42.25"), None)
    shown = history(client.get(f"/complaints/{complaint.id}").text)
    assert "presupuesto: 1.500,50\xa0US$" in shown
    assert "importe: 42,25\xa0US$" in shown
    assert "1500.5<" not in shown and "42.25<" not in shown


def test_a_change_reads_what_it_was_and_what_it_became(app, client, login_as, make_complaint):
    manager = login_as("manager", locale="ru")
    complaint = make_complaint(owner=manager)
    with app.app_context():
        services.change_status(complaint.id, db.session.merge(manager), "contacting", 1)
    shown = history(client.get(f"/complaints/{complaint.id}").text)
    assert "было: Новая; стало: Связываемся" in shown
