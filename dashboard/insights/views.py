"""The Insights page (managers and admins) and the CSV behind each of its charts.

Thin: the picker form says which period and team, ``metrics`` computes, ``report`` draws.
"""

from datetime import date
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Blueprint, Response, abort, render_template, request
from flask_babel import get_timezone
from flask_babel import gettext as _

from core.access import role_required
from core.database import utcnow
from core.extensions import db
from core.models import Team
from dashboard.insights import metrics, rituals
from dashboard.insights.charts import csv_text
from dashboard.insights.forms import PeriodForm
from dashboard.insights.periods import Period
from dashboard.insights.report import CHART_NAMES, build_charts, cell_writer

bp = Blueprint("insights", __name__, url_prefix="/insights")


def viewer_timezone() -> str:
    """The zone name Babel picked for this viewer (their own, their team's, or the default).

    ``str`` of Babel's tzinfo is its IANA name (pytz and zoneinfo alike)."""
    return str(get_timezone())


def viewer_today(timezone: str) -> date:
    return utcnow().astimezone(ZoneInfo(timezone)).date()


def _pick() -> tuple[PeriodForm, Period | None, str | None]:
    """The form read from the query string; the period only when the input is valid."""
    timezone = viewer_timezone()
    default = Period.last_days(viewer_today(timezone), timezone)
    form = PeriodForm(
        formdata=request.args or None,
        data={"start": default.start_on, "end": default.end_on, "team": 0},
    )
    teams = db.session.execute(sa.select(Team.id, Team.name).order_by(Team.name, Team.id)).all()
    form.team.choices = [(0, _("All teams")), *((team.id, team.name) for team in teams)]
    if not form.validate():
        return form, None, None
    team_name = dict(form.team.choices).get(form.team.data) if form.team_id else None
    return form, Period(form.start.data, form.end.data, timezone), team_name


def _query(form: PeriodForm) -> dict:
    """The picker's values as query-string arguments, for the CSV links."""
    return {
        "start": form.start.data.isoformat(),
        "end": form.end.data.isoformat(),
        "team": form.team.data,
    }


@bp.get("/")
@role_required("manager")
def page():
    form, period, team_name = _pick()
    context = {"form": form, "insights": None, "charts": {}, "team_name": team_name}
    status = 400
    if period is not None:
        insights = metrics.compute(period, form.team_id, utcnow())
        context.update(
            insights=insights,
            charts=build_charts(insights),
            query=_query(form),
            rituals=rituals.compute(period, form.team_id),
        )
        status = 200
    fragment = request.htmx and not request.htmx.history_restore_request
    template = "insights/_insights.html" if fragment else "insights/page.html"
    return render_template(template, cell=cell_writer(), **context), status


@bp.get("/<chart>.csv")
@role_required("manager")
def chart_csv(chart: str):
    if chart not in CHART_NAMES:
        abort(404)
    form, period, _team_name = _pick()
    if period is None:
        problems = "; ".join(
            f"{name}: {' '.join(map(str, errors))}" for name, errors in form.errors.items()
        )
        return Response(problems + "\n", status=400, mimetype="text/plain")
    insights = metrics.compute(period, form.team_id, utcnow())
    table = build_charts(insights)[chart].table
    filename = f"huddle-{chart}-{period.start_on.isoformat()}-{period.end_on.isoformat()}.csv"
    return Response(
        csv_text(table),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
