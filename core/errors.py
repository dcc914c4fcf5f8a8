"""Refused changes and failed requests, answered in one place: an HTML page, an htmx fragment, or
the API's JSON shape ``{"error": {"code", "message", "fields"}}``.

Services raise ``RuleError`` (or a feature's subclass) when a rule says no. Whatever the service had
begun is rolled back here, never by hand in a view: uncaught, the handler below answers it; caught
by a view that shows the message next to a form field, ``refuse`` does it.
"""

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask, current_app, flash, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, validate_csrf
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException, InternalServerError
from wtforms import ValidationError

from core.extensions import csrf, db
from core.i18n import for_our_clients


class RuleError(Exception):
    """A rule said no: ``message`` is for the person, ``field`` names the input it is about.

    ``status`` is what an uncaught one answers with (422: understood, refused); subclasses say 404
    or 409 where the refusal is "not there" or "changed meanwhile".
    """

    status = 422
    code = "invalid"

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(RuleError):
    status = 404
    code = "not_found"


class Conflict(RuleError):
    status = 409
    code = "conflict"


class Forbidden(RuleError):
    status = 403
    code = "forbidden"


@contextmanager
def refused_if_taken(refusal: RuleError) -> Iterator[None]:
    """Write what the block adds or changes under a savepoint; a unique value taken meanwhile
    raises ``refusal`` instead of the database's error.

    The service looked the value up first, but PostgreSQL lets two requests both look before
    either commits: the unique constraint then stops the second, which is told what the look-up
    would have told it a moment later, not a 500. Only the savepoint is undone.
    """
    try:
        with db.session.begin_nested():
            yield
    except IntegrityError:
        raise refusal from None


def refuse(error: RuleError, form=None, fallback: str | None = None) -> str | None:
    """Undo what a refused change began and put its message next to its field on ``form``.

    Returns the message when no field of the form takes it, for the page to show above the form;
    with ``fallback`` (a field name) such a message is said under that field instead.
    """
    db.session.rollback()
    name = error.field if error.field and hasattr(form, error.field) else fallback
    field = getattr(form, name, None) if form is not None and name else None
    if field is not None:
        field.errors = [*field.errors, error.message]
        return None
    return error.message


def saved(form, write: Callable[[], object], fallback: str | None = None) -> bool:
    """Validate ``form`` and run ``write``: whether the change went through.

    The admin pages' edit-in-place rows all do this: a refused rule is undone and its message put
    next to its field (``refuse``; ``fallback`` names the field that takes a message about the
    whole thing), and a message no field takes is flashed above the page.
    """
    if not form.validate_on_submit():
        return False
    try:
        write()
    except RuleError as error:
        if message := refuse(error, form, fallback):
            flash(message, "error")
        return False
    return True


def api_error(status: int, code: str, message: str, fields: dict | None = None):
    """The one error body the API answers with: ``{"error": {code, message, fields}}``."""
    body = {"error": {"code": code, "message": message, "fields": fields or {}}}
    return jsonify(body), status


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def error_answer(status: int, code: str, message: str, fields: dict | None = None):
    """A refusal as the asker reads it: the API's JSON shape, an htmx fragment, or the error page."""
    if _wants_json():
        return api_error(status, code, message, fields)
    template = "errors/_message.html" if request.headers.get("HX-Request") else "errors/error.html"
    return render_template(template, status=status, message=message), status


def _form_expired() -> str:
    return _("This form has expired or was sent from another page. Reload and try again.")


def _form_kept() -> str:
    """The form came back with what was typed and a fresh token: "reload" (the error page's
    advice) would post the stale token again or, opened anew, lose a client's message."""
    return _("Nothing was sent: this form had expired. Check it and send it again.")


def _cookie_refused() -> str:
    """Why every post over plain HTTP fails; our clients (write to us) never hear of Huddle."""
    if for_our_clients():
        return _(
            "Nothing was sent: your browser refused this page's security cookie because the page "
            "came over plain HTTP. Open the page at its https:// address and send it again."
        )
    return _(
        "Your browser did not keep Huddle's login cookie, because this page came over plain "
        "HTTP. Open Huddle at its https:// address, or ask whoever runs it to serve it over HTTPS."
    )


def _secure_cookie_dropped() -> bool:
    """A form posted over plain HTTP without the session cookie that its page set as ``Secure``:
    the browser dropped it (as it does but on localhost), and every post would say "expired"
    for ever. The operator gets one line in the log saying why."""
    config = current_app.config
    dropped = (
        config["SESSION_COOKIE_SECURE"]
        and not request.is_secure
        and config["SESSION_COOKIE_NAME"] not in request.cookies
    )
    if dropped:
        current_app.logger.warning(
            "A form was posted over plain HTTP to %s without its session cookie: Huddle's "
            "cookies are Secure outside development, so the browser did not send it. Serve Huddle "
            "over HTTPS (behind a proxy that ends TLS, set HUDDLE_TRUSTED_PROXIES), or try it "
            "at http://localhost.",
            request.host,
        )
    return dropped


def _sent_token() -> str | None:
    """The CSRF token as Flask-WTF looks for it: the form's field, then the headers htmx sends."""
    config = current_app.config
    if token := request.form.get(config.get("WTF_CSRF_FIELD_NAME", "csrf_token")):
        return token
    headers = config.get("WTF_CSRF_HEADERS", ["X-CSRFToken", "X-CSRF-Token"])
    return next((request.headers[name] for name in headers if name in request.headers), None)


def keeps_input_on_expiry(view: Callable) -> Callable:
    """A form page whose text must survive an expired session (login, the public write-to-us):
    a POST with an expired or missing CSRF token answers with the form again, what was typed kept
    (password fields render empty) and a message, instead of the error page.

    Only for views whose every write sits behind their FlaskForm's ``validate_on_submit()``: the
    view is exempt from the app-wide check, and the form's own CSRF check refuses the submission.
    """

    @functools.wraps(view)
    def keeping_input(*args, **kwargs):
        expired = False
        if request.method == "POST" and current_app.config.get("WTF_CSRF_ENABLED", True):
            try:
                validate_csrf(_sent_token())
            except ValidationError:
                # The form's own check (the token in its field) refuses it too: nothing is done.
                expired = True
                flash(_cookie_refused() if _secure_cookie_dropped() else _form_kept(), "error")
            else:
                csrf.protect()  # the app-wide check's other half (the referrer over HTTPS)
        response = make_response(view(*args, **kwargs))
        if expired and response.status_code == 200:
            response.status_code = 400  # the form again: refused, as the error page would be
        return response

    return csrf.exempt(keeping_input)


def http_error(error: HTTPException):
    """The answer to an HTTP error: the API's JSON shape, or the error page in the viewer's
    language. A blueprint answering one error its own way hands the others back to this."""
    # The exception's own headers say how to do better (405's Allow, 429's Retry-After).
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    if _wants_json():
        code = (error.name or "error").lower().replace(" ", "_")
        body, status = api_error(error.code or 500, code, error.description or error.name)
        return body, status, headers
    messages = {
        403: _("You do not have access to this page. Ask an admin if you need it."),
        404: _("We could not find this page. It may have moved."),
        405: _("This address does not accept that kind of request."),
        413: _("What you sent is too large."),
        429: _("Too many attempts. Please wait a little and try again."),
    }
    message = messages.get(error.code, _("Something went wrong with this request."))
    page = render_template("errors/error.html", status=error.code, message=message)
    return page, error.code, headers


def init_app(app: Flask) -> None:
    @app.errorhandler(RuleError)
    def rule_error(error: RuleError):
        db.session.rollback()
        fields = {error.field: error.message} if error.field else None
        return error_answer(error.status, error.code, error.message, fields)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        if _wants_json():
            return api_error(400, "csrf", error.description)
        message = _cookie_refused() if _secure_cookie_dropped() else _form_expired()
        return render_template("errors/error.html", status=400, message=message), 400

    app.register_error_handler(HTTPException, http_error)

    @app.errorhandler(InternalServerError)
    def server_error(error):
        db.session.rollback()
        if _wants_json():
            return api_error(500, "internal", "Something went wrong on our side.")
        message = _("Something went wrong on our side. Nothing you typed was saved; try again.")
        return render_template("errors/error.html", status=500, message=message), 500
