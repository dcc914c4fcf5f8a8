"""Huddle's application factory.

Nothing here touches the database: creating the app is cheap and safe for CLI commands, tests and
workers alike. The packages add their blueprints and commands through ``register_features``.
"""

from pathlib import Path

from flask import Flask

from dashboard import access, errors, i18n, security
from dashboard.config import load_config
from dashboard.extensions import babel, csrf, db, htmx, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        "dashboard",
        template_folder=str(ROOT / "templates"),
        instance_relative_config=True,
    )
    load_config(app, config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    htmx.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app, babel)
    access.init_app(app, login_manager)
    security.init_app(app)
    errors.init_app(app)
    register_features(app)
    return app


def register_features(app: Flask) -> None:
    """Blueprints, CLI commands and models of every package, in one visible place."""
    from complaints import api as complaints_api  # noqa: F401  (adds its routes to the API blueprint)
    from complaints import models as complaint_models  # noqa: F401
    from complaints.intake_views import bp as intake_bp
    from complaints.public_views import bp as public_bp
    from complaints.views import bp as complaints_bp
    from complaints.wishes.views import bp as wishes_bp
    from dashboard import audit, cli, models, slack  # noqa: F401  (models: mapped before first use)
    from dashboard.admin.views import bp as admin_bp
    from dashboard.api import bp as api_bp
    from dashboard.auth.views import bp as auth_bp
    from dashboard.home.views import bp as home_bp
    from dashboard.insights.views import bp as insights_bp
    from dashboard.slack.views import bp as slack_bp
    from standup import models as standup_models  # noqa: F401
    from standup.views import bp as standup_bp

    for blueprint in (home_bp, auth_bp, admin_bp, api_bp, slack_bp):
        app.register_blueprint(blueprint)
    # intake before complaints: its /complaints/new and /complaints/import come first.
    for blueprint in (standup_bp, intake_bp, complaints_bp, public_bp, wishes_bp, insights_bp):
        app.register_blueprint(blueprint)
    csrf.exempt(api_bp)  # bearer tokens, no cookies: CSRF cannot apply
    csrf.exempt(slack_bp)  # Slack signs its requests; the signature is checked instead
    cli.init_app(app)
    slack.init_app(app)  # outbox admin page, signal receivers, scheduler commands
