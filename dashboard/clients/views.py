"""A client's page: every rating, complaint and wish they gave us; managers correct their details."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from complaints.forms import labels
from core.access import role_required
from core.database import utcnow
from dashboard.clients import pages, services
from dashboard.clients.forms import ClientDetailsForm

bp = Blueprint("clients", __name__, url_prefix="/complaints/clients")


def _render(client_id: int, form: ClientDetailsForm | None = None, status: int = 200):
    profile = pages.profile(client_id)
    if profile is None:
        abort(404)
    if form is None and current_user.has_role("manager"):
        form = ClientDetailsForm(obj=profile.client)
    page = render_template(
        "clients/client.html", profile=profile, labels=labels(), now=utcnow(), form=form
    )
    return page, status


@bp.get("/<int:client_id>")
def client(client_id: int):
    return _render(client_id)


@bp.post("/<int:client_id>/details")
@role_required("manager")
def edit_details(client_id: int):
    """Correct a client's name, e-mail or phone; the audit trail keeps the old values."""
    form = ClientDetailsForm()
    if not form.validate_on_submit():
        return _render(client_id, form, 400)
    services.edit_details(
        client_id, current_user, name=form.name.data, email=form.email.data, phone=form.phone.data
    )
    flash(_("The client's details are saved."), "success")
    return redirect(url_for("clients.client", client_id=client_id))
