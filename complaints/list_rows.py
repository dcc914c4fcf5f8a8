"""The open list's rows, each written once for what it shows and kept by the process.

A row of the open list cost about 38 µs of Jinja (its cells, labels, links and two dates), and the
50 rows of a page were a third of ``/complaints/`` (issue #16). A row's HTML follows from its brief,
a few facts of the moment (overdue, owner away, unanswered attempts), the viewer's role and the
language, timezone and script root it is written for: keyed by exactly those, a kept row is the
row the template would write, so a changed complaint is simply a new key. The "I'll call them"
form's CSRF token, the one thing that differs per session, is written in per request
(``core.kept_html``). At most ``ROWS_KEPT`` rows are kept; a row shown with a refusal next to it
(``error``) is written and not kept. My follow-ups' rows and Today's complaints are kept the
same way (``kept_follow_ups``, ``kept_items``).
"""

import json
from dataclasses import fields
from operator import attrgetter

from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from complaints.briefs import ComplaintBrief
from core.kept_html import TOKEN_SLOT, kept, with_token, written_for

# Twenty pages of rows. A kept row with its key holds about 3 KiB: with 2,048 a worker grew to 129
# MiB over bench_memory.py's 10,000 requests (126 before); with 1,024 it stays at 126.
ROWS_KEPT = 1024
_KEPT: dict[tuple, str] = {}
# My follow-ups' rows (``_follow_ups.html``): up to 200 a page, about 1 KiB each with their key.
FOLLOW_UPS_KEPT = 1024
_FOLLOW_UPS: dict[tuple, str] = {}
# Today's complaints, 20 to a block: about 0.5 KiB each with their key.
ITEMS_KEPT = 1024
_ITEMS: dict[tuple, str] = {}


# Every field of a brief but a generated title's numbers, read in one call (a loop over the fields
# was 4 µs a row); the numbers are a dict, so they join the key written out.
_PLAIN_FIELDS = attrgetter(*(f.name for f in fields(ComplaintBrief) if f.name != "summary_params"))


def _brief_key(brief: ComplaintBrief) -> tuple:
    """Every field of a ``ComplaintBrief``, hashable."""
    params = brief.summary_params
    numbers = None if params is None else json.dumps(params, sort_keys=True, default=str)
    return (_PLAIN_FIELDS(brief), numbers)


def kept_rows(rows, row, *, now, manager: bool, owners_away=None, attempts=None, error=None):
    """The HTML of ``rows`` as the ``row`` macro writes each: ``row(brief, overdue, away, tried,
    manager, error, token)`` (``_rows.html``), from the kept rows where they are."""
    owners_away, attempts = owners_away or (), attempts or {}
    scope = (*written_for(), manager)
    written = []
    for brief in rows:
        facts = (brief.is_overdue(now), brief.owner_id in owners_away, attempts.get(brief.id))
        if error:
            written.append(row(brief, *facts, manager, error, generate_csrf()))
            continue
        key = (scope, facts, _brief_key(brief))
        written.append(
            kept(_KEPT, ROWS_KEPT, key, lambda: row(brief, *facts, manager, None, TOKEN_SLOT))  # noqa: B023
        )
    return with_token("".join(written))


def kept_follow_ups(rows, row, *, now) -> Markup:
    """My follow-ups' rows as the ``follow_up`` macro writes each: ``row(brief, overdue)``
    (``_follow_ups.html``), from the kept rows where they are. 200 rows through Jinja were two
    thirds of the page's 12.5 ms at 10k complaints (issue #16); they hold no form, so no token."""
    return _kept_plain(
        _FOLLOW_UPS, FOLLOW_UPS_KEPT, rows, row, lambda brief: (brief.is_overdue(now),)
    )


def kept_items(rows, row, *, now, escalated=()) -> Markup:
    """Today's complaints (``home/_complaint_list.html``) as its ``item`` macro writes each:
    ``row(brief, overdue, escalated)``, from the kept ones where they are. Three blocks of 20
    were a fifth of Today (issue #16)."""
    return _kept_plain(
        _ITEMS, ITEMS_KEPT, rows, row, lambda brief: (brief.is_overdue(now), brief.id in escalated)
    )


def _kept_plain(store: dict, limit: int, rows, row, facts) -> Markup:
    """Rows without a form: ``row(brief, *facts(brief))``, kept by the brief and those facts."""
    scope = written_for()
    written = []
    for brief in rows:
        shown = facts(brief)
        key = (scope, shown, _brief_key(brief))
        written.append(kept(store, limit, key, lambda: row(brief, *shown)))  # noqa: B023
    return Markup("".join(written))  # noqa: S704 (written by the autoescaping macro)
