"""HTML written once for what it shows and kept by the process, the CSRF token written in per request.

Some markup is the same for every request that shows the same facts: a row of the open list, the
navigation for one person in one language. Written through Jinja each time, each cost tens of
microseconds to a tenth of a millisecond of every page (issue #16). Kept by a key that holds every
fact it shows, a kept piece is the piece the template would write, so a change is simply a new key.

The one thing that differs per session is the CSRF token of a form inside it: such markup is kept
with ``TOKEN_SLOT`` where the token goes, which escaped text can never contain (its ``<`` would be
``&lt;``), and ``with_token`` writes the request's token in. A store holds at most ``limit`` pieces,
then starts again, as ``core.i18n`` bounds its date texts.
"""

from collections.abc import Callable, Hashable

from flask import request
from flask_babel import get_locale, get_timezone
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

TOKEN_SLOT = Markup("<csrf-token>")  # written as is: no escaped text holds a "<"

# One navigation per language, role, name and script root: a few hundred people at most.
NAVIGATIONS_KEPT = 256
_NAVIGATIONS: dict[tuple, str] = {}


def kept(store: dict, limit: int, key: Hashable, write: Callable[[], object]) -> str:
    """What ``write()`` wrote for ``key``, written now only if ``store`` does not hold it yet."""
    html = store.get(key)
    if html is None:
        if len(store) >= limit:
            store.clear()
        html = store[key] = str(write())
    return html


def written_for() -> tuple:
    """What kept markup showing dates is written for besides its facts: the request's language,
    timezone and script root (its links)."""
    return (str(get_locale()), str(get_timezone()), request.script_root)


def with_token(html: str) -> Markup:
    """Kept markup with the request's CSRF token in place of ``TOKEN_SLOT``."""
    if TOKEN_SLOT in html:
        html = html.replace(TOKEN_SLOT, Markup.escape(generate_csrf()))
    return Markup(html)  # noqa: S704 (written by autoescaping templates, the token escaped)


def kept_navigation(write: Callable[[Markup], object]) -> Markup:
    """The layout's links for the person logged in: ``write(token)`` is ``base.html``'s
    ``nav_links`` macro, which shows the links their role opens and their name on "Log out"."""
    key = (str(get_locale()), request.script_root, current_user.role, current_user.name)
    return with_token(kept(_NAVIGATIONS, NAVIGATIONS_KEPT, key, lambda: write(TOKEN_SLOT)))
