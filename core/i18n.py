"""Locale and timezone per viewer.

Staff: their own setting, then the browser. Our clients (no login) on the public pages: the language
they picked with the page's switch, then the one we know they speak (a page sets ``g.client_locale``;
remembered for the visit, so the next public page speaks it too), then the browser. Timezone: the
user's own, then their team's.
"""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

from babel import Locale, UnknownLocaleError
from babel.dates import tokenize_pattern
from flask import Flask, current_app, g, has_app_context, has_request_context, request, session
from flask_babel import (
    Babel,
    force_locale,
    format_date,
    format_time,
    get_babel,
    get_locale,
    get_timezone,
    get_translations,
    refresh,
)
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup

from core.database import utcnow


def _viewer():
    """The logged-in user of this request; none in CLI commands and jobs (they use the defaults)."""
    if not has_request_context() or not current_user or not current_user.is_authenticated:
        return None
    return current_user


# The blueprints of the pages our clients open from our mails: the survey, "write to us", unsubscribe.
CLIENTS_BLUEPRINTS = frozenset({"public", "mail"})


def for_our_clients() -> bool:
    """This answer goes to one of our clients: on their pages (an error there included), and on an
    address nothing matches when nobody is logged in (a link from a mail cut short). It keeps
    their layout (the company's name) and leads nowhere inside Huddle: its login is not for them."""
    if request.blueprint in CLIENTS_BLUEPRINTS:
        return True
    return request.url_rule is None and not current_user.is_authenticated


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
        client_locale = g.get("client_locale")
        if client_locale in languages and session.get("client_lang") != client_locale:
            # Remembered for the visit: the survey's "write to the head of support", or a link cut
            # short opened next, knows no client and spoke the browser's language (often English).
            session["client_lang"] = client_locale
        # Only on our clients' pages that know no client: another client's survey in the same
        # browser (a family's computer) is theirs, and Huddle's own login page is not a client's.
        remembered = None
        if for_our_clients() and "client_locale" not in g:
            remembered = session.get("client_lang")
        for known in (session.get("lang"), client_locale, remembered):
            if known in languages:
                return known
    return browser_language(languages)


def browser_language(languages: list[str]) -> str:
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


class _DateStyles:
    """The viewer's three date styles, looked up once per locale and timezone, and the texts they
    wrote: kept by the process, since a day or a clock time is written the same for every reader
    of that language and timezone (a list's 50 rows met few of the last request's texts).

    Flask-Babel's ``format_date``/``format_time`` find the locale, the timezone, the app's format
    settings and the locale's pattern again for every value: about 250 Python calls per instant, so
    a board or list writing one per row spent most of its formatting there (issue #16). The parsed
    patterns are kept here and applied directly, converting exactly as Flask-Babel does (naive means
    UTC; the timezone's ``normalize``; a time's reference date is the instant's UTC date).
    """

    __slots__ = (
        "clocks",
        "days",
        "full_date",
        "locale",
        "medium_date",
        "moment",
        "short_time",
        "tzinfo",
    )

    def __init__(self, locale: Locale, tzinfo) -> None:
        self.locale = locale
        self.tzinfo = tzinfo
        self.medium_date = locale.date_formats["medium"]
        self.full_date = locale.date_formats["full"]
        self.short_time = locale.time_formats["short"]
        self.moment = locale.datetime_formats["medium"]
        self.days: dict = {}
        # The short time of every language we speak reads the hour and the minute only, so rows
        # sharing a minute share its text; a pattern reading more (seconds, a zone) is not kept.
        self.clocks: dict | None = {} if reads_the_clock_only(self.short_time.pattern) else None

    def _local(self, value: datetime) -> datetime:
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return self.tzinfo.normalize(value.astimezone(self.tzinfo))

    def day(self, value, pattern) -> str:
        if isinstance(value, datetime):
            value = self._local(value).date()
        key = (value, pattern)
        written = self.days.get(key)
        if written is None:  # rows of a list often share their days
            if len(self.days) >= DAYS_KEPT:
                self.days.clear()
            written = self.days[key] = pattern.apply(value, self.locale)
        return written

    def instant(self, value: datetime) -> str:
        """The medium date and the short time of ``value``, converted once for both."""
        local = self._local(value)
        key = (local.hour, local.minute)
        clock = None if self.clocks is None else self.clocks.get(key)
        if clock is None:
            # A time's reference date (for a zone's name) is the instant's own date, as Babel's.
            clock = self.short_time.apply(local.timetz(), self.locale, reference_date=value.date())
            if self.clocks is not None:
                self.clocks[key] = clock
        return self.moment.replace("{1}", self.day(local.date(), self.medium_date)).replace(
            "{0}", clock
        )


def reads_the_clock_only(pattern: str) -> bool:
    """Whether a time pattern's text follows from the local hour and minute alone."""
    fields = {value[0] for kind, value in tokenize_pattern(pattern) if kind == "field"}
    return fields <= set("hHkKmaBb")


def _date_styles() -> _DateStyles | None:
    """This request's styles for the locale and timezone in force (a ``speaking`` block changes
    them); None when an app's format settings or a missing context leave it to Flask-Babel."""
    if not has_app_context():
        return None
    store = vars(g._get_current_object())
    babel_state = store.get("_flask_babel")
    locale = getattr(babel_state, "babel_locale", None) or get_locale()
    tzinfo = getattr(babel_state, "babel_tzinfo", None) or get_timezone()
    found = store.get("_date_styles")  # (locale, tzinfo, styles): this request's last lookup
    if found is None or found[0] is not locale or found[1] is not tzinfo:
        configured = get_babel().instance.date_formats
        if locale is None or any(configured[key] for key in _STYLE_SETTINGS):
            return None
        key = (str(locale), str(tzinfo))
        styles = _KEPT_STYLES.get(key)
        if styles is None:
            if len(_KEPT_STYLES) >= STYLES_KEPT:
                _KEPT_STYLES.clear()
            styles = _KEPT_STYLES[key] = _DateStyles(locale, tzinfo)
        found = store["_date_styles"] = (locale, tzinfo, styles)
    return found[2]


_STYLE_SETTINGS = ("date.medium", "date.full", "time.short")  # Flask-Babel's, None unless set
# The styles of each language and timezone met, and the days each wrote, up to these counts (then
# they start again): the clock texts are bounded by the minutes of a day.
_KEPT_STYLES: dict[tuple[str, str], _DateStyles] = {}
STYLES_KEPT = 64
DAYS_KEPT = 4096


def format_day(value) -> str:
    """A day, or the day of an instant in the reader's timezone: the medium date."""
    styles = _date_styles()
    if styles is None:
        return format_date(value, "medium")
    return styles.day(value, styles.medium_date)


def format_moment(value) -> str:
    """An instant: the medium date and the short time, in the reader's timezone, joined as the
    language joins them ("1 Dec 2026, 08:30", "1 de dez. de 2026 08:30")."""
    styles = _date_styles()
    if styles is None:
        pattern = get_locale().datetime_formats["medium"]
        return pattern.replace("{1}", format_date(value, "medium")).replace(
            "{0}", format_time(value, "short")
        )
    return styles.instant(value)


def format_heading_day(value) -> str:
    """The day a whole page is about, in its heading: the full date."""
    styles = _date_styles()
    if styles is None:
        return format_date(value, "full")
    return styles.day(value, styles.full_date)


class Words(Mapping):
    """Labels by code (lazy strings), each translated once per instance: a page's ``labels``.

    A lazy string is translated again each time it is shown, through Flask-Babel's whole lookup;
    a list showing a status and a channel per row paid that twice per row (issue #16). A value
    comes back as the lazy string would have been written into the page (its ``__html__``: not
    escaped again).
    """

    __slots__ = ("_labels", "_said")

    def __init__(self, labels) -> None:
        self._labels = labels
        self._said: dict = {}

    def __getitem__(self, code):
        said = self._said.get(code)
        if said is None:
            said = self._said[code] = Markup(str(self._labels[code]))  # noqa: S704 (our catalogue)
        return said

    def get(self, code, default=None):
        return self[code] if code in self._labels else default

    def __contains__(self, code) -> bool:
        return code in self._labels

    def __iter__(self):
        return iter(self._labels)

    def __len__(self) -> int:
        return len(self._labels)


def html_lang() -> str:
    """The page's language as HTML wants it: ``pt-BR``, not Babel's ``pt_BR``."""
    return str(get_locale()).replace("_", "-")


def html_dir() -> str:
    """The page's writing direction, ``ltr`` or ``rtl``, as Babel knows it for its language: none
    of ours is written right to left, but a mail or page in one would read backwards if we said so
    by hand."""
    return get_locale().text_direction


def language_choices() -> list[tuple[str, str]]:
    """Each language by its own name (Português, Español, Русский, English)."""
    return [(code, language_name(code)) for code in current_app.config["LANGUAGES"]]


def language_switches() -> list[tuple[str, str, str]]:
    """The visitors' language switch: each language's code, own name and the link to this page in
    it, its query kept (the score a survey mail's button chose), only ``lang`` replaced. A bare
    ``?lang=`` lost the score the client had picked."""
    kept = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
    return [
        (code, name, "?" + urlencode([*kept, ("lang", code)])) for code, name in language_choices()
    ]


def language_name(code: str | None) -> str:
    """A language code (``pt_BR``) by the language's own name, as the menus name it; a code
    Babel does not know stays as it is, and none is "—"."""
    if not code:
        return "—"
    try:
        return _capitalised(Locale.parse(code).get_display_name(code))
    except (UnknownLocaleError, ValueError, TypeError):
        return code


def user_voice(user) -> tuple[str | None, str | None]:
    """The language and timezone a person reads in (their own, then their team's), as
    ``speaking(*user_voice(user))`` takes them: for what is written to them, not by them. (Their
    browser's language is no help outside a page: a Slack message to someone who chose none came
    in English to a Portuguese team, while their mail for the same event came in Portuguese.)"""
    team = user.team
    return user.locale or (team.locale if team is not None else None), timezone_of(user)


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
    locale object, so a ``speaking`` block (``force_locale``) still gets its own language. The
    locale is read where Flask-Babel keeps it for the context (what ``get_locale`` returns once
    it is set), from ``g`` looked up once: each proxied attribute costs several calls. (A babel
    ``Locale`` and a timezone are always true, so ``or`` only calls Flask-Babel when unset.)
    """
    if not has_app_context():
        return get_translations()
    store = vars(g._get_current_object())
    locale = getattr(store.get("_flask_babel"), "babel_locale", None) or get_locale()
    found = store.get("_catalogue")
    if found is None or found[0] is not locale:
        found = store["_catalogue"] = (locale, get_translations())
    return found[1]


# The templates' ``_``, ``gettext`` and ``ngettext``: what Jinja's newstyle gettext does (Markup
# when autoescaping, then always ``%`` the variables, so "%%" is "%" everywhere), without its two
# extra hops per string (``_`` resolving ``gettext`` from the context, then calling the catalogue
# through ``Context.call``). A board writes about a hundred strings (issue #16). The catalogue is
# kept on the rendering's evaluation context (one per template or include): the locale cannot
# change in the middle of one (``speaking`` blocks are entered in Python, around a rendering).


def _rendering_catalogue(eval_ctx):
    found = eval_ctx.__dict__.get("huddle_catalogue")
    if found is None:
        found = eval_ctx.huddle_catalogue = _catalogue()
    return found


@pass_eval_context
def _template_gettext(eval_ctx, string: str, /, **variables) -> str:
    translated = _rendering_catalogue(eval_ctx).ugettext(string)
    if eval_ctx.autoescape:
        translated = Markup(translated)  # noqa: S704 (our catalogue, as Jinja trusts it)
    if not variables and "%" not in translated:
        return translated  # what ``%`` would give, without Markup's escaping helpers
    return translated % variables


@pass_eval_context
def _template_ngettext(eval_ctx, singular: str, plural: str, num: int, /, **variables) -> str:
    variables.setdefault("num", num)
    translated = _rendering_catalogue(eval_ctx).ungettext(singular, plural, num)
    if eval_ctx.autoescape:
        translated = Markup(translated)  # noqa: S704 (our catalogue, as Jinja trusts it)
    return translated % variables


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
    app.jinja_env.globals.update(_=_template_gettext, gettext=_template_gettext)
    app.jinja_env.globals.update(ngettext=_template_ngettext)
    app.jinja_env.globals.update(
        get_locale=get_locale,
        html_lang=html_lang,
        html_dir=html_dir,
        language_switches=language_switches,
        now=utcnow,
    )
