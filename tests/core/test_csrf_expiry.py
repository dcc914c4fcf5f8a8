"""A form posted after its CSRF token expired (a session that timed out, a page left open
overnight) or with a token that is not valid answers with the form again, a message saying so and
what was typed kept (issue #11): the e-mail on the login page (never the password), the name,
contact and message on the public write-to-us page. Nothing is acted on; sent again from the page
it returned (a fresh token in it), the form works."""

import re

import pytest
import sqlalchemy as sa

from complaints.models import Complaint
from core.extensions import db
from tests.support import PASSWORD
from tests.support.db import using

EXPIRED = "This form has expired or was sent from another page. Reload and try again."
# The form came back with a fresh token: send it again (reloading it posted the stale token again).
KEPT = "Nothing was sent: this form had expired. Check it and send it again."
TOKEN = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"'
)


def _stale(app, client, kind: str) -> str:
    """A token that has expired (a real one, past its time limit) or one that is not valid."""
    if kind == "invalid":
        return "not-a-token"
    token = client.csrf_token()
    app.config["WTF_CSRF_TIME_LIMIT"] = -1  # every token is now older than its limit
    return token


def _fresh_token(page: str) -> str:
    match = TOKEN.search(page)
    assert match, "the form came back without a CSRF token"
    return match.group(1) or match.group(2)


@pytest.mark.parametrize("kind", ["expired", "invalid"])
def test_login_with_a_stale_token_keeps_the_email_and_not_the_password(
    app, client, make_user, kind
):
    person = make_user("agent", email="kept.email@example.com")
    token = _stale(app, client, kind)
    typed = {"email": person.email, "password": PASSWORD, "csrf_token": token}
    response = client.post("/auth/login", data=typed, csrf=False)

    assert response.status_code == 400
    assert KEPT in response.text
    assert 'value="kept.email@example.com"' in response.text
    assert PASSWORD not in response.text
    assert client.get("/").status_code == 302  # not logged in

    app.config.pop("WTF_CSRF_TIME_LIMIT", None)
    again = {**typed, "csrf_token": _fresh_token(response.text)}
    assert client.post("/auth/login", data=again, csrf=False).status_code == 302


@pytest.mark.parametrize("kind", ["expired", "invalid"])
def test_write_to_us_with_a_stale_token_keeps_what_was_typed(app, client, make_user, kind):
    make_user("admin", name="Head Of Support")
    token = _stale(app, client, kind)
    typed = {
        "name": "Irina Kept",
        "contact": "irina.kept@example.com",
        "message": "The courier was rude & late.",
        "csrf_token": token,
    }
    response = client.post("/write-to-us", data=typed, csrf=False)

    assert response.status_code == 400
    assert KEPT in response.text
    assert 'value="Irina Kept"' in response.text
    assert 'value="irina.kept@example.com"' in response.text
    assert "The courier was rude &amp; late." in response.text
    with using(app):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Complaint)) == 0

    app.config.pop("WTF_CSRF_TIME_LIMIT", None)
    again = client.post(
        "/write-to-us", data={**typed, "csrf_token": _fresh_token(response.text)}, csrf=False
    )
    assert again.status_code == 200 and "Thank you for writing" in again.text


def test_a_post_without_a_token_elsewhere_still_gets_the_error_page(app, client, login_as):
    login_as("manager")
    response = client.post("/complaints/new", data={"summary": "x"}, csrf=False)
    assert response.status_code == 400 and EXPIRED in response.text


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("es", "No se envió nada: este formulario había caducado. Revísalo y vuelve a enviarlo."),
        (
            "ru",
            "Ничего не отправлено: срок действия формы истёк. Проверьте её и отправьте ещё раз.",
        ),
    ],
)
def test_a_client_back_after_a_night_is_told_to_send_again_in_their_language(
    app, client, make_user, language, said
):
    """Not "reload": reloading posted the stale token again, and the page opened anew lost the
    message; the form came back with the message in it and a fresh token, so sending works."""
    make_user("admin", name="Head Of Support")
    token = _stale(app, client, "expired")
    typed = {
        "name": "Olga",
        "contact": "olga@example.com",
        "message": "Всё ещё жду.",
        "csrf_token": token,
    }
    response = client.post(
        "/write-to-us", data=typed, headers={"Accept-Language": language}, csrf=False
    )
    assert response.status_code == 400
    assert said in response.text and "Всё ещё жду." in response.text
