"""The admin page of API tokens: who has one, what it may do, when it was last used; revoke."""

from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.access import role_required
from core.api import tokens
from core.database import utcnow
from core.errors import refuse
from dashboard.admin.forms import TokenForm

bp = Blueprint("admin_tokens", __name__, url_prefix="/admin/tokens")


def _page(form: TokenForm, status: int = 200, new_token: str | None = None):
    context = {
        "tokens": tokens.list_tokens(),
        "form": form,
        "now": utcnow(),
        "new_token": new_token,
    }
    return render_template("admin/tokens.html", **context), status


@bp.get("/")
@role_required("admin")
def index():
    return _page(TokenForm())


@bp.post("/")
@role_required("admin")
def create():
    """Made here and shown once, on this answer only (never in a URL, a log or the list)."""
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    days = form.expires_days.data
    try:
        token = tokens.create_token(
            form.name.data,
            form.scopes.data,
            utcnow() + timedelta(days=days) if days else None,
            actor_id=current_user.id,
        )
    except tokens.TokenError as error:
        refuse(error, form, "name")
        return _page(form, 422)
    return _page(TokenForm(formdata=None), 201, new_token=token)


@bp.post("/<int:token_id>/revoke")
@role_required("admin")
def revoke(token_id: int):
    token = tokens.revoke_token(token_id=token_id, actor_id=current_user.id)
    flash(_("The token %(name)s is revoked; it stops working at once.", name=token.name), "success")
    return redirect(url_for("admin_tokens.index"))
