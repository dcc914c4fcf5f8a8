"""What a stand-up allows: who may run it or add to it, and what text and moods it accepts.

The writes in ``standup.services`` check these before changing anything; the board asks the same
predicates to decide which controls to show, so a button is offered exactly when its write would be
accepted. Every refusal is a ``StandupError`` (a ``core.errors.RuleError``): uncaught, the core
handler answers it with its ``status``.
"""

from datetime import datetime, timedelta

from flask_babel import format_decimal
from flask_babel import gettext as _

from core.errors import Forbidden, NotFound, RuleError
from core.models import User
from standup import queries
from standup.models import Standup

TEXT_MAX = 2000
ITEM_TEXT_MAX = 500
# How long "End the stand-up" can be undone; the Slack summary waits as long.
UNDO_END = timedelta(minutes=2)

# The faces Slack's check-in offers (🙂😐😟), on the board's 1–5 scale.
EMOJI_MOODS = {"🙂": 4, "😐": 3, "😟": 2}


class StandupError(RuleError):
    """A stand-up rule said no (see ``core.errors.RuleError``)."""


class StandupNotFound(StandupError, NotFound):
    """What the request names does not exist (answered 404 when no view catches it)."""


class StandupForbidden(StandupError, Forbidden):
    """This person may not do that (answered 403 when no view catches it)."""


def can_contribute(user: User, standup: Standup) -> bool:
    """Team members (and managers of any team) add action items, topics and decisions."""
    return user.team_id == standup.team_id or user.has_role("manager")


def can_facilitate(user: User, standup: Standup, away_ids: set[int] | None = None) -> bool:
    """The facilitator runs the meeting; a manager may too, and any member when the facilitator
    is away (or there is none), so a meeting is never stuck waiting for one person."""
    if user.id == standup.facilitator_id or user.has_role("manager"):
        return True
    if user.team_id != standup.team_id:
        return False
    if standup.facilitator_id is None:
        return True
    if away_ids is None:
        away_ids = queries.away_on([standup.facilitator_id], standup.on)
    return standup.facilitator_id in away_ids


def require_facilitator(user: User, standup: Standup) -> None:
    if not can_facilitate(user, standup):
        raise StandupError(_("Only the facilitator or a manager runs the meeting."))


def require_contributor(user: User, standup: Standup) -> None:
    if not can_contribute(user, standup):
        raise StandupError(_("Only members of this team can add to its stand-up."))


def undo_until(standup: Standup) -> datetime | None:
    """Until when an ended stand-up may be reopened: only one a person ended by hand, for
    ``UNDO_END`` (a misclick on "End the stand-up" next to "Next item" costs nothing)."""
    if standup.status != "ended" or standup.ended_by_id is None or standup.ended_at is None:
        return None
    if standup.end_reason not in ("facilitator", "not_held"):
        return None
    return standup.ended_at + UNDO_END


def require_not_ended(standup: Standup) -> None:
    if standup.status == "ended":
        raise StandupError(_("This stand-up has ended."))


def clean(text: str | None, field: str, limit: int = TEXT_MAX) -> str:
    """``text`` stripped, or a refusal naming ``field`` when it is longer than ``limit``."""
    text = (text or "").strip()
    if len(text) > limit:
        # the limit as the reader writes numbers (2 000 in Russian), as core.validators does
        raise StandupError(_("Keep it under %(n)s characters.", n=format_decimal(limit)), field)
    return text


def mood(value: int | str | None) -> int | None:
    """A mood from 1 to 5, or None; Slack hands it over as text: a digit or one of its faces."""
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        value = EMOJI_MOODS.get(text) or (int(text) if len(text) == 1 and text in "12345" else -1)
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5
    ):
        raise StandupError(_("Mood is a number from 1 to 5."), "mood")
    return value


# What people write in "blockers" when they have none, in the four languages Huddle speaks.
NO_BLOCKER_WORDS = frozenset(
    {
        *("none", "nothing", "no", "nope", "n/a", "na", "-", "—", "–", "nothing blocking"),
        *("nada", "nenhum", "nenhuma", "não", "nao", "sem bloqueios", "nada bloqueando"),
        *("ninguno", "ninguna", "sin bloqueos", "nada me bloquea"),
        *("нет", "ничего", "никаких", "ничто", "нету", "без блокеров"),
    }
)


def is_blocker(text: str | None) -> bool:
    """A check-in's blockers name one, unless they are empty or say "none" in some language."""
    cleaned = (text or "").strip().strip(".!").strip().lower()
    return bool(cleaned) and cleaned not in NO_BLOCKER_WORDS
