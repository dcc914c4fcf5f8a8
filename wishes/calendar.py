"""Dates of the wish review and of callbacks, each in the team's own timezone and working week.

An agent in São Paulo at 22:00 on Monday is already on Tuesday in Moscow: "when is the review" and
"when must we call back" are always answered on the team's local calendar, never the server's.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from flask import current_app

from core.config import WEEKDAYS
from core.database import utcnow
from core.extensions import db
from wishes.models import WishReview

CALLBACK_WORKING_DAYS = 2
DEFAULT_WORKDAYS = "12345"


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_today(timezone: str | None, now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(zone(timezone)).date()


def team_today(team, now: datetime | None = None) -> date:
    """Today on the team's calendar (UTC for work that belongs to no team, such as API wishes)."""
    return local_today(getattr(team, "timezone", None), now)


def review_weekday() -> int:
    """The configured review day as Python's weekday number (Monday = 0)."""
    return WEEKDAYS.index(current_app.config["WISH_REVIEW_DAY"])


def workdays(team) -> set[int]:
    """The team's working weekdays as Python weekday numbers; ``Team.workdays`` holds ISO numbers."""
    iso = getattr(team, "workdays", None) or DEFAULT_WORKDAYS
    days = {int(ch) - 1 for ch in iso if ch.isdigit() and 1 <= int(ch) <= 7}
    return days or {0, 1, 2, 3, 4}


def add_working_days(start: date, count: int, team) -> date:
    """The date ``count`` working days after ``start`` (a weekend decision counts from Monday)."""
    working = workdays(team)
    day = start
    added = 0
    while added < count:
        day += timedelta(days=1)
        if day.weekday() in working:
            added += 1
    return day


def next_review_on(team, today: date | None = None) -> date:
    """The date of the team's next wish review: today when today (team-local) is the review day.

    Once today's review has been closed, new wishes wait for next week's: telling a client "today"
    after the meeting is over would be a promise nobody keeps.
    """
    today = today or team_today(team)
    ahead = (review_weekday() - today.weekday()) % 7
    review_on = today + timedelta(days=ahead)
    if ahead == 0 and getattr(team, "id", None) is not None and _closed(team.id, review_on):
        review_on += timedelta(days=7)
    return review_on


def is_review_eve_or_day(team, on: date) -> bool:
    """True on the review day and on the working day before it (when the agenda should mention it)."""
    review_day = review_weekday()
    if on.weekday() == review_day:
        return True
    working = workdays(team)
    day = on
    for _ in range(7):
        day += timedelta(days=1)
        if day.weekday() == review_day:
            return True
        if day.weekday() in working:
            return False
    return False


def get_review(team_id: int, review_on: date) -> WishReview | None:
    """The team's review of that date, if its first decision has opened it (a GET never writes)."""
    return db.session.scalar(
        sa.select(WishReview).where(
            WishReview.team_id == team_id, WishReview.review_on == review_on
        )
    )


def _closed(team_id: int, review_on: date) -> bool:
    review = get_review(team_id, review_on)
    return review is not None and review.status == "closed"
