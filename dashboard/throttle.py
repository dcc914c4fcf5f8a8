"""Counting events per key in a sliding window, shared by every app instance through the database."""

from datetime import timedelta

import sqlalchemy as sa

from dashboard.database import utcnow
from dashboard.extensions import db
from dashboard.models import ThrottleHit


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
