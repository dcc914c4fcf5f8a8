"""An audit event's details as an admin reads them on the audit page.

The page showed them as stored: "before_due_at: 2026-12-08T13:52+00:00; budget: 2000.0",
"role: agent; team_id: 1", "expires_at: 2027-03-07T13:58:33.122587+00:00". Now each key has its
label in the admin's language (the complaint page's where it has one), a time is in their timezone
and style, a change reads "before → after", a team or a person is named, and numbers and yes/no are
Babel's. A key without a label keeps its code: it is still exact, if not pretty.
"""

import re
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from complaints.forms import DETAIL_LABELS as COMPLAINT_LABELS
from complaints.forms import MONEY_DETAILS, STATUS_LABELS
from core import audit
from core.database import read_rows
from core.extensions import db
from core.i18n import format_moment, language_name
from core.inputs import MAX_ID
from core.models import Team, User
from core.money import format_money
from core.timezones import timezone_place
from dashboard.admin.forms import ROLE_LABELS

MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
LABELS = {
    **COMPLAINT_LABELS,
    "name": _l("Name"),
    "email": _l("E-mail"),
    "role": _l("Role"),
    "team_id": _l("Team"),
    "active": _l("Active"),
    "scopes": _l("What it may do"),
    "expires_at": _l("Expires"),
    "slack_user_id": _l("Slack user id"),
    "timezone": _l("Timezone"),
    "locale": _l("Language"),
    "compensation_limit": _l("Compensation limit"),
    "notes": _l("Notes"),
}
# Details whose value is a code with a label: a complaint's status, a person's role.
CODES = {"from": STATUS_LABELS, "to": STATUS_LABELS, "status": STATUS_LABELS, "role": ROLE_LABELS}
# Details that name a row by its id, and the row they name.
NAMED = {"team_id": Team, "owner_id": User, "from_agent_id": User, "to_agent_id": User}


def names_for(events) -> dict[type, dict[int, str]]:
    """The names of the teams and people the page's events name: a query per kind, at most."""
    wanted: dict[type, set[int]] = {Team: set(), User: set()}
    for event in events:
        for key, value in _flat(event.details or {}):
            model = NAMED.get(key.removeprefix(audit.BEFORE))
            if model is not None and isinstance(value, int) and 0 < value <= MAX_ID:
                wanted[model].add(value)
    return {
        model: dict(read_rows(db.session, sa.select(model.id, model.name).where(model.id.in_(ids))))
        for model, ids in wanted.items()
        if ids
    }


def _flat(details: dict):
    """Each (key, value), a {"from", "to"} change giving both of its values under its key."""
    for key, value in details.items():
        if isinstance(value, dict) and set(value) <= {"from", "to"}:
            yield from ((key, part) for part in value.values())
        else:
            yield key, value


def detail_words(details: dict | None, names: dict) -> list[tuple[str, str]]:
    """``(label, words)`` for each detail (``core.audit.detail_lines``)."""
    return audit.detail_lines(
        details, lambda key: LABELS.get(key, key), lambda key, value: _words(key, value, names)
    )


def _words(key: str, value, names: dict) -> str:
    model = NAMED.get(key)
    if model is not None and isinstance(value, int):
        return names.get(model, {}).get(value, f"#{value}")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int | float | Decimal) and key != "slack_user_id":
        return format_decimal(value)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    text = str(value)
    if key in MONEY_DETAILS or key == "compensation_limit":  # stored as text: "2000.0"
        try:
            return format_money(Decimal(text))
        except ArithmeticError:
            return text
    if text in CODES.get(key, {}):
        return str(CODES[key][text])
    if key == "locale":
        return language_name(text)
    if key == "timezone":
        return timezone_place(text)
    if MOMENT.match(text):
        try:
            return format_moment(datetime.fromisoformat(text))
        except ValueError:
            return text
    return text
