"""The agenda that builds itself: what to discuss, in which order, and how long each part may take.

The data comes from the team's own support queue through ``complaints.briefs`` (read-only; the
dependency runs one way, standup → complaints) and, when that feature is installed, from
``wishes.briefs``. Sections with nothing to discuss are left out, so the meeting's
minutes go where there is something to say; the timeboxes are then scaled so that they add up to
exactly the team's timebox.
"""

import logging
from dataclasses import asdict, dataclass, field, is_dataclass
from datetime import date, datetime
from decimal import Decimal

from complaints import briefs
from core.away import away_on
from standup.titles import item_title
from wishes import briefs as wishes_briefs

log = logging.getLogger(__name__)

ORDER = ("carried", "overnight", "follow_ups", "wishes", "action_items", "check_ins", "parking_lot")
# Base shares of the meeting before scaling to the team's timebox (check-ins: per expected member).
BASE_SECONDS = {
    "carried": 60,
    "overnight": 120,
    "follow_ups": 180,
    "wishes": 120,
    "action_items": 120,
    "check_ins": 60,
    "parking_lot": 60,
}
OVERNIGHT_TOP = 5
FOLLOW_UPS_SHOWN = 10
FOLLOW_UP_WITHIN_HOURS = 4
STEP_SECONDS = 15  # whole quarter minutes: what the timers read is what the minutes box holds


@dataclass
class ItemPlan:
    kind: str
    refs: dict
    weight_seconds: int
    timebox_seconds: int = 0
    carried_from_id: int | None = None

    @property
    def title(self) -> str:
        """Written for whoever reads it (``standup.titles``); never stored."""
        return item_title(self.kind, self.refs)


@dataclass
class AgendaInputs:
    """Everything the plan needs besides the complaint data, already loaded by the caller."""

    team: object
    on: date
    since: datetime
    now: datetime
    members: list[tuple[int, str]]  # expected members (not away), in rotation order
    open_action_items: list[dict] = field(default_factory=list)
    open_topics: list[dict] = field(default_factory=list)
    unreached: list[object] = field(default_factory=list)  # AgendaItem rows of the last stand-up
    previous_on: date | None = None


def jsonable(value):
    """Dataclasses, dates and decimals as plain JSON values, for ``refs``."""
    if is_dataclass(value) and not isinstance(value, type):
        return jsonable(asdict(value))
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _complaints(found: list[briefs.ComplaintBrief], inputs: "AgendaInputs") -> list[dict]:
    """The complaints as the board shows them, each owner away on the stand-up's day flagged."""
    away = away_on((b.owner_id for b in found), inputs.on)
    return [_complaint(b, inputs.now, b.owner_id in away) for b in found]


def _complaint(brief: briefs.ComplaintBrief, now: datetime, owner_away: bool) -> dict:
    """What the board shows of a complaint: never the client's e-mail or phone (briefs have none)."""
    return {
        "id": brief.id,
        "client_name": brief.client_name,
        # Kept as data; written in the reader's language when shown (``complaint_summary``).
        "summary_words": brief.summary,
        "summary_kind": brief.summary_kind,
        "summary_params": brief.summary_params,
        "status": brief.status,
        "owner_name": brief.owner_name,
        # The owner marked the stand-up's day as away: someone else must follow it up (#17).
        "owner_away": owner_away,
        "opened_at": brief.opened_at.isoformat(),
        "due_at": brief.due_at.isoformat(),
        "age_days": brief.age_days,
        "overdue": brief.due_at < now,
    }


def overnight_section(inputs: AgendaInputs) -> ItemPlan | None:
    found = briefs.overnight(inputs.team.id, inputs.since, inputs.now, top=OVERNIGHT_TOP)
    if not found.complaints_opened and not found.low_ratings:
        return None
    refs = {
        "complaints_opened": found.complaints_opened,
        "low_ratings": found.low_ratings,
        "since": inputs.since.isoformat(),
        "until": inputs.now.isoformat(),
        "complaints": _complaints(found.top, inputs),
    }
    return ItemPlan("overnight", refs, BASE_SECONDS["overnight"])


def follow_ups_section(inputs: AgendaInputs) -> ItemPlan | None:
    due = briefs.follow_ups_due(
        inputs.team.id,
        inputs.now,
        within_hours=FOLLOW_UP_WITHIN_HOURS,
        limit=FOLLOW_UPS_SHOWN + 1,
    )
    if not due:
        return None
    shown = due[:FOLLOW_UPS_SHOWN]
    more = len(due) > FOLLOW_UPS_SHOWN
    refs = {"complaints": _complaints(shown, inputs), "more": more}
    return ItemPlan("follow_ups", refs, BASE_SECONDS["follow_ups"])


def wishes_section(inputs: AgendaInputs) -> ItemPlan | None:
    """Wishes due for review (on the review day and its eve) and callbacks due or overdue."""

    team, on = inputs.team, inputs.on
    for_review = (
        wishes_briefs.wishes_for_review(team.id, on)
        if wishes_briefs.is_review_eve_or_day(team, on)
        else []
    )
    callbacks = wishes_briefs.callbacks_due(team.id, inputs.now)
    if not for_review and not callbacks:
        return None
    # Callbacks whose owner is away on the stand-up's day are flagged, as complaints are (#17).
    away = away_on((c.agent_id for c in callbacks), on)
    refs = {
        "wishes": jsonable(list(for_review)),
        "callbacks": [{**jsonable(c), "owner_away": c.agent_id in away} for c in callbacks],
    }
    return ItemPlan("wishes", refs, BASE_SECONDS["wishes"])


def action_items_section(inputs: AgendaInputs) -> ItemPlan | None:
    if not inputs.open_action_items:
        return None
    return ItemPlan(
        "action_items",
        {"action_items": inputs.open_action_items},
        BASE_SECONDS["action_items"],
    )


def check_ins_section(inputs: AgendaInputs) -> ItemPlan | None:
    if not inputs.members:
        return None
    members = [{"id": user_id, "name": name} for user_id, name in inputs.members]
    return ItemPlan(
        "check_ins",
        {"members": members},
        BASE_SECONDS["check_ins"] * len(members),
    )


def parking_lot_section(inputs: AgendaInputs) -> ItemPlan:
    """Always on the agenda, even empty: topics raised during the meeting need a slot at its end."""
    return ItemPlan(
        "parking_lot",
        {"topics": inputs.open_topics},
        BASE_SECONDS["parking_lot"],
    )


CARRIED_KINDS = ("carried", "overnight", "wishes")


def carried_sections(inputs: AgendaInputs) -> list[ItemPlan]:
    """Unreached items of the last stand-up that would otherwise be lost.

    Follow-ups, action items, check-ins and parking-lot topics come back by themselves (they are
    read afresh every day until handled); an overnight or wish section is a snapshot of a window
    that has moved on, so it is carried forward explicitly until someone reaches it.
    """
    plans = []
    for item in inputs.unreached:
        if item.kind not in CARRIED_KINDS:
            continue
        original_kind = item.refs.get("original_kind", item.kind)
        from_on = item.refs.get("from_on") or (
            inputs.previous_on.isoformat() if inputs.previous_on else None
        )
        refs = {
            **item.refs,
            "original_kind": original_kind,
            "from_on": from_on,
        }
        plans.append(
            ItemPlan(
                "carried",
                refs,
                BASE_SECONDS["carried"],
                carried_from_id=item.id,
            )
        )
    return plans


# The lists of refs that name a subject (a complaint, a wish, a callback, an action item).
SUBJECT_LISTS = {
    "complaints": "complaint",
    "wishes": "wish",
    "callbacks": "callback",
    "action_items": "action_item",
}


def _subjects(refs: dict) -> set[tuple[str, object]]:
    return {
        (subject, entry.get("id"))
        for key, subject in SUBJECT_LISTS.items()
        for entry in refs.get(key) or []
        if isinstance(entry, dict) and entry.get("id") is not None
    }


def _without(plan: ItemPlan, seen: set) -> ItemPlan | None:
    """``plan`` without the subjects already ``seen`` on the agenda; None when nothing else is left.

    An overnight section also stands for its counts: it stays while it opened more complaints than
    the ones it loses, or had low ratings beyond them.
    """
    listed = _subjects(plan.refs)
    repeated = listed & seen
    if not repeated:
        return plan
    refs = dict(plan.refs)
    for key, subject in SUBJECT_LISTS.items():
        if key in refs and isinstance(refs[key], list):
            refs[key] = [
                e
                for e in refs[key]
                if not isinstance(e, dict) or (subject, e.get("id")) not in seen
            ]
    if listed <= seen:
        kind = plan.refs.get("original_kind", plan.kind)
        if kind != "overnight" or plan.refs.get("complaints_opened", 0) <= len(repeated):
            return None
    return ItemPlan(plan.kind, refs, plan.weight_seconds, carried_from_id=plan.carried_from_id)


def dedupe(plans: list[ItemPlan]) -> list[ItemPlan]:
    """Each complaint, wish, callback or action item once on the agenda (issue #17).

    Carried items come first, so a subject the last meeting never reached and today's data finds
    again is kept in the carried item (marked "Carried over") and left out of today's section; a
    section (or an older carried item) with nothing else left is dropped. Today's own sections
    may share a subject (a complaint opened overnight and due this morning): each tells another
    thing about it.
    """
    seen: set = set()
    kept = []
    for plan in plans:
        plan = _without(plan, seen)
        if plan is None:
            continue
        if plan.kind == "carried":
            seen |= _subjects(plan.refs)
        kept.append(plan)
    return kept


def build(inputs: AgendaInputs) -> list[ItemPlan]:
    """The agenda in its fixed order, with timeboxes that add up to the team's timebox."""
    plans = carried_sections(inputs)
    for section in (
        overnight_section,
        follow_ups_section,
        wishes_section,
        action_items_section,
        check_ins_section,
        parking_lot_section,
    ):
        plan = section(inputs)
        if plan is not None:
            plans.append(plan)
    plans = dedupe(plans)
    fit(plans, inputs.team.timebox_minutes * 60)
    return plans


def fit(plans: list, total_seconds: int, fixed: set[int] | frozenset = frozenset()) -> None:
    """Scale the timeboxes so they add up to ``total_seconds``.

    Items whose index is in ``fixed`` (timeboxes a person edited) keep theirs as long as they fit;
    the others share what is left in proportion to their weight, in whole steps, and rounding
    leftovers go to the check-ins (or the last item), so the total is exact.
    """
    if not plans:
        return
    kept = sum(plans[i].timebox_seconds for i in fixed)
    if kept > total_seconds:
        fixed, kept = frozenset(), 0
    free = [i for i in range(len(plans)) if i not in fixed]
    if not free:
        return
    budget = total_seconds - kept
    weights = sum(max(plans[i].weight_seconds, 1) for i in free)
    for i in free:
        share = budget * max(plans[i].weight_seconds, 1) / weights
        plans[i].timebox_seconds = int(share // STEP_SECONDS) * STEP_SECONDS
    leftover = total_seconds - sum(p.timebox_seconds for p in plans)
    target = next((i for i in free if plans[i].kind == "check_ins"), free[-1])
    plans[target].timebox_seconds += leftover
