"""Friendly error pages, and the JSON error shape for everything under /api/."""

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from core.extensions import db


def api_error(status: int, code: str, message: str, fields: dict | None = None):
    """The one error body the API answers with: ``{"error": {code, message, fields}}``."""
    body = {"error": {"code": code, "message": message, "fields": fields or {}}}
    return jsonify(body), status


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        if _wants_json():
            return api_error(400, "csrf", error.description)
        message = _("This form has expired or was sent from another page. Reload and try again.")
        return render_template("errors/error.html", status=400, message=message), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if _wants_json():
            code = (error.name or "error").lower().replace(" ", "_")
            return api_error(error.code or 500, code, error.description or error.name)
        messages = {
            403: _("You do not have access to this page. Ask an admin if you need it."),
            404: _("We could not find this page. It may have moved."),
            405: _("This address does not accept that kind of request."),
            413: _("What you sent is too large."),
            429: _("Too many attempts. Please wait a little and try again."),
        }
        message = messages.get(error.code, _("Something went wrong with this request."))
        return render_template("errors/error.html", status=error.code, message=message), error.code

    @app.errorhandler(InternalServerError)
    def server_error(error):
        db.session.rollback()
        if _wants_json():
            return api_error(500, "internal", "Something went wrong on our side.")
        message = _("Something went wrong on our side. Nothing you typed was saved; try again.")
        return render_template("errors/error.html", status=500, message=message), 500
