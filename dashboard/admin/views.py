"""The people page: invite someone, change a person's role, team, active state and profile.

Thin: the forms read the request, ``dashboard.admin.services`` applies the rules, and a refused
change goes back through ``core.errors.refuse`` (rollback, message next to its field).
"""

from flask import Blueprint, abort, flash, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core.access import role_required
from core.announce import announces
from core.auth.services import invite_token
from core.errors import RuleError, refuse, saved
from core.extensions import db
from core.mail.outbox import mail_enabled
from core.models import User
from core.timezones import timezone_choices
from core.urls import external_url
from dashboard.admin import services
from dashboard.admin.forms import InviteForm, UserAccessForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _invite_form(blank: bool = False) -> InviteForm:
    form = InviteForm()
    form.team_id.choices = services.team_choices()
    if blank:
        form.process(formdata=None)
    return form


def _access_form(user: User, formdata=None, teams: list | None = None) -> UserAccessForm:
    """A person's row form; ``teams``: the team menu, read once for a page of rows."""
    form = UserAccessForm(
        formdata=formdata,
        data={
            "role": user.role,
            "team_id": user.team_id or 0,
            "active": user.active,
            "compensation_limit": user.compensation_limit,
            "slack_user_id": user.slack_user_id or "",
            "timezone": user.timezone or "",
            "locale": user.locale or "",
        },
        prefix=f"u{user.id}",
    )
    form.team_id.choices = services.team_choices() if teams is None else teams
    return form


def _people_page(status: int, invite: InviteForm | None = None, **context):
    """The whole page: every person with their form (``forms`` replaces some, e.g. one refused)."""
    users = services.list_users()
    teams = services.team_choices()
    forms = {user.id: _access_form(user, teams=teams) for user in users} | context.pop("forms", {})
    invite = invite or _invite_form()
    return render_template(
        "admin/users.html",
        users=users,
        forms=forms,
        invite=invite,
        timezones=timezone_choices(),
        **context,
    ), status


def _refused(error: RuleError, form) -> None:
    message = refuse(error, form)
    if message:
        flash(message, "error")


@bp.get("/users")
@role_required("admin")
def users():
    return _people_page(200)


@bp.post("/users")
@role_required("admin")
@announces(_l("Invitation ready."))
def invite():
    form = _invite_form()
    invite_link, status = None, 400
    if form.validate_on_submit():
        try:
            user = services.create_user(
                form.email.data,
                form.name.data,
                form.role.data,
                form.team_id.data or None,
                actor=current_user,
            )
        except services.UserError as error:
            _refused(error, form)
        else:
            invite_link = external_url("auth.accept_invite", token=invite_token(user))
            if mail_enabled():
                said = _("%(name)s is invited by e-mail; the link is here too.", name=user.name)
            else:  # the invitation waits in the outbox: the link here is the only way in
                said = _(
                    "%(name)s is invited. Mail is off, so no e-mail goes out: send them this "
                    "link yourself.",
                    name=user.name,
                )
            flash(said, "success")
            form, status = _invite_form(blank=True), 201
    if request.htmx:
        return render_template("admin/_invite.html", invite=form, invite_link=invite_link), status
    return _people_page(status, invite=form, invite_link=invite_link)


@bp.post("/users/<int:user_id>/reset-link")
@role_required("admin")
@announces(_l("Password link ready."))
def reset_link(user_id: int):
    """A link for the person to choose a new password, shown in their row to hand over."""
    user = db.session.get(User, user_id) or abort(404)
    shown = {"reset_for": user.id, "reset_link": None, "reset_error": None}
    try:
        shown["reset_link"] = services.reset_link(current_user, user)
    except services.UserError as error:
        shown["reset_error"] = error.message
    status = 400 if shown["reset_error"] else 200
    if request.htmx:
        row = render_template("admin/_user_row.html", user=user, form=_access_form(user), **shown)
        return row, status
    return _people_page(status, **shown)


def _update_person(user: User, form: UserAccessForm) -> None:
    services.update_person(
        current_user,
        user,
        role=form.role.data,
        team_id=form.team_id.data or None,
        active=form.active.data,
        compensation_limit=form.compensation_limit.data,
        slack_user_id=form.slack_user_id.data,
        timezone=form.timezone.data,
        locale=form.locale.data,
    )


@bp.post("/users/<int:user_id>")
@role_required("admin")
@announces(_l("Changes saved."))
def update_user(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    form = _access_form(user, formdata=request.form)
    # A refused Slack user id (AccountError) lands next to its field like the access rules do.
    status = 200 if saved(form, lambda: _update_person(user, form)) else 400
    if request.htmx:
        return render_template("admin/_user_row.html", user=user, form=form), status
    return _people_page(status, forms={user.id: form})
