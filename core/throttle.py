"""Counting events per key in a sliding window, shared by every app instance through the database."""

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.database import UTCDateTime, utcnow
from core.extensions import db


class ThrottleHit(db.Model):
    """One counted event (a failed login, a public form post) for rate limiting.

    Kept in the database rather than in process memory so that the limit holds across several
    gunicorn workers and app instances sharing one PostgreSQL.
    """

    __tablename__ = "throttle_hits"
    __table_args__ = (sa.Index("ix_throttle_hits_bucket_key_at", "bucket", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bucket: Mapped[str] = mapped_column(sa.String(40))
    key: Mapped[str] = mapped_column(sa.String(254))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


def count_recent(bucket: str, key: str, window_seconds: int) -> int:
    since = utcnow() - timedelta(seconds=window_seconds)
    query = sa.select(sa.func.count()).where(
        ThrottleHit.bucket == bucket, ThrottleHit.key == key, ThrottleHit.at >= since
    )
    return db.session.scalar(query) or 0


def is_limited(bucket: str, key: str, limit: int, window_seconds: int) -> bool:
    return count_recent(bucket, key, window_seconds) >= limit


def record(bucket: str, key: str) -> None:
    """Count one event; the caller commits it together with (or instead of) its own change."""
    db.session.add(ThrottleHit(bucket=bucket, key=key[:254]))


def clear(bucket: str, key: str) -> None:
    db.session.execute(
        sa.delete(ThrottleHit).where(ThrottleHit.bucket == bucket, ThrottleHit.key == key)
    )


def prune(older_than_seconds: int = 24 * 3600) -> int:
    """Drop hits older than any window in use, so the table stays small."""
    cutoff = utcnow() - timedelta(seconds=older_than_seconds)
    result = db.session.execute(sa.delete(ThrottleHit).where(ThrottleHit.at < cutoff))
    return result.rowcount or 0
