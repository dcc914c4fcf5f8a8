"""Job runs: the claim (a lease) a scheduler takes before a job has any side effect."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.database import UTCDateTime, utcnow
from core.extensions import db


class JobRun(db.Model):
    """``(job, scheduled_for)`` is unique: the first scheduler to insert it runs the job.

    Two scheduler processes on one PostgreSQL both wake at 08:00; both try to insert
    ``("complaints-digest", 08:00)``; one gets an IntegrityError and skips. The row is committed
    before the job does anything. The claim is a lease: ``lease_expires_at`` is when a process that
    died mid-run (status still ``running``) gives the run up; such a run, or a ``failed`` one, may be
    claimed again while the job's grace period lasts. A ``done`` run is never run again (except on
    purpose: ``huddle jobs run NAME --at … --force``).
    """

    __tablename__ = "job_runs"
    __table_args__ = (
        sa.UniqueConstraint("job", "scheduled_for", name="uq_job_runs_job_scheduled"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(sa.String(80))
    scheduled_for: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(sa.String(10), default="running")
    detail: Mapped[str | None] = mapped_column(sa.Text)
    host: Mapped[str | None] = mapped_column(sa.String(120))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=1, server_default=sa.text("1"))
