"""A client's page: every rating, complaint and wish they gave us."""

from flask import Blueprint, abort, render_template

from complaints.forms import labels
from core.database import utcnow
from dashboard.clients import pages

bp = Blueprint("clients", __name__, url_prefix="/complaints/clients")


@bp.get("/<int:client_id>")
def client(client_id: int):
    profile = pages.profile(client_id)
    if profile is None:
        abort(404)
    return render_template("clients/client.html", profile=profile, labels=labels(), now=utcnow())
