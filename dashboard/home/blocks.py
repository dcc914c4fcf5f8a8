"""The blocks of the Today page: who sees each one, and what it loads.

Each block is one loader (a fixed, small number of queries) and one fragment template. The page renders
every block a person may see; each block then refreshes itself in place through ``home.block``.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import url_for
from flask_babel import get_timezone
from flask_babel import lazy_gettext as _l

from complaints import briefs, follow_ups
from complaints.forms import COMPENSATION_LABELS
from core.away import everyone_away_on
from core.models import User
from dashboard.slack.escalations import escalated_complaints
from standup.briefs import open_action_items, today_for
from wishes import briefs as wishes_briefs


@dataclass(frozen=True)
class Block:
    name: str
    title: str
    role: str
    load: Callable[[User, datetime], dict]
    hidden_from: str | None = None  # a role that sees the same thing in another block


def _local_midnight(day: date, zone) -> datetime:
    return zone.localize(datetime.combine(day, time())).astimezone(UTC)


def last_working_day(today: date, workdays: str = "12345") -> date:
    """The working day before ``today``: on a Monday, the Friday (the weekend's ratings count)."""
    day = today - timedelta(days=1)
    for _ in range(7):
        if str(day.isoweekday()) in (workdays or "12345"):
            return day
        day -= timedelta(days=1)
    return today - timedelta(days=1)


def _standup(user: User, now: datetime) -> dict:
    return {"standup": today_for(user, now)}


def _action_items(user: User, now: datetime) -> dict:
    return {"action_items": open_action_items(user.id)}


SHOWN = 20  # rows of a block; one more is read, so that a block cut short says so
OWNED_SHOWN = 50


def _first(rows: list, shown: int, all_url: str | None = None) -> dict:
    """A block's first ``shown`` rows of the ``shown + 1`` read, whether there were more, and where
    the whole list is (if it has a page): a cut block says so instead of passing for complete."""
    return {"rows": rows[:shown], "more": len(rows) > shown, "shown": shown, "all_url": all_url}


def _my_complaints(user: User, now: datetime) -> dict:
    owned = briefs.owned_by(user.id, now, limit=OWNED_SHOWN + 1)
    first = _first(owned, OWNED_SHOWN, url_for("complaints.open_list", view="mine"))
    return {**first, "complaints": first["rows"], "now": now}


def _my_follow_ups(user: User, now: datetime) -> dict:
    # "Due today" is the viewer's calendar day, as on the My follow-ups page (not the next 24 h).
    found = follow_ups.my_follow_ups(user.id, now, get_timezone(), limit=SHOWN, counted=False)
    rows = found.overdue + found.due_today
    return {"complaints": rows, "now": now, "more": found.more, "shown": SHOWN}


def _unowned(user: User, now: datetime) -> dict:
    """Waiting for an owner; those whose alert was escalated (nobody claimed it) are marked."""
    waiting = briefs.unowned(user.team_id, now, limit=SHOWN + 1)
    first = _first(waiting, SHOWN, url_for("complaints.open_list", view="unowned"))
    escalated = escalated_complaints(c.id for c in first["rows"])
    return {**first, "complaints": first["rows"], "now": now, "escalated": escalated}


def _owners_away(user: User, now: datetime) -> dict:
    """Follow-ups due by the end of the day whose owner is away today: someone must take them.
    Read from who is away (few), not by filtering the team's due follow-ups, however many."""
    away = everyone_away_on(wishes_briefs.user_today(user, now))
    due = briefs.follow_ups_of(away, user.team_id, now, 24, SHOWN + 1) if away else []
    first = _first(due, SHOWN)
    return {**first, "complaints": first["rows"], "now": now}


def _low_ratings(user: User, now: datetime) -> dict:
    zone = get_timezone()
    workdays = user.team.workdays if user.team is not None else "12345"
    since = last_working_day(now.astimezone(zone).date(), workdays)
    first = _first(briefs.low_ratings_since(_local_midnight(since, zone), SHOWN + 1), SHOWN)
    return {**first, "ratings": first["rows"]}


def _wish_calls(user: User, now: datetime) -> dict:
    today = wishes_briefs.user_today(user, now)
    return {"calls": [c for c in wishes_briefs.calls_to_make(user.id) if c.due_on <= today]}


def _pending_compensation(user: User, now: datetime) -> dict:
    first = _first(briefs.pending_compensations(SHOWN + 1), SHOWN)
    return {**first, "compensations": first["rows"], "kinds": dict(COMPENSATION_LABELS)}


BLOCKS = [
    Block("standup", _l("Today's stand-up"), "agent", _standup),
    Block("action-items", _l("My open action items"), "agent", _action_items),
    Block("my-complaints", _l("Complaints I own"), "agent", _my_complaints, hidden_from="manager"),
    Block("wish-calls", _l("Wish callbacks due today and overdue"), "agent", _wish_calls),
    Block("my-follow-ups", _l("My follow-ups due today and overdue"), "manager", _my_follow_ups),
    Block("owners-away", _l("Follow-ups whose owner is away today"), "manager", _owners_away),
    Block("unowned", _l("Complaints waiting for an owner"), "manager", _unowned),
    Block("low-ratings", _l("Low ratings since the last working day"), "manager", _low_ratings),
    Block(
        "pending-compensation", _l("Compensation awaiting approval"), "admin", _pending_compensation
    ),
]
BY_NAME = {block.name: block for block in BLOCKS}


def visible_blocks(user: User) -> list[Block]:
    return [
        block
        for block in BLOCKS
        if user.has_role(block.role)
        and not (block.hidden_from and user.has_role(block.hidden_from))
    ]
