"""The client directory and a client's page: every rating, complaint and wish they gave us."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from complaints.forms import labels
from core.access import role_required
from core.database import utcnow
from core.errors import RuleError, refuse
from core.inputs import int_arg
from dashboard.clients import pages, services
from dashboard.clients.forms import MergeForm

bp = Blueprint("clients", __name__)


@bp.get("/clients/")
def directory():
    found = pages.directory(request.args.get("q"), int_arg("page", 1, high=pages.MAX_PAGE))
    if request.htmx:
        return render_template("clients/_directory.html", found=found)
    return render_template("clients/directory.html", found=found)


def _client_page(client_id: int, form: MergeForm | None = None, status: int = 200):
    profile = pages.profile(client_id)
    if profile is None:
        kept = pages.merged_into(client_id)
        if kept is None:
            abort(404)
        return redirect(url_for("clients.client", client_id=kept))
    return render_template(
        "clients/client.html",
        profile=profile,
        labels=labels(),
        now=utcnow(),
        merge_form=form or MergeForm(),
    ), status


@bp.get("/clients/<int:client_id>")
@bp.get("/complaints/clients/<int:client_id>")  # the address before the directory existed
def client(client_id: int):
    return _client_page(client_id)


@bp.post("/clients/<int:client_id>/merge")
@role_required("manager")
def merge(client_id: int):
    form = MergeForm()
    if form.validate_on_submit():
        try:
            alias = services.merge_clients(client_id, form.other.data, current_user)
        except RuleError as error:
            message = refuse(error, form, fallback="other")
            if message:
                flash(message, "error")
        else:
            flash(_("%(name)s is merged into this client.", name=alias.name), "success")
            return redirect(url_for("clients.client", client_id=client_id))
    return _client_page(client_id, form, 422)
