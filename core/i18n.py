"""Locale and timezone per viewer: the user's own setting, then their team's or browser's."""

from pathlib import Path

from flask import Flask, current_app, has_request_context, request
from flask_babel import Babel, get_locale
from flask_login import current_user

from core.database import utcnow


def _viewer():
    """The logged-in user of this request; none in CLI commands and jobs (they use the defaults)."""
    if not has_request_context() or not current_user or not current_user.is_authenticated:
        return None
    return current_user


def select_locale() -> str | None:
    if not has_request_context():
        return None
    languages = current_app.config["LANGUAGES"]
    user = _viewer()
    if user is not None and user.locale in languages:
        return user.locale
    return request.accept_languages.best_match(languages)


def select_timezone() -> str | None:
    user = _viewer()
    if user is None:
        return None
    return user.timezone or (user.team.timezone if user.team is not None else None)


def init_app(app: Flask, babel: Babel) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=str(Path(app.root_path).parent / "translations"),
    )
    app.jinja_env.globals.update(get_locale=get_locale, now=utcnow)
