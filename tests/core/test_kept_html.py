"""Issue #16: the layout's links are written once per person and language and kept
(``core.kept_html``): a kept navigation is always the one the template writes, with the token of the
session that reads it."""

import re

from core import kept_html
from core.extensions import db
from core.models import User
from tests.support.web import page_token, without_token

LOGOUT_TOKEN = re.compile(
    r'<form method="post" action="/auth/logout" class="inline">\s*'
    r'<input type="hidden" name="csrf_token" value="([^"]+)">'
)


def navigation(page: str) -> str:
    """The wide list of links, as written (the "Menu" repeats it)."""
    return page[page.index('<ul class="nav-wide">') : page.index('<details class="nav-menu">')]


def logged_in(app, user):
    client = app.test_client()
    client.log_in(user)
    return client


def test_a_kept_navigation_is_the_one_the_template_writes(app, make_user):
    client = logged_in(app, make_user("admin", name="Ada Admin", locale="en"))
    kept_html._NAVIGATIONS.clear()
    first = client.get("/complaints/").text  # its links written now, then kept
    assert len(kept_html._NAVIGATIONS) == 1
    page = client.get("/complaints/").text
    kept = navigation(page)
    assert navigation(without_token(page)) == navigation(without_token(first))
    assert LOGOUT_TOKEN.search(kept).group(1) == page_token(page)  # the request's own
    assert "People" in kept and "Log out <bdi>Ada Admin</bdi>" in kept
    assert "<csrf-token>" not in kept and kept_html.TOKEN_SLOT not in kept


def test_each_role_name_and_language_gets_its_own_links(app, make_user):
    kept_html._NAVIGATIONS.clear()
    agent = logged_in(app, make_user("agent", name="Ana Agent", locale="en"))
    admin = logged_in(app, make_user("admin", name="Ada Admin", locale="en"))
    russian = logged_in(app, make_user("agent", name="Ana Agent", locale="ru"))
    links = [navigation(client.get("/complaints/").text) for client in (agent, admin, russian)]
    assert "People" not in links[0] and "Insights" not in links[0]
    assert "People" in links[1] and "Insights" in links[1]
    assert "Log out Ana Agent" not in links[2] and "Ana Agent" in links[2]
    assert len(kept_html._NAVIGATIONS) == 3


def test_a_renamed_person_sees_their_new_name(app, make_user):
    user = make_user("manager", name="Old Name", locale="en")
    client = logged_in(app, user)
    assert "Log out <bdi>Old Name</bdi>" in navigation(client.get("/complaints/").text)
    with app.app_context():
        db.session.get(User, user.id).name = "New <b>Name</b>"
        db.session.commit()
    renamed = navigation(client.get("/complaints/").text)
    assert "Log out <bdi>New &lt;b&gt;Name&lt;/b&gt;</bdi>" in renamed
    assert "Old Name" not in renamed


def test_each_session_logs_out_with_its_own_token(app, make_user):
    kept_html._NAVIGATIONS.clear()
    user = make_user("manager", name="Twice Logged", locale="en")
    first, second = logged_in(app, user), logged_in(app, user)
    tokens = [LOGOUT_TOKEN.search(c.get("/complaints/").text).group(1) for c in (first, second)]
    assert tokens[0] != tokens[1]
    assert len(kept_html._NAVIGATIONS) == 1  # one navigation, written once for both
    # Without JavaScript the logout form posts its own token: the second session's is its own
    logged_out = second.post("/auth/logout", data={"csrf_token": tokens[1]}, csrf=False)
    assert logged_out.status_code == 302
    assert second.get("/complaints/").status_code == 302  # to the login page
    assert first.get("/complaints/").status_code == 200


def test_the_kept_navigations_are_bounded(app, make_user, monkeypatch):
    monkeypatch.setattr(kept_html, "NAVIGATIONS_KEPT", 2)
    kept_html._NAVIGATIONS.clear()
    for n in range(5):
        client = logged_in(app, make_user("agent", name=f"Person {n}", locale="en"))
        assert f"Log out <bdi>Person {n}</bdi>" in navigation(client.get("/complaints/").text)
        assert len(kept_html._NAVIGATIONS) <= 2
