"""Each client in their own language: told by the API or a CSV file, else learnt from their first
answer; the survey follows it whatever the browser says. Titles Huddle writes are kept as data and
written in the reader's language."""

from decimal import Decimal

import sqlalchemy as sa

from complaints.intake.survey import issue_link
from complaints.models import Compensation, Complaint
from core.extensions import db
from core.models import Client
from tests.support.api import CLIENT, post_json
from tests.support.db import all_rows, using
from tests.support.web import htmx


def _survey_path(app, client_id: int) -> str:
    with using(app):
        _link, token = issue_link(client_id)
        db.session.commit()
    return f"/s/{token}"


def test_the_api_sets_the_clients_language_and_the_survey_speaks_it(app, client, api_headers):
    body = {"client": {**CLIENT, "locale": "pt-BR"}, "score": 5}
    assert post_json(client, "/api/v1/ratings", body, api_headers).status_code == 201
    (known,) = all_rows(app, Client)
    assert known.locale == "pt_BR"
    page = client.get(_survey_path(app, known.id), headers={"Accept-Language": "ru-RU,ru"})
    assert '<html lang="pt-BR">' in page.text and "How did we do" not in page.text


def test_a_language_huddle_does_not_speak_is_refused(app, client, api_headers):
    body = {"client": {**CLIENT, "locale": "tlh"}, "score": 5}
    response = post_json(client, "/api/v1/ratings", body, api_headers)
    assert response.status_code == 422 and "client.locale" in response.json["error"]["fields"]


def test_the_first_answer_teaches_the_clients_language(app, client, make_client):
    person = make_client()
    path = _survey_path(app, person.id)
    answer = client.post(
        path, data={"score": "2", "comment": "Tarde"}, headers={"Accept-Language": "es-ES"}
    )
    assert answer.status_code == 200
    with using(app):
        assert db.session.get(Client, person.id).locale == "es"
        complaint = db.session.scalar(sa.select(Complaint))
        assert (complaint.summary_words, complaint.summary_kind) == ("Tarde", "rated")
        assert complaint.summary_params == {"score": 2}
        assert complaint.title == "Rated 2/5: Tarde"


def test_a_second_client_in_the_same_browser_is_not_spoken_the_firsts_language(
    app, client, make_client
):
    """A client's language is kept for their visit (their pages that know no client speak it), but
    another client's survey opened next in that browser is theirs: the browser's, then learnt; and
    Huddle's own login page is not a client's."""
    first, second = make_client(locale="ru"), make_client()
    assert '<html lang="ru">' in client.get(_survey_path(app, first.id)).text
    assert '<html lang="ru">' in client.get("/write-to-us").text
    login = client.get("/auth/login", headers={"Accept-Language": "en"})  # Huddle's, not theirs
    assert '<html lang="en">' in login.text
    path = _survey_path(app, second.id)
    assert '<html lang="es">' in client.get(path, headers={"Accept-Language": "es"}).text
    client.post(path, data={"score": "5"}, headers={"Accept-Language": "es"})
    with using(app):
        assert db.session.get(Client, second.id).locale == "es"


def test_a_generated_title_is_written_in_the_readers_language(app, client, login_as, make_client):
    person = make_client()
    client.post(_survey_path(app, person.id), data={"score": "1"})
    manager = login_as("manager")
    with using(app):
        db.session.get(type(manager), manager.id).locale = "ru"
        db.session.commit()
    page = client.get("/complaints/")
    assert "Оценка 1/5" in page.text and "Rated 1/5" not in page.text


def test_a_pt_manager_types_a_compensation_with_a_comma(app, client, login_as, make_complaint):
    manager = login_as("manager")
    with using(app):
        user = db.session.get(type(manager), manager.id)
        user.locale, user.compensation_limit = "pt_BR", Decimal("100")
        db.session.commit()
    complaint = make_complaint(owner_id=manager.id)
    url = f"/complaints/{complaint.id}/compensation"
    refused = htmx(client, url, {"kind": "discount", "amount": "3,590"})
    assert refused.status_code == 400 and "3590" in refused.text
    assert htmx(client, url, {"kind": "discount", "amount": "35,90"}).status_code == 200
    (given,) = all_rows(app, Compensation)
    assert given.amount == Decimal("35.90")
    page = client.get(f"/complaints/{complaint.id}")
    assert "US$\xa035,90" in page.text  # the installation's currency, as a Brazilian writes it
