"""The one-time set-up page, and the rule that sends every visitor to it while nobody exists."""

from flask import Blueprint, Flask, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_user

from core.access import login_missing, public
from core.errors import RuleError, refuse
from core.inputs import form_values
from dashboard.admin import setup
from dashboard.admin.forms import SetupForm

bp = Blueprint("setup", __name__)

SET_UP = "huddle.set_up"  # app.extensions flag: once someone exists, stop asking the database


@bp.route("/setup", methods=["GET", "POST"])
@public
def start():
    if not setup.needs_setup():
        abort(404)
    form = SetupForm()
    message = None
    if form.validate_on_submit():
        try:
            admin = setup.set_up(
                **form_values(form, "name", "email", "password", "team_name", "team_slug"),
                **form_values(form, "timezone", "standup_time", "locale"),
            )
        except setup.AlreadySetUp:
            abort(404)
        except RuleError as error:
            message = refuse(error, form)
        else:
            login_user(admin)
            flash(
                _("Welcome to Huddle, %(name)s. Invite your team next.", name=admin.name), "success"
            )
            return redirect(url_for("admin.users"))
    status = 400 if form.errors or message else 200
    return render_template("admin/setup.html", form=form, message=message), status


def _first_run(app: Flask):
    """Before the login check: a visitor of a page that needs a login, on a database with nobody
    in it, is sent to the set-up page, since there is nobody to log in as."""

    def redirect_to_setup():
        if app.extensions.get(SET_UP) or not login_missing():
            return None
        if not setup.needs_setup():
            app.extensions[SET_UP] = True
            return None
        return redirect(url_for("setup.start"))

    return redirect_to_setup


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    # First in line: the core's login check would otherwise send the visitor to log in.
    app.before_request_funcs.setdefault(None, []).insert(0, _first_run(app))
