"""Counting events per key, shared by every app instance through the database.

Two tools. ``ThrottleHit`` rows count events in a sliding window (the public write-to-us form).
``ThrottleCounter`` is one row per key whose count is raised by a single atomic upsert, so
simultaneous requests each get their own number and none slips past a limit (logins).
"""

import ipaddress
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from core.database import UTCDateTime, utcnow
from core.extensions import db

IPV6_SENDER_PREFIX = 64


def sender(address: str) -> str:
    """The key one sender's requests are counted under: an IPv4 address itself, an IPv6 address
    its /64 network. A host is given a whole /64 and may send from any address in it, so counted
    per address a flood of the public form (and guesses at a password) never reached a limit.
    An IPv4 address written as IPv6 (``::ffff:192.0.2.1``) is that IPv4 address; anything that
    is no address ("unknown") stays as it is."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/{IPV6_SENDER_PREFIX}", strict=False))
    return str(ip)


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
    """Drop hits and counters older than any window in use, so the tables stay small."""
    cutoff = utcnow() - timedelta(seconds=older_than_seconds)
    result = db.session.execute(sa.delete(ThrottleHit).where(ThrottleHit.at < cutoff))
    counters = db.session.execute(
        sa.delete(ThrottleCounter).where(
            ThrottleCounter.first_at < cutoff,
            sa.or_(ThrottleCounter.blocked_until.is_(None), ThrottleCounter.blocked_until < cutoff),
        )
    )
    return (result.rowcount or 0) + (counters.rowcount or 0)


class ThrottleCounter(db.Model):
    """Attempts under one key since ``first_at``; ``blocked_until`` holds off the next one."""

    __tablename__ = "throttle_counters"
    __table_args__ = (sa.UniqueConstraint("bucket", "key", name="uq_throttle_counters_bucket_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bucket: Mapped[str] = mapped_column(sa.String(40))
    key: Mapped[str] = mapped_column(sa.String(254))
    count: Mapped[int] = mapped_column(default=0)
    first_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


def blocked_until(bucket: str, key: str) -> datetime | None:
    return db.session.scalar(
        sa.select(ThrottleCounter.blocked_until).where(
            ThrottleCounter.bucket == bucket, ThrottleCounter.key == key[:254]
        )
    )


def count_attempt(bucket: str, key: str, window_seconds: int) -> int:
    """Add one attempt under ``key`` atomically and return how many there are in the window.

    A count older than the window starts again at one. INSERT … ON CONFLICT DO UPDATE … RETURNING
    makes the read and the write one statement on PostgreSQL and SQLite alike.
    """
    now = utcnow()
    stamp = sa.literal(now, UTCDateTime)
    stale = ThrottleCounter.first_at < sa.literal(
        now - timedelta(seconds=window_seconds), UTCDateTime
    )
    insert = (postgresql if db.engine.dialect.name == "postgresql" else sqlite).insert
    statement = (
        insert(ThrottleCounter)
        .values(bucket=bucket, key=key[:254], count=1, first_at=now)
        .on_conflict_do_update(
            index_elements=["bucket", "key"],
            set_={
                "count": sa.case((stale, 1), else_=ThrottleCounter.count + 1),
                "first_at": sa.case((stale, stamp), else_=ThrottleCounter.first_at),
            },
        )
        .returning(ThrottleCounter.count)
    )
    return db.session.execute(statement).scalar_one()


def block(bucket: str, key: str, until: datetime) -> None:
    db.session.execute(
        sa.update(ThrottleCounter)
        .where(ThrottleCounter.bucket == bucket, ThrottleCounter.key == key[:254])
        .values(blocked_until=until)
    )


def forget_attempt(bucket: str, key: str) -> None:
    """Take back one attempt (a success that should not count against a shared address)."""
    db.session.execute(
        sa.update(ThrottleCounter)
        .where(
            ThrottleCounter.bucket == bucket,
            ThrottleCounter.key == key[:254],
            ThrottleCounter.count > 0,
        )
        .values(count=ThrottleCounter.count - 1)
    )


def reset(bucket: str, key: str) -> None:
    db.session.execute(
        sa.delete(ThrottleCounter).where(
            ThrottleCounter.bucket == bucket, ThrottleCounter.key == key[:254]
        )
    )
