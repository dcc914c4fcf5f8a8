"""Plain, read-only shapes of wishes for other packages (stand-up agenda, Slack, the client page).

They are frozen dataclasses, never ORM objects, so a caller cannot lazy-load (one query per row) or
change a wish by accident; and they carry no client e-mail or phone, so anything built from them is
safe to post to Slack.
"""

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class WishBrief:
    id: int
    title: str
    distinct_clients: int
    problems: list[str]  # the first few problems behind it, oldest first
    first_asked_at: datetime
    age_days: int
    # Extras with defaults, so callers built on the six fields above keep working.
    status: str = "open"
    decision: str | None = None  # the outcome code, once decided


@dataclass(frozen=True)
class CallbackBrief:
    id: int
    client_name: str
    wish_title: str
    decision: str  # the outcome code: wont_do, will_do, will_do_if_paid, ...
    due_on: date
    overdue: bool
    agent_id: int
    agent_name: str


@dataclass(frozen=True)
class DecisionBrief:
    wish_id: int
    title: str
    outcome: str
    reason: str
    terms: str | None
    distinct_clients: int
    clients_to_call: int
    decided_by_name: str = ""
    problems: list[str] = field(default_factory=list)
