"""A client's page: everything they told us, across complaints and wishes."""

from flask import Flask

from dashboard.clients import views


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
