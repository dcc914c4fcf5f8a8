from flask import Blueprint, render_template

bp = Blueprint("home", __name__)


@bp.get("/")
def today():
    return render_template("home/today.html")
