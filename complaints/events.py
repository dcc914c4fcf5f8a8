"""A complaint's audit trail, each event dated when its change happened.

Services pass the ``now`` they work with: the present on every page, but the demo writes a week of
believable past through the same services, and the complaint page must show that past, not the
moment the demo was loaded.
"""

from datetime import datetime

from core import audit


def record(
    actor_id: int | None, complaint_id: int, action: str, at: datetime, **details
) -> audit.AuditEvent:
    """Add an event to the current transaction (the caller commits it with the change)."""
    event = audit.record(actor_id, "complaint", complaint_id, action, **details)
    event.at = at
    return event
