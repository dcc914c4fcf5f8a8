"""Locale and timezone per viewer.

Staff: their own setting, then the browser. Our clients (no login) on the public pages: the language
they picked with the page's switch, then the one we know they speak (a page sets ``g.client_locale``),
then the browser. Timezone: the user's own, then their team's.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from datetime import time as dt_time
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import parse_pattern
from flask import Flask, current_app, g, has_app_context, has_request_context, request, session
from flask_babel import (
    Babel,
    force_locale,
    format_date,
    get_locale,
    get_timezone,
    get_translations,
    refresh,
)
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
    if user is not None:
        if user.locale in languages:
            return user.locale
    else:
        chosen = request.args.get("lang")
        if chosen in languages:  # the public pages' language switch, remembered for the visit
            session["lang"] = chosen
            return chosen
        for known in (session.get("lang"), g.get("client_locale")):
            if known in languages:
                return known
    return _browser_language(languages)


def _browser_language(languages: list[str]) -> str:
    """The browser's best match; a regional variant we lack falls back to its language (pt-PT →
    pt_BR), since Portuguese from Brazil still reads better to a Lisbon client than English."""
    exact = request.accept_languages.best_match(languages)
    if exact:
        return exact
    by_language = {code.split("_")[0].lower(): code for code in languages}
    for accepted, _quality in request.accept_languages:
        code = by_language.get(accepted.replace("_", "-").split("-")[0].lower())
        if code:
            return code
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def known_language(code: str | None, languages: list[str] | None = None) -> str | None:
    """A language tag as other systems write it ("pt-BR", "pt", "ES", "ru_RU") as one of ours
    ("pt_BR", "es", "ru"), or None when we have no catalogue for it."""
    if not code or not code.strip():
        return None
    languages = languages or current_app.config["LANGUAGES"]
    wanted = code.strip().replace("-", "_").lower()
    for known in languages:
        if known.lower() == wanted:
            return known
    by_language = {known.split("_")[0].lower(): known for known in languages}
    return by_language.get(wanted.split("_")[0])


@contextmanager
def speaking(locale: str | None, timezone: str | None = None) -> Iterator[None]:
    """Write what is inside in ``locale`` (a team's, a client's, a user's), whoever is reading
    the page now; None is the installation's default language. Slack messages and anything sent to
    a client are built inside one. ``timezone`` (a team's, for its channel) is the one times are
    shown in inside; without it the viewer's stays."""
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        if timezone is None:
            yield
            return
        before = g.get("speaking_timezone")
        g.speaking_timezone = timezone
        refresh()  # Babel caches the timezone per context; the forced locale survives a refresh
        try:
            yield
        finally:
            g.speaking_timezone = before
            refresh()


# One date style per context (issue #13), so a reader meets one way of writing days everywhere:
# a day alone (lists, due dates, Slack) is Babel's medium date ("1 Dec 2026", "1 de dez. de 2026");
# an instant is the medium date and the short time in the reader's timezone; a page about one day
# (Today, the board) names it in full in its heading.


def format_day(value) -> str:
    """A day, or the day of an instant in the reader's timezone: the medium date."""
    return format_date(value, "medium")


def format_moment(value) -> str:
    """An instant: the medium date and the short time, in the reader's timezone, joined as the
    language joins them ("1 Dec 2026, 08:30", "1 de dez. de 2026 08:30").

    What Flask-Babel's ``format_date`` and ``format_time`` write, but a list shows dozens of
    instants (issue #16): the date and the time are each written once per language and value
    (a list sorted by date repeats its days, and a day has 1,440 minutes) and then remembered.
    """
    locale = get_locale()
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    zone = get_timezone()  # pytz, as Flask-Babel's to_user_timezone has it
    local = zone.normalize(value.astimezone(zone))
    return (
        locale.datetime_formats["medium"]
        .replace("{1}", _day_text(locale, local.date()))
        .replace("{0}", _time_text(locale, local.hour, local.minute))
    )


@lru_cache(maxsize=4096)
def _day_text(locale: Locale, day) -> str:
    return parse_pattern(locale.date_formats["medium"]).apply(day, locale)


@lru_cache(maxsize=4096)
def _time_text(locale: Locale, hour: int, minute: int) -> str:
    """The short time (our languages' short times show no seconds and no zone)."""
    return parse_pattern(locale.time_formats["short"]).apply(dt_time(hour, minute), locale)


def format_heading_day(value) -> str:
    """The day a whole page is about, in its heading: the full date."""
    return format_date(value, "full")


def html_lang() -> str:
    """The page's language as HTML wants it: ``pt-BR``, not Babel's ``pt_BR``."""
    return str(get_locale()).replace("_", "-")


def language_choices() -> list[tuple[str, str]]:
    """Each language by its own name (Português, Español, Русский, English)."""
    return [
        (code, _capitalised(Locale.parse(code).get_display_name(code)))
        for code in current_app.config["LANGUAGES"]
    ]


def user_voice(user) -> tuple[str | None, str | None]:
    """The language and timezone a person reads in (their own timezone, then their team's), as
    ``speaking(*user_voice(user))`` takes them: for what is written to them, not by them."""
    return user.locale, timezone_of(user)


def select_timezone() -> str | None:
    forced = g.get("speaking_timezone") if has_app_context() else None
    if forced:
        return forced
    user = _viewer()
    return None if user is None else timezone_of(user)


def timezone_of(user) -> str | None:
    """A person's timezone: their own setting, then their team's (None: the app's default)."""
    return user.timezone or (user.team.timezone if user.team is not None else None)


def _capitalised(name: str) -> str:
    return name[:1].upper() + name[1:]


def _catalogue():
    """The catalogue for the locale in force, found once per request and locale.

    Flask-Babel's template ``_`` looks it up again for every string (three context look-ups and
    the locale written out as text): a third of the board's Python calls (issue #16). Keyed on the
    locale object, so a ``speaking`` block (``force_locale``) still gets its own language.
    """
    if not has_app_context():
        return get_translations()
    locale = get_locale()
    found = g.get("_catalogue")
    if found is None or found[0] is not locale:
        found = g._catalogue = (locale, get_translations())
    return found[1]


def init_app(app: Flask, babel: Babel) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=str(Path(app.root_path).parent / "translations"),
    )
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _catalogue().ugettext(s),
        ngettext=lambda s, p, n: _catalogue().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: _catalogue().unpgettext(c, s, p, n),
    )
    app.jinja_env.globals.update(
        get_locale=get_locale, html_lang=html_lang, language_choices=language_choices, now=utcnow
    )
