"""The one-click unsubscribe page for our clients (no login: the signed link is the proof).

``GET`` only asks (mail scanners open every link, and must not unsubscribe anybody); ``POST``
unsubscribes, from the page's button or straight from the mail program (RFC 8058's
``List-Unsubscribe-Post``), which sends no CSRF token: the signed link stands in for it. A client
who clicked by mistake subscribes again from the same page (``POST …/undo``, the same proof).
"""

from flask import Blueprint, g, render_template, request

from core.access import public
from core.extensions import csrf
from core.mail import subscriptions

bp = Blueprint("mail", __name__)


def _client_of(token: str):
    """The link's client, their language set for the page; None for a link not ours or expired."""
    client = subscriptions.client_from_token(token)
    if client is not None:
        g.client_locale = client.locale
    return client


def _page(status: int = 200, **state):
    return render_template("public/unsubscribe.html", **state), status


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@public
@csrf.exempt
def unsubscribe(token: str):
    if (client := _client_of(token)) is None:
        return _page(404, gone=True)
    if request.method == "POST":
        subscriptions.unsubscribe(client)
        return _page(done=True, token=token)
    return _page(already=client.unsubscribed_at is not None, token=token)


@bp.route("/unsubscribe/<token>/undo", methods=["POST"])
@public
@csrf.exempt
def resubscribe(token: str):
    if (client := _client_of(token)) is None:
        return _page(404, gone=True)
    subscriptions.resubscribe(client)
    return _page(resubscribed=True, token=token)
