"""Which complaints' low-rating alerts were escalated to the head of support (#17).

The claim watch (``dashboard.scheduler.jobs.claim_watch``) escalates an alert nobody claimed in
time with one reply in the alert's Slack thread, queued once under ``escalation_key``. That queued
reply is the record of the escalation, so Today marks the complaint from it: no second flag to keep
in step.
"""

import sqlalchemy as sa

from complaints.models import Rating
from core.extensions import db
from dashboard.slack.models import OutboxMessage


def escalation_key(rating_id: int) -> str:
    """The outbox key of the escalation reply to the alert of rating ``rating_id``."""
    return f"low-rating:{rating_id}/unclaimed"


def escalated_complaints(complaint_ids) -> set[int]:
    """Of these complaints, the ones whose low-rating alert was escalated: two indexed lookups
    (ratings by complaint, outbox rows by their unique key), however many complaints exist."""
    ids = list(complaint_ids)
    if not ids:
        return set()
    keys = {
        escalation_key(rating_id): complaint_id
        for rating_id, complaint_id in db.session.execute(
            sa.select(Rating.id, Rating.complaint_id).where(Rating.complaint_id.in_(ids))
        )
    }
    if not keys:
        return set()
    found = db.session.scalars(
        sa.select(OutboxMessage.dedup_key).where(OutboxMessage.dedup_key.in_(keys))
    )
    return {keys[key] for key in found}
