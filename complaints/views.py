"""Complaint pages: the open list, my follow-ups, a complaint, a client, playbooks, staff entry.

Views only read the request and render; every rule lives in ``complaints.services``.
"""

from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from complaints import clients, intake, listing, services, survey
from complaints.forms import (
    AssignForm,
    ClientOutcomeForm,
    CompensationForm,
    ContactForm,
    EditComplaintForm,
    PlaybookChoiceForm,
    PlaybookForm,
    StaffComplaintForm,
    StatusForm,
)
from complaints.models import CHANNELS
from dashboard import audit
from dashboard.access import role_required
from dashboard.database import utcnow
from dashboard.extensions import db

bp = Blueprint("complaints", __name__, url_prefix="/complaints")


@bp.get("/")
def open_list():
    filters = listing.Filters.from_args(request.args)
    page = listing.open_complaints(filters, current_user.id, utcnow())
    context = {
        "page": page,
        "now": utcnow(),
        "categories": services.categories(),
        "channels": CHANNELS,
    }
    if request.htmx:
        return render_template("complaints/_list.html", **context)
    return render_template("complaints/list.html", **context)


@bp.get("/mine")
@role_required("manager")
def my_follow_ups():
    from complaints import briefs

    now = utcnow()
    items = briefs.owned_by(current_user.id, now, limit=200)
    return render_template("complaints/mine.html", items=items, now=now)


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = StaffComplaintForm()
    if form.validate_on_submit():
        client = intake.upsert_client(
            form.external_id.data.strip(),
            form.name.data.strip(),
            form.email.data or None,
            form.phone.data or None,
        )
        complaint = intake.open_complaint(
            client,
            form.summary.data.strip(),
            details=form.details.data or None,
            channel=form.channel.data,
            actor_id=current_user.id,
        )
        db.session.commit()
        flash(_("The complaint is recorded. Thank you for writing it down."), "success")
        return redirect(url_for("complaints.detail", complaint_id=complaint.id))
    return render_template("complaints/new.html", form=form), 400 if form.errors else 200


def _detail_forms(complaint, formdata=None, **overrides):
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
    context = {
        "complaint": complaint,
        "contacts": services.contacts_of(complaint.id),
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
    """Run a service action and answer with the complaint re-rendered (errors shown in place)."""
    complaint = _complaint_or_404(complaint_id)
    overrides = {form_name: form} if form is not None else {}
    if form is not None and not form.validate_on_submit():
        return _render_detail(complaint, 400, **overrides)
    try:
        result = action()
    except services.ChangedMeanwhile as error:
        db.session.rollback()
        fresh = _complaint_or_404(complaint_id)
        if form is not None and hasattr(form, "version"):
            form.version.data = fresh.version  # keep their input, on top of the fresh version
        return _render_detail(fresh, 409, error=error.message, **overrides)
    except services.ComplaintError as error:
        db.session.rollback()
        if form is not None and error.field and hasattr(form, error.field):
            getattr(form, error.field).errors.append(error.message)
            return _render_detail(_complaint_or_404(complaint_id), 422, **overrides)
        return _render_detail(
            _complaint_or_404(complaint_id), 422, error=error.message, **overrides
        )
    token = getattr(result, "follow_up_token", None)
    return _render_detail(_complaint_or_404(complaint_id), follow_up_token=token)


@bp.post("/<int:complaint_id>/take")
@role_required("manager")
def take(complaint_id: int):
    if request.form.get("from") == "list":
        try:
            services.take_ownership(complaint_id, current_user)
        except services.ComplaintError as error:
            db.session.rollback()
            flash(error.message, "error")
        brief = listing.one(complaint_id, utcnow())
        if brief is None:
            abort(404)
        return render_template("complaints/_row.html", c=brief, now=utcnow())
    return _apply(complaint_id, lambda: services.take_ownership(complaint_id, current_user))


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
    form = ContactForm()
    return _apply(
        complaint_id,
        lambda: services.log_contact(
            complaint_id,
            current_user,
            form.channel.data,
            form.outcome.data,
            form.notes.data or None,
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
        return services.edit(
            complaint_id,
            current_user,
            form.version_number,
            summary=form.summary.data.strip(),
            details=form.details.data or None,
            category_id=form.category_id.data or None,
            budget=form.budget.data,
            constructive={"yes": True, "no": False}.get(form.constructive.data),
        )

    return _apply(complaint_id, action, form, "edit")


@bp.post("/<int:complaint_id>/compensation")
@role_required("manager")
def add_compensation(complaint_id: int):
    form = CompensationForm()
    return _apply(
        complaint_id,
        lambda: services.add_compensation(
            complaint_id,
            current_user,
            form.kind.data,
            Decimal(form.amount.data),
            form.note.data or None,
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
    except services.ComplaintError:
        db.session.rollback()
        abort(404)
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


@bp.get("/clients/<int:client_id>")
def client(client_id: int):
    profile = clients.profile(client_id)
    if profile is None:
        abort(404)
    return render_template("complaints/client.html", profile=profile, now=utcnow())


@bp.route("/playbooks", methods=["GET", "POST"])
@role_required("admin")
def playbooks():
    form = PlaybookForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.save_playbook(
                current_user,
                category=form.category.data.strip(),
                title=form.title.data.strip(),
                steps=[line.strip() for line in form.steps.data.splitlines() if line.strip()],
                suggested_compensation=form.suggested_compensation.data,
                follow_up_hours=form.follow_up_hours.data,
                active=form.active.data,
            )
        except services.ComplaintError as error:
            form.category.errors.append(error.message)
            status = 422
        else:
            flash(_("The playbook is saved."), "success")
            return redirect(url_for("complaints.playbooks"))
    elif form.errors:
        status = 400
    return render_template(
        "complaints/playbooks.html", form=form, playbooks=services.all_playbooks()
    ), status
