"""Complaint pages: the open list, my follow-ups, a complaint, playbooks and categories.

Views only read the request, call a service or a page builder, and render: the rules live in
``complaints.services``, what a page shows in ``complaints.pages`` and ``complaints.listing``.
There is no route that deletes a complaint, a rating or a contact, on purpose: complaints are never
hidden. An unknown complaint (``NotFound``) is answered 404 by the core handler.
"""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from complaints import follow_ups, listing, pages, root_causes, services
from complaints.briefs import unanswered_attempts
from complaints.forms import (
    AssignForm,
    CategoryForm,
    ClientOutcomeForm,
    CompensationForm,
    ContactForm,
    EditComplaintForm,
    PlaybookChoiceForm,
    PlaybookForm,
    StatusForm,
    detail_pairs,
    labels,
    local_to_utc,
)
from complaints.intake import mailing
from complaints.list_rows import kept_follow_ups, kept_rows
from complaints.models import CHANNELS, OPEN_STATUSES
from core.access import role_required
from core.announce import announces
from core.database import utcnow
from core.errors import refuse

bp = Blueprint("complaints", __name__, url_prefix="/complaints")


@bp.context_processor
def _words():
    return {
        "labels": labels(),
        "open_statuses": OPEN_STATUSES,
        "detail_pairs": detail_pairs,
        "kept_rows": kept_rows,
        "kept_follow_ups": kept_follow_ups,
    }


def _refused(error: services.ComplaintError, form=None, fallback: str | None = None) -> str | None:
    """A refusal shown in place (see ``core.errors.refuse``); "not found" is left to the core's 404."""
    if isinstance(error, services.NotFound):
        raise error
    return refuse(error, form, fallback)


@bp.get("/")
def open_list():
    filters = listing.Filters.from_args(request.args)
    now = utcnow()
    today = now.astimezone(get_timezone()).date()
    context = {
        "page": listing.open_complaints(filters, current_user.id, now, today),
        "now": now,
        "channels": CHANNELS,
    }
    if request.htmx:  # the list alone: the filters' options stay as the page has them
        return render_template("complaints/_list.html", **context)
    return render_template("complaints/list.html", categories=pages.category_names(), **context)


@bp.get("/mine")
@role_required("manager")
def my_follow_ups():
    now = utcnow()
    found = follow_ups.my_follow_ups(current_user.id, now, get_timezone())
    return render_template("complaints/mine.html", found=found, now=now)


def _render_detail(complaint, http_status=200, **page):
    template = "complaints/_detail.html" if request.htmx else "complaints/detail.html"
    return render_template(template, **pages.complaint_page(complaint, **page)), http_status


@bp.get("/<int:complaint_id>")
def detail(complaint_id: int):
    return _render_detail(pages.complaint(complaint_id))


def _apply(complaint_id, action, form=None, form_name=None):
    """Run a service action and answer with the complaint re-rendered, errors shown in place.

    400: the form itself is wrong; 409: someone changed the complaint meanwhile (fresh version
    shown, the person's input kept in their form); 422: a rule refused it. Nothing is saved then.
    """
    complaint = pages.complaint(complaint_id)
    overrides = {form_name: form} if form is not None else {}
    if form is not None and not form.validate_on_submit():
        message = None
        if getattr(form, "version", None) is not None and form.version.errors:
            message = _("This form is missing its version. Reload the page and try again.")
        return _render_detail(complaint, 400, error=message, **overrides)
    try:
        result = action()
    except services.ComplaintError as error:
        message = _refused(error, form)
        fresh = pages.complaint(complaint_id)
        if isinstance(error, services.ChangedMeanwhile) and hasattr(form, "version"):
            form.version.data = fresh.version  # keep their input, on top of the fresh version
        return _render_detail(fresh, error.status, error=message, **overrides)
    token = getattr(result, "follow_up_token", None)
    return _render_detail(pages.complaint(complaint_id), follow_up_token=token)


@bp.post("/<int:complaint_id>/follow-up/resend")
@role_required("manager")
@announces(_l("The follow-up survey is sent again."))
def resend_follow_up(complaint_id: int):
    """Mail the unanswered follow-up survey to the client again (staff resend; never answer)."""
    pages.complaint(complaint_id)  # 404 for an unknown complaint
    try:
        mailing.resend_follow_up(complaint_id, current_user)
    except mailing.FollowUpError as error:
        return _render_detail(pages.complaint(complaint_id), error.status, error=refuse(error))
    return _render_detail(
        pages.complaint(complaint_id), notice=_("The follow-up survey is sent again.")
    )


def _version_arg() -> int | None:
    try:
        return int(request.form["version"])
    except (KeyError, ValueError):
        return None


@bp.post("/<int:complaint_id>/take")
@role_required("manager")
@announces(_l("You own this complaint now."))
def take(complaint_id: int):
    """ "I'll call them": from the list it re-renders the row, from the complaint page the page."""
    if request.form.get("from") != "list":
        return _apply(
            complaint_id,
            lambda: services.take_ownership(complaint_id, current_user, _version_arg()),
        )
    error, status = None, 200
    try:
        services.take_ownership(complaint_id, current_user)
    except services.ComplaintError as refused:
        error, status = _refused(refused), 409
    if not request.htmx:  # without JavaScript: back to the list, which says what happened
        flash(error or _("You own this complaint now."), "error" if error else "success")
        return redirect(url_for("complaints.open_list"))
    now = utcnow()
    row = listing.one(complaint_id, now)
    attempts = unanswered_attempts([complaint_id])
    return render_template(
        "complaints/_rows.html", rows=[row] if row else [], now=now, error=error, attempts=attempts
    ), status


@bp.post("/<int:complaint_id>/assign")
@role_required("manager")
@announces(_l("Owner changed."))
def assign(complaint_id: int):
    form = AssignForm()
    form.owner_id.choices = pages.owner_choices()
    return _apply(
        complaint_id,
        lambda: services.assign(
            complaint_id, current_user, form.owner_id.data, form.version_number
        ),
        form,
        "assign",
    )


@bp.post("/<int:complaint_id>/contacts")
@announces(_l("Contact logged."))
def log_contact(complaint_id: int):
    """Agents and managers alike: whoever spoke to the client logs it."""
    form = ContactForm()
    return _apply(
        complaint_id,
        lambda: services.log_contact(
            complaint_id,
            current_user,
            form.channel.data,
            form.outcome.data,
            form.notes.data or None,
            at=local_to_utc(form.at.data),
        ),
        form,
        "contact",
    )


@bp.post("/<int:complaint_id>/status")
@role_required("manager")
@announces(_l("Status changed."))
def change_status(complaint_id: int):
    form = StatusForm()
    return _apply(
        complaint_id,
        lambda: services.change_status(
            complaint_id, current_user, form.status.data, form.version_number
        ),
        form,
        "status",
    )


@bp.post("/<int:complaint_id>/playbook")
@role_required("manager")
@announces(_l("Playbook applied."))
def apply_playbook(complaint_id: int):
    form = PlaybookChoiceForm()
    form.playbook_id.choices = pages.playbook_choices()
    return _apply(
        complaint_id,
        lambda: services.apply_playbook(
            complaint_id, current_user, form.playbook_id.data, form.version_number
        ),
        form,
        "playbook",
    )


@bp.post("/<int:complaint_id>/steps/<int:step>")
@announces(_l("Step updated."))
def toggle_step(complaint_id: int, step: int):
    return _apply(complaint_id, lambda: services.toggle_step(complaint_id, current_user, step))


@bp.post("/<int:complaint_id>/edit")
@role_required("manager")
@announces(_l("Complaint saved."))
def edit(complaint_id: int):
    form = EditComplaintForm()
    form.category_id.choices = pages.category_choices()

    def action():
        fields = {
            "summary": form.summary.data,
            "details": (form.details.data or "").strip() or None,
            "category_id": form.category_id.data or None,
            "budget": form.budget.data,
            "constructive": {"yes": True, "no": False}.get(form.constructive.data),
        }
        if form.due_at.data is not None:
            fields["due_at"] = local_to_utc(form.due_at.data)
        return services.edit(complaint_id, current_user, form.version_number, **fields)

    return _apply(complaint_id, action, form, "edit")


@bp.post("/<int:complaint_id>/compensation")
@role_required("manager")
@announces(_l("Compensation added."))
def add_compensation(complaint_id: int):
    form = CompensationForm()
    return _apply(
        complaint_id,
        lambda: services.add_compensation(
            complaint_id, current_user, form.kind.data, form.amount.data, form.note.data or None
        ),
        form,
        "compensation",
    )


@bp.post("/compensation/<int:compensation_id>/<any(approve, reject):decision>")
@role_required("admin")
@announces(_l("Compensation decided."))
def decide_compensation(compensation_id: int, decision: str):
    try:
        services.decide_compensation(compensation_id, current_user, decision == "approve")
    except services.ComplaintError as error:  # decided already (a second tab, a double click)
        message = _refused(error)
        return _render_detail(pages.complaint_of_compensation(compensation_id), 409, error=message)
    return _render_detail(pages.complaint_of_compensation(compensation_id))


@bp.post("/<int:complaint_id>/outcome")
@role_required("manager")
@announces(_l("Client's answer saved."))
def client_outcome(complaint_id: int):
    form = ClientOutcomeForm()
    return _apply(
        complaint_id,
        lambda: services.record_client_outcome(complaint_id, current_user, form.outcome.data),
        form,
        "outcome",
    )


# --- Admin: playbooks and categories (written and retired, never deleted) ---------------------


def _save_playbook_form(form: PlaybookForm, playbook_id: int | None):
    """Validate and save; answers (saved playbook, status) — the status is 400/422 on errors."""
    if not form.validate_on_submit():
        return None, 400
    try:
        saved = root_causes.save_playbook(
            current_user,
            playbook_id=playbook_id,
            category=form.category.data,
            title=form.title.data,
            steps=form.steps.data.splitlines(),
            suggested_compensation=form.suggested_compensation.data,
            follow_up_hours=form.follow_up_hours.data,
            active=form.active.data,
        )
    except services.ComplaintError as error:
        _refused(error, form, "category")  # about no one field: shown where the playbook is named
        return None, 422
    return saved, 200


@bp.route("/playbooks", methods=["GET", "POST"])
@role_required("admin")
def playbooks():
    form = PlaybookForm()
    status = 200
    if request.method == "POST":
        saved, status = _save_playbook_form(form, None)
        if saved is not None:
            flash(_("The playbook is saved."), "success")
            return redirect(url_for("complaints.playbooks"))
    return render_template(
        "complaints/playbooks.html", form=form, playbooks=pages.all_playbooks()
    ), status


@bp.route("/playbooks/<int:playbook_id>", methods=["GET", "POST"])
@role_required("admin")
def edit_playbook(playbook_id: int):
    playbook = pages.playbook(playbook_id)
    form = PlaybookForm(
        data=pages.playbook_form_data(playbook) if request.method == "GET" else None
    )
    status = 200
    if request.method == "POST":
        saved, status = _save_playbook_form(form, playbook_id)
        if saved is not None:
            flash(_("The playbook is saved."), "success")
            return redirect(url_for("complaints.playbooks"))
    return render_template("complaints/playbook.html", form=form, playbook=playbook), status


@bp.post("/playbooks/<int:playbook_id>/active")
@role_required("admin")
@announces(_l("Playbook updated."))
def set_playbook_active(playbook_id: int):
    playbook = root_causes.set_playbook_active(
        current_user, playbook_id, request.form.get("active") == "1"
    )
    if request.htmx:
        return render_template("complaints/_playbook_row.html", p=playbook)
    return redirect(url_for("complaints.playbooks"))


@bp.route("/categories", methods=["GET", "POST"])
@role_required("admin")
def categories():
    form = CategoryForm()
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            status = 400
        else:
            try:
                root_causes.save_category(current_user, form.name.data)
            except services.ComplaintError as error:
                _refused(error, form, "name")
                status = 422
            else:
                flash(_("The category is added."), "success")
                return redirect(url_for("complaints.categories"))
    return render_template(
        "complaints/categories.html", form=form, categories=pages.categories()
    ), status


@bp.post("/categories/<int:category_id>")
@role_required("admin")
@announces(_l("Category renamed."))
def rename_category(category_id: int):
    form = CategoryForm()
    error, status = None, 200
    if not form.validate_on_submit():
        error, status = " ".join(form.name.errors), 400
    else:
        try:
            root_causes.save_category(current_user, form.name.data, category_id)
        except services.ComplaintError as refused:
            error, status = _refused(refused), 422
    category = pages.category(category_id)
    if request.htmx:
        return render_template(
            "complaints/_category_row.html", category=category, error=error, value=form.name.data
        ), status
    if error is None:
        return redirect(url_for("complaints.categories"))
    # Without JavaScript: the whole page, the typed name and its message on the category's row.
    renamed = {"id": category.id, "value": form.name.data, "error": error}
    page = render_template(
        "complaints/categories.html",
        form=CategoryForm(formdata=None),
        categories=pages.categories(),
        renamed=renamed,
    )
    return page, status
