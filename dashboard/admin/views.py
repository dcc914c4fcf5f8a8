from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.access import role_required
from core.auth.services import invite_token
from core.errors import RuleError, refuse
from core.extensions import db
from core.models import User
from dashboard.admin import services
from dashboard.admin.forms import InviteForm, UserAccessForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _invite_form() -> InviteForm:
    form = InviteForm()
    form.team_id.choices = services.team_choices()
    return form


def _access_form(user: User, formdata=None) -> UserAccessForm:
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
    form.team_id.choices = services.team_choices()
    return form


@bp.get("/users")
@role_required("admin")
def users():
    users = services.list_users()
    forms = {user.id: _access_form(user) for user in users}
    return render_template("admin/users.html", users=users, forms=forms, invite=_invite_form())


@bp.post("/users")
@role_required("admin")
def invite():
    form = _invite_form()
    invite_link = None
    status = 400
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
            getattr(form, error.field).errors.append(error.message)
        else:
            invite_link = url_for("auth.accept_invite", token=invite_token(user), _external=True)
            flash(_("%(name)s is invited. Send them this link.", name=user.name), "success")
            form = _invite_form()
            form.process(formdata=None)
            status = 201
    users = services.list_users()
    forms = {user.id: _access_form(user) for user in users}
    template = "admin/_invite.html" if request.htmx else "admin/users.html"
    return render_template(
        template, users=users, forms=forms, invite=form, invite_link=invite_link
    ), status


@bp.post("/users/<int:user_id>")
@role_required("admin")
def update_user(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    form = _access_form(user, formdata=request.form)
    status = 400
    if form.validate_on_submit():
        try:
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
            status = 200
        except RuleError as error:
            message = refuse(error, form)
            if message:  # a refusal about the whole row shows where the row's errors show
                form.role.errors = [*form.role.errors, message]
    if request.htmx:
        return render_template("admin/_user_row.html", user=user, form=form), status
    users = services.list_users()
    forms = {u.id: _access_form(u) for u in users}
    forms[user.id] = form
    return render_template(
        "admin/users.html", users=users, forms=forms, invite=_invite_form()
    ), status
