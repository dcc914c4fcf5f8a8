"""The blocks of the Today page: who sees each one, and what it loads.

Each block is one loader (a fixed, small number of queries) and one fragment template. The page renders
every block a person may see; each block then refreshes itself in place through ``home.block``.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

from complaints import briefs
from complaints.forms import COMPENSATION_LABELS
from core.models import User
from standup.briefs import open_action_items, today_for
from wishes import briefs as wishes_briefs


@dataclass(frozen=True)
class Block:
    name: str
    title: str
    role: str
    load: Callable[[User, datetime], dict]


def _standup(user: User, now: datetime) -> dict:
    return {"standup": today_for(user, now)}


def _action_items(user: User, now: datetime) -> dict:
    return {"action_items": open_action_items(user.id)}


def _my_complaints(user: User, now: datetime) -> dict:
    return {"complaints": briefs.owned_by(user.id, now), "now": now}


def _my_follow_ups(user: User, now: datetime) -> dict:
    end_of_day = now + timedelta(hours=24)
    due = [c for c in briefs.owned_by(user.id, now) if c.due_at <= end_of_day]
    return {"complaints": due, "now": now}


def _unowned(user: User, now: datetime) -> dict:
    return {"complaints": briefs.unowned(user.team_id, now), "now": now}


def _low_ratings(user: User, now: datetime) -> dict:
    return {"ratings": briefs.low_ratings_since(now - timedelta(days=1))}


def _wish_calls(user: User, now: datetime) -> dict:
    today = wishes_briefs.user_today(user, now)
    return {"calls": [c for c in wishes_briefs.calls_to_make(user.id) if c.due_on <= today]}


def _pending_compensation(user: User, now: datetime) -> dict:
    return {"compensations": briefs.pending_compensations(), "kinds": dict(COMPENSATION_LABELS)}


BLOCKS = [
    Block("standup", _l("Today's stand-up"), "agent", _standup),
    Block("action-items", _l("My open action items"), "agent", _action_items),
    Block("my-complaints", _l("Complaints I own"), "agent", _my_complaints),
    Block("wish-calls", _l("Wish callbacks due today and overdue"), "agent", _wish_calls),
    Block("my-follow-ups", _l("My follow-ups due today and overdue"), "manager", _my_follow_ups),
    Block("unowned", _l("Complaints waiting for an owner"), "manager", _unowned),
    Block("low-ratings", _l("Low ratings since yesterday"), "manager", _low_ratings),
    Block(
        "pending-compensation", _l("Compensation awaiting approval"), "admin", _pending_compensation
    ),
]
BY_NAME = {block.name: block for block in BLOCKS}


def visible_blocks(user: User) -> list[Block]:
    return [block for block in BLOCKS if user.has_role(block.role)]
