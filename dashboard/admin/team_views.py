"""The admin's teams page: list, create, edit in place, archive (writes in ``dashboard.admin.teams``)."""

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core.access import role_required
from core.announce import announces
from core.errors import saved
from core.extensions import db
from core.models import Team
from dashboard.admin import teams
from dashboard.admin.forms import TeamForm

bp = Blueprint("admin_teams", __name__, url_prefix="/admin/teams")


def _edit_form(team: Team, formdata=None) -> TeamForm:
    data = {
        "name": team.name,
        "slug": team.slug,
        "slack_channel": team.slack_channel or "",
        "standup_time": team.standup_time,
        "timezone": team.timezone,
        "locale": team.locale or current_app.config["BABEL_DEFAULT_LOCALE"],
        "workdays": list(team.workdays),
        "timebox_minutes": team.timebox_minutes,
        "grace_minutes": team.grace_minutes,
    }
    return TeamForm(formdata=formdata, data=data, prefix=f"t{team.id}")


def _page(create: TeamForm | None = None, edited: dict | None = None, message=None, status=200):
    all_teams = teams.list_all()
    forms = {team.id: _edit_form(team) for team in all_teams} | (edited or {})
    template = "admin/_teams.html" if request.htmx else "admin/teams.html"
    create = create or TeamForm(formdata=None, prefix="new")
    return render_template(
        template, teams=all_teams, forms=forms, create=create, message=message
    ), status


def _update(team: Team, form: TeamForm) -> None:
    teams.update_team(current_user, team, **form.fields_for_service())


@bp.get("/")
@role_required("admin")
def index():
    return _page()


@bp.post("/")
@role_required("admin")
@announces(_l("Team added."))
def create():
    form = TeamForm(prefix="new")
    if saved(form, lambda: teams.create_team(current_user, **form.fields_for_service()), "name"):
        return _page(status=201)
    return _page(create=form, status=400)


@bp.post("/<int:team_id>")
@role_required("admin")
@announces(_l("Team saved."))
def update(team_id: int):
    team = db.session.get(Team, team_id) or abort(404)
    form = _edit_form(team, formdata=request.form)
    # A refusal about the whole team shows above its name.
    status = 200 if saved(form, lambda: _update(team, form), "name") else 400
    if request.htmx:
        return render_template("admin/_team.html", team=team, form=form), status
    return _page(edited={team.id: form}, status=status)


@bp.post("/<int:team_id>/archive")
@role_required("admin")
@announces(_l("Team archived."))
def archive(team_id: int):
    team = db.session.get(Team, team_id) or abort(404)
    teams.set_archived(current_user, team, request.form.get("archived") == "1")
    if request.htmx:
        return render_template("admin/_team.html", team=team, form=_edit_form(team))
    return _page()
