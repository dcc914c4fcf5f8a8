from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from complaints import services as complaints
from complaints.list_rows import kept_items
from core.access import public, role_required
from core.announce import announces
from core.database import utcnow
from core.errors import RuleError, refuse
from core.inputs import parse_int
from dashboard.home.blocks import BY_NAME, visible_blocks

bp = Blueprint("home", __name__)


@bp.context_processor
def _kept():
    return {"kept_items": kept_items}


@bp.get("/")
def today():
    now = utcnow()
    blocks = [(block, block.load(current_user, now)) for block in visible_blocks(current_user)]
    return render_template("home/today.html", blocks=blocks)


@bp.get("/today/<name>")
def block(name: str):
    """One block alone, for its own refresh in place."""
    found = BY_NAME.get(name)
    if found is None or found not in visible_blocks(current_user):
        abort(404)
    return render_template("home/_block.html", block=found, data=found.load(current_user, utcnow()))


@bp.get("/favicon.ico")
@public
def favicon():
    """Browsers that ask for the old name get the icon base.html links (issue #15)."""
    return redirect(url_for("static", filename="favicon.svg"), 301)


@bp.post("/today/owners-away/<int:complaint_id>/take")
@role_required("manager")
@announces(_l("You own this complaint now."))
def take_over(complaint_id: int):
    """One click on Today: the manager takes over a follow-up whose owner is away."""
    from_owner = parse_int(request.form.get("owner_id"), 1)
    if from_owner is None:
        abort(400)
    try:
        complaints.take_over(complaint_id, current_user, from_owner)
        message, category = _("You own this follow-up now."), "success"
    except RuleError as error:
        message, category = refuse(error), "error"
    if not request.htmx:
        flash(message, category)
        return redirect(url_for("home.today"))
    found = BY_NAME["owners-away"]
    data = {**found.load(current_user, utcnow()), "message": message, "category": category}
    return render_template("home/_block.html", block=found, data=data)
