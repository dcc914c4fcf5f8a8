"""A manager's own follow-ups: their open complaints overdue or due before the end of their today,
on My follow-ups and in Today's block (the open list, for everyone, is ``listing``)."""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa

from complaints.briefs import ComplaintBrief, brief_select, fetch_briefs
from complaints.models import IS_OPEN, Complaint
from core.extensions import db

FOLLOW_UP_LIMIT = 200


@dataclass
class FollowUps:
    """The first ``FOLLOW_UP_LIMIT`` follow-ups, and how many there are in all: a page showing the
    first part says so and counts the whole, never the part. Uncounted (``None``) where the
    caller only says that there are more (``more``)."""

    overdue: list[ComplaintBrief]
    due_today: list[ComplaintBrief]
    overdue_count: int | None
    due_today_count: int | None
    more: bool = False  # more are due than these

    @property
    def shown(self) -> int:
        return len(self.overdue) + len(self.due_today)

    @property
    def total(self) -> int | None:
        if self.overdue_count is None or self.due_today_count is None:
            return None
        return self.overdue_count + self.due_today_count


# Built once, its values bound: My follow-ups and Today's block ask on every view (issue #16).
_FOLLOW_UPS = (
    brief_select()
    .where(
        Complaint.owner_id == sa.bindparam("owner_id"),
        IS_OPEN,
        Complaint.due_at < sa.bindparam("end_of_today"),
    )
    .order_by(Complaint.due_at, Complaint.id)
    .limit(sa.bindparam("limit"))
)


def my_follow_ups(
    owner_id: int, now: datetime, zone, limit: int | None = None, counted: bool = True
) -> FollowUps:
    """A manager's open complaints overdue or due before the end of their today, most overdue first.

    ``zone`` is the viewer's timezone (pytz, as Flask-Babel gives it): "today" is theirs, not the
    server's. At most ``limit`` (``FOLLOW_UP_LIMIT`` unless told) are read; when there are more,
    one count over the owner's (owner, open, due) index range gives the true numbers, unless not
    ``counted``: that count reads the whole range (3 ms for 30,000 at a million complaints), so
    Today's block, which shows 20 and links this page, only says there are more.
    """
    limit = FOLLOW_UP_LIMIT if limit is None else limit
    tomorrow = now.astimezone(zone).date() + timedelta(days=1)
    end_of_today = zone.localize(datetime.combine(tomorrow, time())).astimezone(UTC)
    values = {"owner_id": owner_id, "end_of_today": end_of_today, "limit": limit + 1}
    items = fetch_briefs(_FOLLOW_UPS, now, values)
    overdue = [c for c in items[:limit] if c.due_at < now]
    due_today = [c for c in items[:limit] if c.due_at >= now]
    if len(items) <= limit:
        return FollowUps(overdue, due_today, len(overdue), len(due_today))
    if not counted:
        return FollowUps(overdue, due_today, None, None, more=True)
    due = (Complaint.owner_id == owner_id, IS_OPEN, Complaint.due_at < end_of_today)
    total, late = db.session.execute(
        sa.select(sa.func.count(), sa.func.count().filter(Complaint.due_at < now)).where(*due)
    ).one()
    return FollowUps(overdue, due_today, late, total - late, more=True)
