"""The client directory and a client's page: every rating, complaint and wish they gave us;
managers correct a client's details (#12) and merge duplicates (#17) there."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from complaints.forms import labels
from core.access import role_required
from core.announce import announces
from core.clients import pending_proposals
from core.database import utcnow
from core.errors import RuleError, refuse
from core.inputs import int_arg
from dashboard.clients import pages, services
from dashboard.clients.forms import ClientDetailsForm, MergeForm

bp = Blueprint("clients", __name__)


@bp.get("/clients/")
def directory():
    found = pages.directory(request.args.get("q"), int_arg("page", 1, high=pages.MAX_PAGE))
    if request.htmx:
        return render_template("clients/_directory.html", found=found)
    return render_template("clients/directory.html", found=found)


def _client_page(
    client_id: int,
    *,
    form: ClientDetailsForm | None = None,
    merge_form: MergeForm | None = None,
    status: int = 200,
):
    profile = pages.profile(client_id)
    if profile is None:
        kept = pages.merged_into(client_id)
        if kept is None:
            abort(404)
        return redirect(url_for("clients.client", client_id=kept))
    if form is None and current_user.has_role("manager"):
        form = ClientDetailsForm(obj=profile.client)
    return render_template(
        "clients/client.html",
        profile=profile,
        labels=labels(),
        now=utcnow(),
        form=form,
        merge_form=merge_form or MergeForm(),
        may_decide=services.may_decide,
    ), status


@bp.get("/clients/<int:client_id>")
@bp.get("/complaints/clients/<int:client_id>")  # the address before the directory existed
def client(client_id: int):
    return _client_page(client_id)


@bp.post("/clients/<int:client_id>/details")
@role_required("manager")
def edit_details(client_id: int):
    """Correct a client's name, e-mail or phone; the audit trail keeps the old values."""
    form = ClientDetailsForm()
    if not form.validate_on_submit():
        return _client_page(client_id, form=form, status=400)
    services.edit_details(
        client_id, current_user, name=form.name.data, email=form.email.data, phone=form.phone.data
    )
    flash(_("The client's details are saved."), "success")
    return redirect(url_for("clients.client", client_id=client_id))


def _decide_proposal(client_id: int, proposal_id: int, accept: bool):
    """Accept or dismiss a detail public input proposed (#12): htmx gets the client's head part
    again, a plain POST the page."""
    client = services.decide_proposal(client_id, proposal_id, current_user, accept)
    if not request.htmx:
        return redirect(url_for("clients.client", client_id=client_id))
    return render_template(
        "clients/_head.html",
        client=client,
        proposals=pending_proposals(client_id),
        form=ClientDetailsForm(obj=client),
        may_decide=services.may_decide,
    )


@bp.post("/clients/<int:client_id>/proposals/<int:proposal_id>/accept")
@role_required("manager")
@announces(_l("The proposed detail is on the client now."))
def accept_proposal(client_id: int, proposal_id: int):
    return _decide_proposal(client_id, proposal_id, accept=True)


@bp.post("/clients/<int:client_id>/proposals/<int:proposal_id>/dismiss")
@role_required("manager")
@announces(_l("The proposed detail is dismissed."))
def dismiss_proposal(client_id: int, proposal_id: int):
    return _decide_proposal(client_id, proposal_id, accept=False)


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
    return _client_page(client_id, merge_form=form, status=422)
