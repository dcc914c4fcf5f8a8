"""Response headers that every page carries, and the signed session cookie's signer kept."""

from flask import Flask, Response, g, request
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    )
)


class KeptSerializerSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions with their serializer built once per set of keys.

    Flask builds it anew twice a request (to open the session and to save it), 30 µs each: a tenth
    of what the API list costs above its SQL (issue #16). It depends on the keys alone, so a new
    ``SECRET_KEY`` or fallback still gets a new one.
    """

    _kept: tuple = (None, None)

    def get_signing_serializer(self, app: Flask):
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        kept_keys, serializer = self._kept
        if kept_keys != keys:
            serializer = super().get_signing_serializer(app)
            self._kept = (keys, serializer)
        return serializer


def _opened_by_signed_link() -> bool:
    """A page whose URL carries a signed token (``<token>``: the survey, unsubscribe, invitation
    and password links): nobody is logged in, yet it names our client or the person, and the URL
    itself is the key to it."""
    return "token" in (request.view_args or {})


def init_app(app: Flask) -> None:
    app.session_interface = KeptSerializerSessions()
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        # Behind a reverse proxy every visitor has the proxy's address; read theirs from it.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)

    @app.after_request
    def set_security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        if "Cache-Control" not in headers and (
            g.get("api_token") or current_user.is_authenticated or _opened_by_signed_link()
        ):
            # People's names and our clients' words stay out of shared and back-button caches.
            headers["Cache-Control"] = "no-store"
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        # A page and its htmx fragment share one URL; caches must keep them apart.
        response.vary.add("HX-Request")
        return response
