"""Admin pages: people and their roles, teams, API tokens, the audit trail, the first-run set-up."""

from flask import Flask

from dashboard.admin import audit_views, setup_views, team_views, token_views, views


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    app.register_blueprint(team_views.bp)
    app.register_blueprint(token_views.bp)
    app.register_blueprint(audit_views.bp)
    setup_views.init_app(app)
