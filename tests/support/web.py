"""A test client that sends the CSRF token like the real pages do, and a live server for the browser."""

import re
import threading

from flask import has_app_context, session
from flask.testing import FlaskClient
from flask_login import login_user
from flask_wtf.csrf import generate_csrf
from werkzeug.serving import make_server

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
PAGE_TOKEN = re.compile(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'')


def page_token(page: str) -> str:
    """The CSRF token a page was written with (base.html's ``hx-headers``; its forms carry it too)."""
    return PAGE_TOKEN.search(page).group(1)


def without_token(page: str) -> str:
    """``page`` with its CSRF token taken out: the token is signed with the second it is made in,
    so two requests for the same page may differ by it alone."""
    return page.replace(page_token(page), "TOKEN")


def as_read(page: str) -> str:
    """``page`` without the ``<bdi>`` tags that isolate people's words from the sentence around
    them: the words as a reader reads them, for a test about what a line says."""
    return page.replace("<bdi>", "").replace("</bdi>", "")


class CsrfClient(FlaskClient):
    """Adds ``X-CSRFToken`` to state-changing requests, as base.html's ``hx-headers`` does.

    Pass ``csrf=False`` to send a request without it (to prove it is refused).
    """

    def csrf_token(self) -> str:
        with self.session_transaction() as stored, self.application.test_request_context():
            session.update(stored)
            token = generate_csrf()
            stored.update(session)
        return token

    def log_in(self, user) -> None:
        """Log ``user`` in through Flask-Login itself, bound to this client's address and agent."""
        with (
            self.session_transaction() as stored,
            self.application.test_request_context(environ_base=self.environ_base),
        ):
            login_user(user)
            stored.update(session)

    def open(self, *args, csrf: bool = True, **kwargs):
        if has_app_context():
            # A request inside a held app context would share its ``g`` (and so the logged-in
            # user) with the test and with every other request. Open the context after the request.
            raise RuntimeError("make test requests outside `with app.app_context()`")
        method = str(kwargs.get("method", "GET")).upper()
        if csrf and method in UNSAFE_METHODS:
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", self.csrf_token())
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)


class LiveServer:
    """The real app on 127.0.0.1 in a background thread, for Playwright."""

    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "LiveServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)
        self.server.server_close()


def htmx(client, url, data=None, **kwargs):
    """A POST as htmx sends it from a page: the form's fields and the ``HX-Request`` header."""
    return client.post(url, data=data or {}, headers={"HX-Request": "true"}, **kwargs)


def user_row(user, role: str, **fields: str) -> dict[str, str]:
    """The form of ``user``'s row on the people page, named as the row names its fields
    (``u<id>-role``); ``team_id`` is "0" (no team) unless given."""
    fields = {"role": role, "team_id": "0", **fields}
    return {f"u{user.id}-{name}": value for name, value in fields.items()}
