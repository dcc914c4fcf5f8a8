"""The open list's rows, each written once for what it shows and kept by the process.

A row of the open list cost about 38 µs of Jinja (its cells, labels, links and two dates), and the
50 rows of a page were a third of ``/complaints/`` (issue #16). A row's HTML follows from its brief,
a few facts of the moment (overdue, owner away, unanswered attempts), the viewer's role and the
language, timezone and script root it is written for: keyed by exactly those, a kept row is the
row the template would write, so a changed complaint is simply a new key. The one thing that
differs per session is the CSRF token of the "I'll call them" form: rows are kept with
``TOKEN_SLOT`` in its place, which escaped text can never contain (its ``<`` would be ``&lt;``),
and the request's token is written in when the rows are put together.

The rows kept are bounded (``ROWS_KEPT``, then they start again), as ``core.i18n`` bounds its
date texts. A row shown with a refusal next to it (``error``) is written and not kept.
"""

import json

from flask import request
from flask_babel import get_locale, get_timezone
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

# Twenty pages of rows. A kept row with its key holds about 3 KiB: with 2,048 a worker grew to 129
# MiB over bench_memory.py's 10,000 requests (126 before); with 1,024 it stays at 126.
ROWS_KEPT = 1024
TOKEN_SLOT = Markup("<csrf-token>")  # written as is: no escaped text holds a "<"
_KEPT: dict[tuple, str] = {}


def _brief_key(brief) -> tuple:
    """Every field of a ``ComplaintBrief``, hashable (a generated title's numbers are a dict)."""
    return tuple(
        json.dumps(value, sort_keys=True, default=str) if isinstance(value, dict) else value
        for value in vars(brief).values()
    )


def kept_rows(rows, row, *, now, manager: bool, owners_away=None, attempts=None, error=None):
    """The HTML of ``rows`` as the ``row`` macro writes each: ``row(brief, overdue, away, tried,
    manager, error, token)`` (``_rows.html``), from the kept rows where they are."""
    owners_away, attempts = owners_away or (), attempts or {}
    scope = (str(get_locale()), str(get_timezone()), request.script_root, manager)
    written = []
    for brief in rows:
        facts = (brief.is_overdue(now), brief.owner_id in owners_away, attempts.get(brief.id))
        if error:
            written.append(row(brief, *facts, manager, error, generate_csrf()))
            continue
        key = (scope, facts, _brief_key(brief))
        html = _KEPT.get(key)
        if html is None:
            if len(_KEPT) >= ROWS_KEPT:
                _KEPT.clear()
            html = _KEPT[key] = str(row(brief, *facts, manager, None, TOKEN_SLOT))
        written.append(html)
    page = "".join(written)
    if TOKEN_SLOT in page:
        page = page.replace(TOKEN_SLOT, Markup.escape(generate_csrf()))
    return Markup(page)  # noqa: S704 (written by the autoescaping macro, the token escaped)
