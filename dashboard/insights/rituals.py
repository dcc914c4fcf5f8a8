"""Rituals: are the stand-ups held and short, do people take part, are promises kept?

Every figure is an SQL aggregate (a fixed handful of queries). Only the per-meeting durations come
back as one column, because the median is computed the same way on SQLite and PostgreSQL in Python.
"""

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from core.extensions import db
from core.models import Team, User
from dashboard.insights.periods import Period, percentile, share
from standup.models import ActionItem, Attendance, CheckIn, Holiday, Standup
from wishes.models import Callback, WishDecision, WishRequest


@dataclass(frozen=True)
class PersonRate:
    name: str
    meetings: int
    attended: int
    checked_in: int

    @property
    def attendance(self) -> float | None:
        return share(self.attended, self.meetings)

    @property
    def check_in_rate(self) -> float | None:
        return share(self.checked_in, self.meetings)


@dataclass(frozen=True)
class Rituals:
    workdays: int
    held: int
    median_minutes: float | None
    median_timebox_minutes: float | None
    people: list[PersonRate]
    action_items_due: int
    action_items_on_time: int
    requests_reached: int
    wishes_decided: int
    already_possible: int
    callbacks_due: int
    callbacks_on_time: int

    @property
    def held_share(self) -> float | None:
        return share(self.held, self.workdays)

    @property
    def action_items_on_time_share(self) -> float | None:
        return share(self.action_items_on_time, self.action_items_due)

    @property
    def callbacks_on_time_share(self) -> float | None:
        return share(self.callbacks_on_time, self.callbacks_due)


def _team(statement, column, team_id):
    return statement if team_id is None else statement.where(column == team_id)


def _workdays(period: Period, team_id: int | None) -> int:
    """Each team's workdays in the period, less its holidays (two small queries)."""
    teams = db.session.execute(_team(sa.select(Team.id, Team.workdays), Team.id, team_id)).all()
    holidays = set(
        db.session.execute(
            _team(
                sa.select(Holiday.team_id, Holiday.on).where(
                    Holiday.on >= period.start_on, Holiday.on <= period.end_on
                ),
                Holiday.team_id,
                team_id,
            )
        ).all()
    )
    days = [
        period.start_on + timedelta(days=n)
        for n in range((period.end_on - period.start_on).days + 1)
    ]
    return sum(
        1
        for team_id_, workdays in teams
        for day in days
        if str(day.isoweekday()) in workdays and (team_id_, day) not in holidays
    )


def compute(period: Period, team_id: int | None) -> Rituals:
    in_period = sa.and_(Standup.on >= period.start_on, Standup.on <= period.end_on)
    held = _team(
        sa.select(
            Standup.id,
            Standup.team_id,
            Standup.started_at,
            Standup.ended_at,
            Standup.timebox_seconds,
        ).where(in_period, Standup.started_at.is_not(None)),
        Standup.team_id,
        team_id,
    )
    meetings = db.session.execute(held).all()
    durations = sorted(
        (row.ended_at - row.started_at).total_seconds() / 60 for row in meetings if row.ended_at
    )
    timeboxes = sorted(row.timebox_seconds / 60 for row in meetings)

    held_ids = held.with_only_columns(Standup.id).scalar_subquery()
    held_per_team = (
        sa.select(Standup.team_id, sa.func.count().label("n"))
        .where(Standup.id.in_(held_ids))
        .group_by(Standup.team_id)
    ).subquery()
    attended = (
        sa.select(Attendance.user_id, sa.func.count().label("n"))
        .where(Attendance.standup_id.in_(held_ids), Attendance.present.is_(True))
        .group_by(Attendance.user_id)
        .subquery()
    )
    checked = (
        sa.select(CheckIn.user_id, sa.func.count().label("n"))
        .where(CheckIn.standup_id.in_(held_ids))
        .group_by(CheckIn.user_id)
        .subquery()
    )
    people_rows = db.session.execute(
        _team(
            sa.select(
                User.name,
                held_per_team.c.n,
                sa.func.coalesce(attended.c.n, 0),
                sa.func.coalesce(checked.c.n, 0),
            )
            .join(held_per_team, held_per_team.c.team_id == User.team_id)
            .outerjoin(attended, attended.c.user_id == User.id)
            .outerjoin(checked, checked.c.user_id == User.id)
            .where(User.active.is_(True))
            .order_by(User.name),
            User.team_id,
            team_id,
        )
    ).all()

    due_items = _team(
        sa.select(
            sa.func.count(),
            sa.func.count(ActionItem.id).filter(
                ActionItem.done_at.is_not(None), ActionItem.done_at < _day_after(ActionItem.due_on)
            ),
        ).where(ActionItem.due_on >= period.start_on, ActionItem.due_on <= period.end_on),
        ActionItem.team_id,
        team_id,
    )
    items_due, items_on_time = db.session.execute(due_items).one()

    # Wish decisions belong to the whole support desk, not one team: counted for every team choice.
    decided = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.count(WishDecision.id).filter(WishDecision.outcome == "already_possible"),
        )
        .select_from(WishDecision)
        .where(WishDecision.decided_at >= period.start_at, WishDecision.decided_at < period.end_at)
    ).one()
    callbacks = _callbacks_on_time(period, team_id)
    return Rituals(
        workdays=_workdays(period, team_id),
        held=len(meetings),
        median_minutes=percentile(durations, 0.5),
        median_timebox_minutes=percentile(timeboxes, 0.5),
        people=[PersonRate(name, n, a, c) for name, n, a, c in people_rows],
        action_items_due=items_due,
        action_items_on_time=items_on_time,
        requests_reached=_requests_reached(period),
        wishes_decided=decided[0],
        already_possible=decided[1],
        callbacks_due=callbacks[0],
        callbacks_on_time=callbacks[1],
    )


def _requests_reached(period: Period) -> int:
    """Wishes whose threshold-th distinct client asked within the period: they became real requests."""
    numbered = sa.select(
        WishRequest.asked_at,
        sa.func.row_number()
        .over(partition_by=WishRequest.wish_id, order_by=(WishRequest.asked_at, WishRequest.id))
        .label("n"),
    ).subquery()
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            numbered.c.n == current_app.config["WISH_THRESHOLD"],
            numbered.c.asked_at >= period.start_at,
            numbered.c.asked_at < period.end_at,
        )
    )


def _callbacks_on_time(period: Period, team_id: int | None):
    return db.session.execute(
        _team(
            sa.select(
                sa.func.count(),
                sa.func.count(Callback.id).filter(
                    Callback.done_at.is_not(None), Callback.done_at < _day_after(Callback.due_on)
                ),
            ).where(Callback.due_on >= period.start_on, Callback.due_on <= period.end_on),
            Callback.team_id,
            team_id,
        )
    ).one()


def _day_after(day_column):
    """The first instant after a due date (UTC midnight), as an SQL expression on either backend."""
    if db.engine.dialect.name == "sqlite":
        return sa.func.datetime(day_column, "+1 day")
    return sa.cast(day_column, sa.DateTime) + sa.text("interval '1 day'")
