"""The admin page of job runs that failed or whose process died: what recover-runs retries, and
what is past its grace and needs ``huddle jobs run NAME --at … --force``."""

from flask import Blueprint, render_template

from core.access import role_required
from dashboard.scheduler.runner import failed_runs

bp = Blueprint("jobs_admin", __name__, url_prefix="/admin/jobs")


@bp.get("/failed")
@role_required("admin")
def failed_runs_page():
    return render_template("scheduler/failed_runs.html", runs=failed_runs())
