"""Staff intake pages: recording a complaint heard elsewhere, and importing past ratings from CSV."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_number
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from complaints.intake import csv_import, csv_parse
from complaints.intake import services as intake
from complaints.intake.forms import ImportUploadForm, StaffComplaintForm
from core.access import role_required
from core.errors import http_error, refuse
from core.inputs import takes_files

bp = Blueprint("intake", __name__, url_prefix="/complaints")


def _clean(value: str | None) -> str | None:
    return (value or "").strip() or None


@bp.route("/new", methods=["GET", "POST"])
@role_required("agent")
def new_complaint():
    form = StaffComplaintForm()
    if form.validate_on_submit():
        complaint = intake.record_staff_complaint(
            external_id=_clean(form.external_id.data),
            name=form.name.data.strip(),
            email=_clean(form.email.data),
            phone=_clean(form.phone.data),
            channel=form.channel.data,
            summary=form.summary.data.strip(),
            details=_clean(form.details.data),
            actor=current_user,
        )
        flash(_("The complaint is recorded. Thank you for writing it down."), "success")
        return redirect(url_for("complaints.detail", complaint_id=complaint.id))
    return render_template("intake/new.html", form=form), 400 if form.errors else 200


@bp.route("/import", methods=["GET", "POST"])
@role_required("manager")
@takes_files("file")
def import_ratings():
    form = ImportUploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            job_id = csv_import.stage_upload(upload.read(), upload.filename or "", current_user.id)
        except csv_parse.ImportFileError as error:
            refuse(error, form)
        else:
            return redirect(url_for("intake.import_status", job_id=job_id))
    return _import_page(form), 400 if form.errors else 200


def _upload_limit() -> str:
    """The most a request may carry (``MAX_CONTENT_LENGTH``) in megabytes, as the viewer writes
    numbers."""
    return format_number(current_app.config["MAX_CONTENT_LENGTH"] // 2**20)


def _import_page(form: ImportUploadForm) -> str:
    limit = _("At most %(size)s MB per file.", size=_upload_limit())
    return render_template("intake/import.html", form=form, columns=csv_parse.COLUMNS, limit=limit)


@bp.errorhandler(RequestEntityTooLarge)
def file_too_large(error: RequestEntityTooLarge):
    """A file over the upload limit is refused next to the field, saying the limit, like every
    other problem with a file (the body is never read, so there is nothing else to keep)."""
    may_import = current_user.is_authenticated and current_user.has_role(
        import_ratings.required_role
    )  # checked here too: the body was refused before the view's own check ran
    if request.endpoint != "intake.import_ratings" or not may_import:
        return http_error(error)
    form = ImportUploadForm(formdata=None)
    form.file.errors = [
        _(
            "This file is larger than %(size)s MB. Split it and import the parts one by one.",
            size=_upload_limit(),
        )
    ]
    return _import_page(form), 413


def _status_or_404(job_id: str) -> dict:
    status = csv_import.read_status(job_id)
    if status is None:
        abort(404)
    return status


@bp.get("/import/<job_id>")
@role_required("manager")
def import_status(job_id: str):
    """The preview, the progress bar, or the result; htmx polls the progress fragment alone."""
    status = _status_or_404(job_id)
    if request.htmx:
        return render_template("intake/_import_progress.html", job_id=job_id, status=status)
    return render_template("intake/import_status.html", job_id=job_id, status=status)


@bp.post("/import/<job_id>/run")
@role_required("manager")
def run_import(job_id: str):
    _status_or_404(job_id)
    try:
        csv_import.start_import(job_id, current_user.id)
    except csv_import.ImportNotReady:
        flash(_("This import has already started or cannot run. Here is where it stands."), "info")
    return redirect(url_for("intake.import_status", job_id=job_id))
