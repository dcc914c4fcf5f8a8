"""Admin pages: people and their roles."""

from flask import Flask

from dashboard.admin import views


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
