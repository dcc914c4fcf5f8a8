"""Who may open what: login by default, public by exception, roles in one decorator."""

from functools import wraps
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    flash,
    request,
    session,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user

from core.extensions import csrf, db
from core.models import User


def public(view):
    """Mark a view as open to anonymous visitors (login page, client survey links)."""
    view.is_public = True
    return view


def authenticates_itself(blueprint: Blueprint) -> Blueprint:
    """Mark a blueprint whose requests prove who sent them otherwise (the API with bearer tokens,
    Slack with signatures): no login is asked, and no CSRF token, since no cookie is trusted."""
    blueprint.authenticates_itself = True
    csrf.exempt(blueprint)
    return blueprint


def role_required(role: str):
    """Allow the view to users of ``role`` or a higher one; others get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.has_role(role):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_role = role
        return wrapped

    return decorator


def sent_to_self_authenticating() -> bool:
    """This request is for a blueprint that proves who sent it otherwise (API, Slack)."""
    blueprint = current_app.blueprints.get(request.blueprint or "")
    return getattr(blueprint, "authenticates_itself", False)


def login_missing() -> bool:
    """This request is for a page that needs a login, and nobody is logged in."""
    if request.endpoint is None or request.endpoint == "static":
        return False
    if sent_to_self_authenticating():  # API tokens, Slack signatures
        return False
    view = current_app.view_functions.get(request.endpoint)
    return not (getattr(view, "is_public", False) or current_user.is_authenticated)


def init_app(app: Flask, login_manager: LoginManager) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to open this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str):
        """``id.version``: a cookie from before the last password change or "log out everywhere"
        names an old version and logs nobody in."""
        user_part, _, version = user_id.partition(".")
        if not user_part.isdecimal() or not version.isdecimal() or len(user_id) > 40:
            return None
        user = db.session.get(User, int(user_part))
        if user is None or user.session_version != int(version):
            return None
        return user

    @app.before_request
    def require_login():
        if not login_missing():
            return None
        if request.headers.get("HX-Request"):
            return _login_for_htmx()
        return login_manager.unauthorized()


def _login_for_htmx() -> Response:
    """An htmx request once the session has ended (a Today block refreshing itself, a button on a
    page left open overnight): redirected like a page, it had the login page swapped into the
    block, a page inside a page. htmx is told to open the login page instead (``HX-Redirect``,
    which it follows whatever the status), and the login returns to the page the person was on
    (``HX-Current-URL``'s path; the login view follows only paths on this site). Nothing is
    flashed here: Today's blocks all refresh at once, the browser may load the login page once
    per block, and the first load would take the message away from the one that stays; the
    login page says why itself (``say_why_login_is_needed``). A header that is no URL (any
    client can send one) leads to the login page without a way back."""
    try:
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
    except ValueError:  # "http://[::1": an unclosed IPv6 host
        current = urlsplit("")
    page = current.path + (f"?{current.query}" if current.query else "") if current.path else None
    return Response(status=401, headers={"HX-Redirect": url_for("auth.login", next=page)})


def say_why_login_is_needed() -> None:
    """The login page opened with a ``next`` was reached from a page that needs a session: it
    says so, once, whether Flask-Login flashed it on the redirect or htmx was sent here."""
    login_manager = current_app.login_manager
    message = str(login_manager.login_message)
    if all(str(kept) != message for _category, kept in session.get("_flashes", ())):
        flash(message, category=login_manager.login_message_category)
