"""Huddle's application factory: the core, then every feature, listed once.

Nothing here touches the database: creating the app is cheap and safe for CLI commands, tests and
workers alike. Each feature's ``init_app`` adds its own blueprints, API routes, signal receivers,
template filters and commands (see docs/architecture.md).
"""

from pathlib import Path

from flask import Flask
from gunicorn.errors import AppImportError

import complaints
import core
import standup
import wishes
from core import schema
from core.config import ConfigError, load_config
from dashboard import admin, cli, clients, home, insights, mail, scheduler, slack

ROOT = Path(__file__).resolve().parent.parent

# The features, bottom-up: later ones read the earlier ones' briefs.
FEATURES = (
    complaints,
    wishes,
    standup,
    home,
    clients,
    insights,
    admin,
    slack,
    mail,
    scheduler,
    cli,
)


class RefusedSettings(ConfigError, AppImportError):
    """A ``ConfigError`` that gunicorn also reads as "the app cannot load": it prints the message
    alone and stops ("App failed to load"), where any other error printed a traceback per worker
    with the line at its foot and then "Worker failed to boot"."""


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        "dashboard",
        template_folder=str(ROOT / "templates"),
        instance_relative_config=True,
    )
    # "/teams/x/standups/%2F0" is not a path of ours: answer 404, not a 308 to a merged-slash URL
    # that no API client asked for (the fuzz suite found it).
    app.url_map.merge_slashes = False
    try:
        load_config(app, config)
    except ConfigError as error:
        raise RefusedSettings(str(error)) from None
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    core.init_app(app)
    for feature in FEATURES:
        feature.init_app(app)
    # Last, so that its hook runs first: a database not yet upgraded is said before any hook reads it.
    schema.init_app(app)
    return app
