"""Undoing "End the stand-up": a misclick beside "Next item" costs nothing for ``rules.UNDO_END``.

Kept beside ``standup.services`` (which ends meetings) so that module stays readable; the Slack
summary of an end by hand waits for the same window (``core.signals.standup_ended``'s
``undo_until``), so withdrawing it here keeps it posted once.
"""

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from core import audit
from core.database import utcnow
from core.extensions import db
from core.models import User
from core.signals import standup_reopened
from standup import queries, rules
from standup.models import Attendance, ParkingLotItem, Standup
from standup.rules import StandupError


def undo_end(standup: Standup, actor: User, now: datetime | None = None) -> Standup:
    """Reopen a stand-up ended by hand less than ``rules.UNDO_END`` ago, as it was; commits.

    The item that was running runs again (from where it was), topics marked discussed by the end
    are open again, the stored summary is dropped and ``standup_reopened`` withdraws the Slack
    post, which has not left yet: it waits for the undo window (see ``core.signals``).

    The minutes it stood ended were no meeting: the meeting's and the running item's clocks, and
    the timebox's end, move on by them (``_resume_clocks``), so the clocks go on from where they
    stopped and its length in the summary and Insights leaves them out.
    """
    now = now or utcnow()
    rules.require_facilitator(actor, standup)
    until = rules.undo_until(standup)
    if until is None or now >= until:
        raise StandupError(_("This stand-up can no longer be reopened."))
    if standup.auto_end_at is not None and standup.auto_end_at <= now:
        raise StandupError(_("The timebox has run out: the stand-up cannot be reopened."))
    ended_at = standup.ended_at
    running = [
        item
        for item in queries.agenda_items(standup.id)
        if item.started_at is not None and item.ended_at == ended_at
    ]
    for item in running:
        item.ended_at = None
    _resume_clocks(standup, running, now - ended_at)
    db.session.execute(
        sa.update(ParkingLotItem)
        .where(
            ParkingLotItem.discussed_standup_id == standup.id,
            ParkingLotItem.discussed_at == ended_at,
        )
        .values(discussed_at=None, discussed_standup_id=None)
    )
    standup.status = "live" if standup.started_at is not None else "planned"
    standup.current_position = running[0].position if running else None
    standup.ended_at = standup.end_reason = standup.ended_by_id = standup.summary = None
    standup.version = (standup.version or 0) + 1  # the watching screens see it
    audit.record(actor.id, "standup", standup.id, "end_undone", ended_at=ended_at.isoformat())
    db.session.flush()
    standup_reopened.send(current_app._get_current_object(), standup=standup)
    db.session.commit()
    return standup


def _resume_clocks(standup: Standup, running: list, pause: timedelta) -> None:
    """Move the clocks' starts on by ``pause``. The absences the start wrote are marked at the
    start itself, and only those are lifted by watching the board (``standup.watching``): they
    move with it."""
    if standup.started_at is None:
        return
    db.session.execute(
        sa.update(Attendance)
        .where(Attendance.standup_id == standup.id, Attendance.marked_at == standup.started_at)
        .values(marked_at=standup.started_at + pause)
    )
    standup.started_at += pause
    if standup.auto_end_at is not None:
        standup.auto_end_at += pause
    for item in running:
        item.started_at += pause
