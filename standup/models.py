"""Teams and their stand-up schedule."""

from datetime import datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from dashboard.database import UTCDateTime, utcnow
from dashboard.extensions import db


class Team(db.Model):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    slack_channel: Mapped[str | None] = mapped_column(sa.String(80))
    standup_time: Mapped[time] = mapped_column(sa.Time, default=time(9, 30))
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    # ISO weekday numbers (1 = Monday) as a compact string, e.g. "12345".
    workdays: Mapped[str] = mapped_column(sa.String(7), default="12345")
    timebox_minutes: Mapped[int] = mapped_column(default=15)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Team {self.slug}>"
