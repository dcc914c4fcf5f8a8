"""Admin pages: people and their roles, teams, and the first-run set-up."""

from flask import Flask

from dashboard.admin import setup_views, team_views, views


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    app.register_blueprint(team_views.bp)
    setup_views.init_app(app)
