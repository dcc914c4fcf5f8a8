"""People and access: users, API tokens, and the throttle that guards logins and public forms."""

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from dashboard.database import UTCDateTime, utcnow
from dashboard.extensions import db

ROLES = ("agent", "manager", "admin")
# A higher rank includes everything a lower one may do: a manager can do an agent's work.
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (sa.CheckConstraint(sa.column("role").in_(ROLES), name="role_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str | None] = mapped_column(sa.String(256))
    role: Mapped[str] = mapped_column(sa.String(16), default="agent")
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id"), index=True)
    slack_user_id: Mapped[str | None] = mapped_column(sa.String(32), unique=True)
    timezone: Mapped[str | None] = mapped_column(sa.String(64))
    locale: Mapped[str | None] = mapped_column(sa.String(16))
    active: Mapped[bool] = mapped_column(default=True)
    # The compensation a manager may give on their own; above it an admin (head of support) approves.
    compensation_limit: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    team = relationship("Team", lazy="joined", innerjoin=False)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users at login and on every request
        return self.active

    def has_role(self, role: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class ApiToken(db.Model):
    """A bearer token for another system. Only its SHA-256 is kept; the token is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


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
