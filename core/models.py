"""The nouns every feature shares: the people who use Huddle, their teams, and our clients.

Features hang their own tables off these (a complaint has a client, a stand-up a team); the core
never reaches back into a feature.
"""

from datetime import date, datetime, time
from decimal import Decimal

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from core.database import UTCDateTime, utcnow
from core.extensions import db

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
    # A Slack id the person gave themselves, until that Slack user confirms it (a button in a
    # direct message): only then is it ``slack_user_id``, and Huddle acts on its clicks as them.
    pending_slack_user_id: Mapped[str | None] = mapped_column(sa.String(32))
    timezone: Mapped[str | None] = mapped_column(sa.String(64))
    locale: Mapped[str | None] = mapped_column(sa.String(16))
    active: Mapped[bool] = mapped_column(default=True)
    # Part of every session and remember cookie: raising it (password change, deactivation, "log out
    # everywhere") makes every cookie issued before worthless.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    # The compensation a manager may give on their own; above it an admin (head of support) approves.
    compensation_limit: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    team = relationship("Team", lazy="joined", innerjoin=False)

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and the remember cookie: id and session version."""
        return f"{self.id}.{self.session_version}"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users at login and on every request
        return self.active

    def has_role(self, role: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]

    def manages(self, team_id: int | None) -> bool:
        """Whether this person may change a team's settings, rotation, holidays and reviews (#12).

        Admins change every team; a manager only their own. Reading stays open to everyone.
        """
        if self.has_role("admin"):
            return True
        return self.has_role("manager") and team_id is not None and self.team_id == team_id

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class Team(db.Model):
    """A support team: its channel, and when and how its stand-up is held."""

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
    # The language of the team's Slack messages and stand-up agenda (one channel, one language);
    # None is the installation's default.
    locale: Mapped[str | None] = mapped_column(sa.String(16))
    # How long a live stand-up may run past its timebox before it ends by itself.
    grace_minutes: Mapped[int] = mapped_column(default=5, server_default="5")
    # An archived team holds no more stand-ups and gets no jobs, but keeps its history.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Team {self.slug}>"


class Client(db.Model):
    """One of our clients, known by the id another system gave them.

    E-mail and phone stay inside Huddle: they are never put into a Slack message. ``locale`` is
    the language we write to them in (mail, the survey page); ``unsubscribed_at`` is their one-click
    opt-out from our e-mail, remembered: an opted-out client gets no mail at all.
    """

    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(sa.String(120), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    # What a caller's e-mail is matched on (``core.clients``): the database's own ``lower()``, so
    # the lookup folds the e-mail typed with the same function and a plain index answers it.
    # Virtual on SQLite, stored on PostgreSQL, like ``Complaint.is_open``.
    email_lower: Mapped[str | None] = mapped_column(sa.String(254), sa.Computed("lower(email)"))
    # The language the client reads (a code of LANGUAGES): what we send them and the public pages
    # they open follow it. Told by the API or a CSV import, else learnt from their browser the first
    # time they answer us.
    locale: Mapped[str | None] = mapped_column(sa.String(16))
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# The client directory searches by the start of a name, e-mail or phone: each is a range on one of
# these plain indexes (``name >= 'Mar' AND name < 'Mas'``), walked for one page instead of reading
# every client. (Expression indexes on lower(name) would be neater, but SQLite cannot reflect them,
# which breaks batch migrations of every table that refers to clients.)
sa.Index("ix_clients_name", Client.name, Client.id)
sa.Index("ix_clients_email", Client.email)
sa.Index("ix_clients_phone", Client.phone)
sa.Index("ix_clients_email_lower", Client.email_lower)


class ClientAlias(db.Model):
    """Another id (and the details) a client was known by before two duplicates were merged.

    The merged-away client row is gone, but the systems that sent its id keep sending it: the API,
    the CSV import and the public pages resolve the alias to the client that was kept.
    """

    __tablename__ = "client_aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(sa.String(120), unique=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"), index=True)
    # The merged-away client's own row id: old links to its page lead to the kept client.
    former_client_id: Mapped[int | None] = mapped_column(index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    merged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    merged_by = relationship(User, lazy="joined")


class ClientDetailProposal(db.Model):
    """A name, e-mail or phone that public input gave for a known client, held for staff (#12).

    Public input never changes a client: what differs from their record waits here until a manager
    of the team that received it (or an admin) accepts it onto the client or dismisses it. The row
    goes when decided; the audit trail keeps what was proposed and what was decided.
    """

    __tablename__ = "client_detail_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"), index=True)
    field: Mapped[str] = mapped_column(sa.String(10))  # name, email or phone
    value: Mapped[str] = mapped_column(sa.String(254))
    source: Mapped[str] = mapped_column(sa.String(20))  # where it came from: write_to_us
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    client = relationship(Client, lazy="joined", innerjoin=True)


class AwayDay(db.Model):
    """A day a person is away: not expected at the stand-up, not reminded, never facilitating; their
    complaints show "owner away" and their wish callbacks go to someone present (#17)."""

    __tablename__ = "away_days"
    __table_args__ = (sa.UniqueConstraint("user_id", "on", name="uq_away_days_user_id_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    on: Mapped[date] = mapped_column(sa.Date, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
