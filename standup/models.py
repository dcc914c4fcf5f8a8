"""Teams and their stand-up schedule; stand-ups, their agenda, check-ins and what comes out of them.

Dates a team lives by (the stand-up's day, holidays, days away) are plain local dates (``*_on``);
instants are UTC-aware timestamps (``*_at``). A stand-up is unique per team and local date, which is
what makes preparing it idempotent even when the job and a person opening the board race.
"""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.database import UTCDateTime, utcnow
from core.extensions import db
from core.models import (
    AwayDay,  # noqa: F401  (in core since #17; still importable from here)
    Team,
)
from standup.titles import item_title

STATUSES = ("planned", "live", "ended")
# Why a stand-up ended: the facilitator said so, the timebox and grace ran out, or it never started.
END_REASONS = ("facilitator", "timebox", "not_held")
KINDS = ("carried", "overnight", "follow_ups", "wishes", "action_items", "check_ins", "parking_lot")


class Holiday(db.Model):
    """A day the team holds no stand-up (and nobody is reminded)."""

    __tablename__ = "team_holidays"
    __table_args__ = (sa.UniqueConstraint("team_id", "on", name="uq_team_holidays_team_id_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id", ondelete="CASCADE"))
    on: Mapped[date] = mapped_column(sa.Date)
    name: Mapped[str | None] = mapped_column(sa.String(120))


class RotationEntry(db.Model):
    """One member's place in the team's facilitator rotation."""

    __tablename__ = "team_rotation"
    __table_args__ = (
        sa.UniqueConstraint("team_id", "user_id", name="uq_team_rotation_team_id_user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]


class Standup(db.Model):
    """One team's meeting on one local date.

    ``version`` grows with every change anyone can see, so a watching screen asks "anything new
    since version N?" in one indexed lookup instead of re-rendering the board.
    """

    __tablename__ = "standups"
    __table_args__ = (
        sa.UniqueConstraint("team_id", "on", name="uq_standups_team_id_on"),
        sa.CheckConstraint(sa.column("status").in_(STATUSES), name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id"))
    on: Mapped[date] = mapped_column(sa.Date, index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="planned", index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The overnight window of this stand-up's agenda starts here (the previous stand-up).
    since_at: Mapped[datetime] = mapped_column(UTCDateTime)
    timebox_seconds: Mapped[int]
    facilitator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    auto_end_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    end_reason: Mapped[str | None] = mapped_column(sa.String(16))
    current_position: Mapped[int | None]
    summary: Mapped[dict | None] = mapped_column(sa.JSON)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    team = relationship(Team, lazy="joined", innerjoin=True)
    facilitator = relationship("User", foreign_keys=[facilitator_id], lazy="joined")
    # Who ended it by hand: a manager may run the meeting in an absent facilitator's place.
    ended_by = relationship("User", foreign_keys=[ended_by_id], lazy="joined")

    def __repr__(self) -> str:
        return f"<Standup {self.team_id} {self.on} {self.status}>"


class AgendaItem(db.Model):
    """One timeboxed slot of the agenda; ``refs`` is what it is about, as plain JSON.

    Data sections (overnight, follow-ups, wishes) keep a snapshot taken when the agenda was built
    and refreshed when the meeting starts: the board then renders from these rows alone, in a fixed
    number of queries however many complaints exist, and the history shows what was discussed.
    """

    __tablename__ = "agenda_items"
    __table_args__ = (
        sa.Index("ix_agenda_items_standup_id_position", "standup_id", "position"),
        sa.CheckConstraint(sa.column("kind").in_(KINDS), name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    standup_id: Mapped[int] = mapped_column(sa.ForeignKey("standups.id", ondelete="CASCADE"))
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(sa.String(20))
    # Kept empty: the title is written when shown, from kind and refs (``standup.titles``).
    stored_title: Mapped[str] = mapped_column("title", sa.String(300), default="")
    timebox_seconds: Mapped[int]
    timebox_edited: Mapped[bool] = mapped_column(default=False)
    refs: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The unreached item of an earlier stand-up this one carries forward.
    carried_from_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("agenda_items.id", ondelete="SET NULL"), index=True
    )

    @property
    def title(self) -> str:
        return item_title(self.kind, self.refs)


class CheckIn(db.Model):
    __tablename__ = "check_ins"
    __table_args__ = (
        sa.UniqueConstraint("standup_id", "user_id", name="uq_check_ins_standup_id_user_id"),
        sa.CheckConstraint("mood IS NULL OR mood BETWEEN 1 AND 5", name="mood_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    standup_id: Mapped[int] = mapped_column(sa.ForeignKey("standups.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    yesterday: Mapped[str] = mapped_column(sa.Text, default="")
    today: Mapped[str] = mapped_column(sa.Text, default="")
    blockers: Mapped[str] = mapped_column(sa.Text, default="")
    mood: Mapped[int | None]
    source: Mapped[str] = mapped_column(sa.String(16), default="board")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User", lazy="joined")


class Attendance(db.Model):
    __tablename__ = "standup_attendance"
    __table_args__ = (
        sa.UniqueConstraint(
            "standup_id", "user_id", name="uq_standup_attendance_standup_id_user_id"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    standup_id: Mapped[int] = mapped_column(sa.ForeignKey("standups.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    present: Mapped[bool] = mapped_column(default=True)
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    marked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


class ActionItem(db.Model):
    """Something a person promised at a stand-up: on every agenda until it is done, never dropped."""

    __tablename__ = "action_items"
    __table_args__ = (sa.Index("ix_action_items_team_id_done_at", "team_id", "done_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id"))
    standup_id: Mapped[int] = mapped_column(sa.ForeignKey("standups.id"), index=True)
    text: Mapped[str] = mapped_column(sa.String(500))
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    due_on: Mapped[date | None] = mapped_column(sa.Date)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    owner = relationship("User", foreign_keys=[owner_id], lazy="joined")


class ParkingLotItem(db.Model):
    """A topic raised for after the meeting; it stays on the agenda until it has been discussed."""

    __tablename__ = "parking_lot_items"
    __table_args__ = (
        sa.Index("ix_parking_lot_items_team_id_discussed_at", "team_id", "discussed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id"))
    standup_id: Mapped[int] = mapped_column(sa.ForeignKey("standups.id"), index=True)
    topic: Mapped[str] = mapped_column(sa.String(500))
    raised_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    discussed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    discussed_standup_id: Mapped[int | None] = mapped_column(sa.ForeignKey("standups.id"))

    raised_by = relationship("User", foreign_keys=[raised_by_id], lazy="joined")


class Decision(db.Model):
    """A decision taken during the stand-up, for the summary and the history search."""

    __tablename__ = "standup_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    standup_id: Mapped[int] = mapped_column(
        sa.ForeignKey("standups.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(sa.String(500))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
