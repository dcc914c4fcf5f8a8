"""What every feature stands on: configuration, database, people, access, audit, signals, the API.

The core imports no feature. ``init_app`` binds the extensions and the app-wide pieces (login, roles,
locale, security headers, error answers, template filters, the login pages and the API blueprint);
``dashboard.create_app`` calls it first, then each feature's own ``init_app``.
"""

from flask import Flask

from core import access, database, errors, i18n, inputs, logs, security, templating
from core.api import bp as api_bp
from core.auth.views import bp as auth_bp
from core.extensions import babel, csrf, db, htmx, login_manager, migrate
from core.mail.views import bp as mail_bp
from core.schema import MIGRATIONS


def init_app(app: Flask) -> None:
    db.init_app(app)
    database.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS))
    csrf.init_app(app)
    htmx.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app, babel)
    access.init_app(app, login_manager)
    security.init_app(app)
    errors.init_app(app)
    inputs.init_app(app)
    templating.init_app(app)
    logs.init_app(app)
    app.register_blueprint(auth_bp)
    app.register_blueprint(mail_bp)  # the clients' one-click unsubscribe
    app.register_blueprint(api_bp)  # the document and /token; features register their own
