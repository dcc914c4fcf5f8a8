"""The "Today" page everyone lands on."""

from flask import Flask

from dashboard.home import views


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
