"""Complaint pages: the open list, my follow-ups, a complaint, a client, playbooks and categories.

Views only read the request and render; every rule lives in ``complaints.services``. There is no
route that deletes a complaint, a rating or a contact, on purpose: complaints are never hidden.
"""

from datetime import UTC, datetime, time, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_login import current_user

from complaints import listing, services
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
    detail_value,
    labels,
)
from complaints.intake import survey
from complaints.models import CHANNELS, OPEN_STATUSES
from core import audit
from core.access import role_required
from core.database import utcnow
from core.extensions import db

bp = Blueprint("complaints", __name__, url_prefix="/complaints")


@bp.context_processor
def _words():
    return {"labels": labels(), "open_statuses": OPEN_STATUSES, "detail_value": detail_value}


def _local_to_utc(value: datetime | None) -> datetime | None:
    """A ``datetime-local`` input is in the viewer's timezone; we store UTC."""
    if value is None:
        return None
    return get_timezone().localize(value).astimezone(UTC)


def _utc_to_local(value: datetime) -> datetime:
    return value.astimezone(get_timezone()).replace(tzinfo=None, second=0, microsecond=0)


@bp.get("/")
def open_list():
    filters = listing.Filters.from_args(request.args)
    now = utcnow()
    context = {
        "page": listing.open_complaints(filters, current_user.id, now),
        "now": now,
        "categories": services.categories(),
        "channels": CHANNELS,
    }
    if request.htmx:
        return render_template("complaints/_list.html", **context)
    return render_template("complaints/list.html", **context)


@bp.get("/mine")
@role_required("manager")
def my_follow_ups():
    """Due today (in the viewer's own timezone) and overdue, the most overdue first."""
    now = utcnow()
    tz = get_timezone()
    tomorrow = now.astimezone(tz).date() + timedelta(days=1)
    end_of_today = tz.localize(datetime.combine(tomorrow, time())).astimezone(UTC)
    items = listing.follow_ups(current_user.id, now, end_of_today)
    return render_template(
        "complaints/mine.html",
        overdue=[c for c in items if c.due_at < now],
        due_today=[c for c in items if c.due_at >= now],
        now=now,
    )


def _detail_forms(complaint, **overrides):
    """Every form of the complaint page, filled from the complaint, except those given (with input)."""
    version = {"version": complaint.version}
    forms = {
        "edit": EditComplaintForm(
            formdata=None,
            data={
                **version,
                "summary": complaint.summary,
                "details": complaint.details,
                "category_id": complaint.category_id or 0,
                "budget": complaint.budget,
                "constructive": {True: "yes", False: "no"}.get(complaint.constructive, ""),
                "due_at": _utc_to_local(complaint.due_at),
            },
        ),
        "contact": ContactForm(formdata=None),
        "playbook": PlaybookChoiceForm(formdata=None, data=version),
        "assign": AssignForm(formdata=None, data={**version, "owner_id": complaint.owner_id or 0}),
        "compensation": CompensationForm(formdata=None),
        "outcome": ClientOutcomeForm(formdata=None),
        "status": StatusForm(formdata=None, data=version),
    }
    forms.update(overrides)
    forms["edit"].category_id.choices = [(0, _("Not categorised yet"))] + [
        (c.id, c.name) for c in services.categories()
    ]
    forms["playbook"].playbook_id.choices = [(p.id, p.title) for p in services.active_playbooks()]
    forms["assign"].owner_id.choices = [(0, _("Nobody yet"))] + [
        (m.id, m.name) for m in services.managers()
    ]
    return forms


def _render_detail(complaint, http_status=200, error=None, follow_up_token=None, **form_overrides):
    link = survey.latest_follow_up(complaint.id)
    if follow_up_token is None and link is not None and link.used_at is None:
        follow_up_token = survey.token_for(link)
    contacts = services.contacts_of(complaint.id)
    context = {
        "complaint": complaint,
        "contacts": contacts,
        "first_contact_at": min((c.at for c in contacts), default=None),
        "reached": any(c.outcome in ("reached", "resolved") for c in contacts),
        "compensations": services.compensations_of(complaint.id),
        "history": audit.history("complaint", complaint.id),
        "forms": _detail_forms(complaint, **form_overrides),
        "error": error,
        "follow_up_url": url_for("public.survey", token=follow_up_token, _external=True)
        if follow_up_token
        else None,
        "now": utcnow(),
        "transitions": services.TRANSITIONS,
    }
    template = "complaints/_detail.html" if request.htmx else "complaints/detail.html"
    return render_template(template, **context), http_status


def _complaint_or_404(complaint_id):
    complaint = services.get(complaint_id)
    if complaint is None:
        abort(404)
    return complaint


@bp.get("/<int:complaint_id>")
def detail(complaint_id: int):
    return _render_detail(_complaint_or_404(complaint_id))


def _apply(complaint_id, action, form=None, form_name=None):
    """Run a service action and answer with the complaint re-rendered, errors shown in place.

    400: the form itself is wrong; 409: someone changed the complaint meanwhile (fresh version
    shown, the person's input kept in their form); 422: a rule refused it. Nothing is saved then.
    """
    complaint = _complaint_or_404(complaint_id)
    overrides = {form_name: form} if form is not None else {}
    if form is not None and not form.validate_on_submit():
        message = None
        if getattr(form, "version", None) is not None and form.version.errors:
            message = _("This form is missing its version. Reload the page and try again.")
        return _render_detail(complaint, 400, error=message, **overrides)
    try:
        result = action()
    except services.NotFound:
        db.session.rollback()
        abort(404)
    except services.ChangedMeanwhile as error:
        db.session.rollback()
        fresh = _complaint_or_404(complaint_id)
        if form is not None and hasattr(form, "version"):
            form.version.data = fresh.version  # keep their input, on top of the fresh version
        return _render_detail(fresh, 409, error=error.message, **overrides)
    except services.ComplaintError as error:
        db.session.rollback()
        complaint = _complaint_or_404(complaint_id)
        if form is not None and error.field and hasattr(form, error.field):
            getattr(form, error.field).errors.append(error.message)
            return _render_detail(complaint, 422, **overrides)
        return _render_detail(complaint, 422, error=error.message, **overrides)
    token = getattr(result, "follow_up_token", None)
    return _render_detail(_complaint_or_404(complaint_id), follow_up_token=token)


def _version_arg() -> int | None:
    try:
        return int(request.form["version"])
    except (KeyError, ValueError):
        return None


@bp.post("/<int:complaint_id>/take")
@role_required("manager")
def take(complaint_id: int):
    """ "I'll call them": from the list it re-renders the row, from the complaint page the page."""
    if request.form.get("from") == "list":
        error, status = None, 200
        try:
            services.take_ownership(complaint_id, current_user)
        except services.NotFound:
            db.session.rollback()
            abort(404)
        except services.ComplaintError as refused:
            db.session.rollback()
            error, status = refused.message, 409
        brief = listing.one(complaint_id, utcnow())
        return render_template("complaints/_row.html", c=brief, now=utcnow(), error=error), status
    return _apply(
        complaint_id,
        lambda: services.take_ownership(complaint_id, current_user, _version_arg()),
    )


@bp.post("/<int:complaint_id>/assign")
@role_required("manager")
def assign(complaint_id: int):
    form = AssignForm()
    form.owner_id.choices = [(0, "")] + [(m.id, m.name) for m in services.managers()]
    return _apply(
        complaint_id,
        lambda: services.assign(
            complaint_id, current_user, form.owner_id.data, form.version_number
        ),
        form,
        "assign",
    )


@bp.post("/<int:complaint_id>/contacts")
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
            at=_local_to_utc(form.at.data),
        ),
        form,
        "contact",
    )


@bp.post("/<int:complaint_id>/status")
@role_required("manager")
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
def apply_playbook(complaint_id: int):
    form = PlaybookChoiceForm()
    form.playbook_id.choices = [(p.id, p.title) for p in services.active_playbooks()]
    return _apply(
        complaint_id,
        lambda: services.apply_playbook(
            complaint_id, current_user, form.playbook_id.data, form.version_number
        ),
        form,
        "playbook",
    )


@bp.post("/<int:complaint_id>/steps/<int:step>")
def toggle_step(complaint_id: int, step: int):
    return _apply(complaint_id, lambda: services.toggle_step(complaint_id, current_user, step))


@bp.post("/<int:complaint_id>/edit")
@role_required("manager")
def edit(complaint_id: int):
    form = EditComplaintForm()
    form.category_id.choices = [(0, "")] + [(c.id, c.name) for c in services.categories()]

    def action():
        fields = {
            "summary": form.summary.data,
            "details": (form.details.data or "").strip() or None,
            "category_id": form.category_id.data or None,
            "budget": form.budget.data,
            "constructive": {"yes": True, "no": False}.get(form.constructive.data),
        }
        if form.due_at.data is not None:
            fields["due_at"] = _local_to_utc(form.due_at.data)
        return services.edit(complaint_id, current_user, form.version_number, **fields)

    return _apply(complaint_id, action, form, "edit")


@bp.post("/<int:complaint_id>/compensation")
@role_required("manager")
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
def decide_compensation(compensation_id: int, decision: str):
    try:
        compensation = services.decide_compensation(
            compensation_id, current_user, decision == "approve"
        )
    except services.NotFound:
        db.session.rollback()
        abort(404)
    except services.ComplaintError as error:  # decided already (a second tab, a double click)
        db.session.rollback()
        found = db.session.get(services.Compensation, compensation_id)
        return _render_detail(_complaint_or_404(found.complaint_id), 409, error=error.message)
    return _render_detail(_complaint_or_404(compensation.complaint_id))


@bp.post("/<int:complaint_id>/outcome")
@role_required("manager")
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
        saved = services.save_playbook(
            current_user,
            playbook_id=playbook_id,
            category=form.category.data,
            title=form.title.data,
            steps=form.steps.data.splitlines(),
            suggested_compensation=form.suggested_compensation.data,
            follow_up_hours=form.follow_up_hours.data,
            active=form.active.data,
        )
    except services.NotFound:
        db.session.rollback()
        abort(404)
    except services.ComplaintError as error:
        db.session.rollback()
        getattr(form, error.field or "category").errors.append(error.message)
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
        "complaints/playbooks.html", form=form, playbooks=services.all_playbooks()
    ), status


@bp.route("/playbooks/<int:playbook_id>", methods=["GET", "POST"])
@role_required("admin")
def edit_playbook(playbook_id: int):
    playbook = services.get_playbook(playbook_id)
    if playbook is None:
        abort(404)
    form = PlaybookForm(
        data={
            "category": playbook.category.name,
            "title": playbook.title,
            "steps": "\n".join(playbook.steps),
            "suggested_compensation": playbook.suggested_compensation,
            "follow_up_hours": playbook.follow_up_hours,
            "active": playbook.active,
        }
        if request.method == "GET"
        else None
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
def set_playbook_active(playbook_id: int):
    try:
        playbook = services.set_playbook_active(
            current_user, playbook_id, request.form.get("active") == "1"
        )
    except services.NotFound:
        db.session.rollback()
        abort(404)
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
                services.save_category(current_user, form.name.data)
            except services.ComplaintError as error:
                db.session.rollback()
                form.name.errors.append(error.message)
                status = 422
            else:
                flash(_("The category is added."), "success")
                return redirect(url_for("complaints.categories"))
    return render_template(
        "complaints/categories.html", form=form, categories=services.categories()
    ), status


@bp.post("/categories/<int:category_id>")
@role_required("admin")
def rename_category(category_id: int):
    form = CategoryForm()
    error, status = None, 200
    if not form.validate_on_submit():
        error, status = " ".join(form.name.errors), 400
    else:
        try:
            services.save_category(current_user, form.name.data, category_id)
        except services.NotFound:
            db.session.rollback()
            abort(404)
        except services.ComplaintError as refused:
            db.session.rollback()
            error, status = refused.message, 422
    category = db.session.get(services.Category, category_id)
    if category is None:
        abort(404)
    if not request.htmx and error is None:
        return redirect(url_for("complaints.categories"))
    return render_template(
        "complaints/_category_row.html", category=category, error=error, value=form.name.data
    ), status
