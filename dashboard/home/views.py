from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user

from core.access import public
from core.database import utcnow
from dashboard.home.blocks import BY_NAME, visible_blocks

bp = Blueprint("home", __name__)


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
