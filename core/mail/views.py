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


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@public
@csrf.exempt
def unsubscribe(token: str):
    client = subscriptions.client_from_token(token)
    if client is None:
        return render_template("public/unsubscribe.html", gone=True), 404
    g.client_locale = client.locale
    if request.method == "POST":
        subscriptions.unsubscribe(client)
        return render_template("public/unsubscribe.html", done=True, token=token)
    return render_template(
        "public/unsubscribe.html", already=client.unsubscribed_at is not None, token=token
    )


@bp.route("/unsubscribe/<token>/undo", methods=["POST"])
@public
@csrf.exempt
def resubscribe(token: str):
    client = subscriptions.client_from_token(token)
    if client is None:
        return render_template("public/unsubscribe.html", gone=True), 404
    g.client_locale = client.locale
    subscriptions.resubscribe(client)
    return render_template("public/unsubscribe.html", resubscribed=True, token=token)
