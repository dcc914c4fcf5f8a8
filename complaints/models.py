"""Our clients and what they tell us: ratings, complaints, contacts, playbooks, compensation.

Ratings and complaints are never deleted through the product; a complaint is a small project with an
owner, a deadline and a budget.
"""

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext
from markupsafe import Markup, escape
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.database import UTCDateTime, utcnow
from core.extensions import db
from core.models import Client
from core.templating import bdi

CHANNELS = ("survey", "api", "phone", "email", "social", "chat", "web_form", "in_person", "import")
STATUSES = ("new", "contacting", "resolving", "resolved", "closed", "reopened")
OPEN_STATUSES = ("new", "contacting", "resolving", "reopened")
# The SQL behind ``Complaint.is_open``; lists filter on the column, never on ``status IN (...)``:
# SQLite cannot use an index whose condition only bound values could prove (issue #16).
OPEN_PREDICATE = "status IN ('new', 'contacting', 'resolving', 'reopened')"
CONTACT_CHANNELS = ("call", "email", "meeting", "chat")
CONTACT_OUTCOMES = ("reached", "no_answer", "call_back_later", "resolved")
REACHED_OUTCOMES = ("reached", "resolved")
COMPENSATION_KINDS = ("discount", "free_service", "refund")
COMPENSATION_STATUSES = ("approved", "pending", "rejected")
CLIENT_OUTCOMES = ("rated_again", "ordered_again", "left")
SURVEY_PURPOSES = ("rating", "follow_up")

MONEY = sa.Numeric(12, 2)
SUMMARY_KINDS = ("rated",)


def summary_text(kind: str | None, params: dict | None, words: str | None) -> str:
    """A complaint's title as the viewer reads it: generated parts in their language, then the
    client's or agent's own words as they wrote them.

    ``rated`` (a complaint a low rating opened): "Rated 2/5", then the start of the comment.
    """
    words = words or ""
    if kind == "rated":
        rated = gettext("Rated %(score)s/5", score=(params or {}).get("score", "?"))
        return gettext("%(rated)s: %(words)s", rated=rated, words=words) if words else rated
    return words


def summary_html(kind: str | None, params: dict | None, words: str | None) -> Markup:
    """``summary_text`` for a page: the words a person wrote in a ``<bdi>`` of their own, so an
    Arabic or Hebrew summary keeps its direction beside "Rated 2/5:" and the digits around it
    (the generated part stays in the page's direction)."""
    if kind != "rated":
        return bdi(words)
    rated = gettext("Rated %(score)s/5", score=(params or {}).get("score", "?"))
    if not words:
        return escape(rated)
    # Translated without its values, then filled in as markup: only the words are isolated.
    return escape(gettext("%(rated)s: %(words)s")) % {"rated": rated, "words": bdi(words)}


class Category(db.Model):
    """A root cause ("late delivery", "billing error"): what playbooks and the Pareto chart group by."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Playbook(db.Model):
    """A written script for one category: steps, suggested compensation, follow-up hours."""

    __tablename__ = "playbooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("categories.id"), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    steps: Mapped[list] = mapped_column(sa.JSON, default=list)
    suggested_compensation: Mapped[Decimal | None] = mapped_column(MONEY)
    follow_up_hours: Mapped[int] = mapped_column(default=24)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    category = relationship(Category, lazy="joined")


class Rating(db.Model):
    """A client's 1–5 score for one service; a low one opens (or joins) a complaint."""

    __tablename__ = "ratings"
    __table_args__ = (
        sa.CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),
        sa.Index("ix_ratings_received_at_score", "received_at", "score"),
        # "Did this client rate us well again after the resolution?" (Insights, Kept) seeks
        # straight to the client's later ratings instead of reading all of them.
        sa.Index("ix_ratings_client_id_received_at", "client_id", "received_at", "score"),
        # "Is this rating stored already?" (the CSV import, ``intake.csv_stored``): a seek to the
        # ratings of one instant and client; led by the instant, which an import writes in order
        # (migration 0031).
        sa.Index("ix_ratings_occurred_at_client_id", "occurred_at", "client_id"),
        # A complaint's ratings: only ratings that have one are in it (most have none, an
        # imported past one never), so an import does not grow it (migration 0020). Every
        # lookup names a complaint, which both databases read as ``IS NOT NULL``.
        sa.Index(
            "ix_ratings_complaint_id",
            "complaint_id",
            postgresql_where=sa.text("complaint_id IS NOT NULL"),
            sqlite_where=sa.text("complaint_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"))
    score: Mapped[int]
    comment: Mapped[str | None] = mapped_column(sa.Text)
    channel: Mapped[str] = mapped_column(sa.String(20), default="api")
    order_ref: Mapped[str | None] = mapped_column(sa.String(120))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    complaint_id: Mapped[int | None] = mapped_column(sa.ForeignKey("complaints.id"))

    client = relationship(Client, lazy="joined")


class Complaint(db.Model):
    """A small project: an owner (a manager), a deadline for the personal call, a budget.

    ``version`` gives optimistic locking: a second editor working from an old version gets a clear
    "changed meanwhile" answer instead of silently overwriting the first.
    """

    __tablename__ = "complaints"
    __table_args__ = (
        sa.CheckConstraint(sa.column("status").in_(STATUSES), name="status_known"),
        sa.Index("ix_complaints_status_due_at", "status", "due_at"),
        # The API list of one status, newest first: walked in its order, stopped after a page.
        sa.Index("ix_complaints_status_opened_at", "status", "opened_at", "id"),
        sa.Index("ix_complaints_owner_id_status", "owner_id", "status"),
        sa.Index("ix_complaints_team_id_status", "team_id", "status"),
        # The stand-up's follow-ups: the first few per (team, status) in deadline order.
        sa.Index("ix_complaints_team_id_status_due_at", "team_id", "status", "due_at", "id"),
        sa.Index("ix_complaints_client_id_status", "client_id", "status"),
        # The lists walk these in their order and stop after one page. They lead with ``is_open``
        # (a plain column, compared with a bound value) rather than being partial indexes: SQLite
        # only uses a partial index when literal values in the query prove its condition. After
        # the key they carry the filters a walk tests on each row (category, channel, owner), so
        # both databases test them on the index entry and read only the rows that pass
        # (migration 0027; ``listing._walked_directly``, ``listing._walked_in_a_prefix``).
        sa.Index(
            "ix_complaints_is_open_due_at",
            "is_open",
            "due_at",
            "id",
            "category_id",
            "channel",
            "owner_id",
        ),
        sa.Index(
            "ix_complaints_is_open_opened_at",
            "is_open",
            "opened_at",
            "id",
            "category_id",
            "channel",
            "owner_id",
        ),
        sa.Index(
            "ix_complaints_owner_id_is_open_due_at",
            "owner_id",
            "is_open",
            "due_at",
            "id",
            "category_id",
            "channel",
        ),
        sa.Index(
            "ix_complaints_owner_id_is_open_opened_at",
            "owner_id",
            "is_open",
            "opened_at",
            "id",
            "category_id",
            "channel",
        ),
        # The open list of one category or one channel, by deadline; counted when listed by
        # opening, to cut the page from a rare one's rows (``complaints.few_rows``).
        sa.Index(
            "ix_complaints_category_id_is_open_due_at", "category_id", "is_open", "due_at", "id"
        ),
        sa.Index("ix_complaints_channel_is_open_due_at", "channel", "is_open", "due_at", "id"),
        # Insights reads complaints opened, and resolved, in a period from these alone (covering).
        sa.Index(
            "ix_complaints_insights_opened",
            "opened_at",
            "team_id",
            "channel",
            "category_id",
            "due_at",
            "first_reached_at",
            "reach_seconds",
        ),
        # Insights counts each channel, and each category, in a period as one range of these.
        sa.Index("ix_complaints_insights_channel", "channel", "opened_at", "team_id"),
        sa.Index("ix_complaints_insights_category", "category_id", "opened_at", "team_id"),
        sa.Index(
            "ix_complaints_insights_resolved",
            "resolved_at",
            "team_id",
            "client_outcome",
            "first_reached_at",
            "rated_again_at",
        ),
        # Nobody's yet, oldest first (the digest, Today): ``owner_id IS NULL`` is in the query's
        # text, so both databases use this partial index and stop after one page (migration 0018).
        sa.Index(
            "ix_complaints_unowned_is_open_opened_at",
            "is_open",
            "opened_at",
            "id",
            "category_id",
            "channel",
            postgresql_where=sa.text("owner_id IS NULL"),
            sqlite_where=sa.text("owner_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"))
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id"))
    # What the complaint is about, in the words a person wrote. A complaint Huddle opened itself
    # (from a low rating) keeps what it says as a kind and numbers, never as English text: the
    # title is written when shown, in the viewer's language (``summary_text``).
    summary_words: Mapped[str] = mapped_column("summary", sa.String(300))
    summary_kind: Mapped[str | None] = mapped_column(sa.String(20))
    summary_params: Mapped[dict | None] = mapped_column(sa.JSON)
    details: Mapped[str | None] = mapped_column(sa.Text)
    channel: Mapped[str] = mapped_column(sa.String(20))
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("categories.id"))
    constructive: Mapped[bool | None]
    status: Mapped[str] = mapped_column(sa.String(20), default="new")
    # Computed by the database from ``status`` (virtual on SQLite, stored on PostgreSQL, as migration
    # 0012 creates it): every writer (services, the CSV import, raw SQL) keeps it right unawares.
    is_open: Mapped[bool] = mapped_column(sa.Boolean, sa.Computed(OPEN_PREDICATE))
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    budget: Mapped[Decimal | None] = mapped_column(MONEY)
    playbook_id: Mapped[int | None] = mapped_column(sa.ForeignKey("playbooks.id"))
    checklist_done: Mapped[list] = mapped_column(sa.JSON, default=list)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    client_outcome: Mapped[str | None] = mapped_column(sa.String(20))
    # Milestones kept by ``complaints.milestones`` for Insights (never set by hand).
    first_reached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rated_again_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reach_seconds: Mapped[int | None]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    @hybrid_property
    def summary(self) -> str:
        """The one-line title in the viewer's language (see ``summary_text``); in a query, the
        stored words (what a search looks through)."""
        return summary_text(self.summary_kind, self.summary_params, self.summary_words)

    @summary.inplace.expression
    @classmethod
    def _summary_expression(cls):
        return cls.summary_words

    @summary.inplace.setter
    def _summary_setter(self, words: str) -> None:
        """A person wrote the summary: their words replace any generated title."""
        self.summary_words, self.summary_kind, self.summary_params = words, None, None

    @property
    def title(self) -> str:
        """What pages show, the same name as on ``briefs.ComplaintBrief``."""
        return self.summary

    @property
    def title_html(self) -> Markup:
        """The title as a page shows it, the person's words isolated (``summary_html``)."""
        return summary_html(self.summary_kind, self.summary_params, self.summary_words)

    client = relationship(Client, lazy="joined")
    owner = relationship("User", lazy="joined")
    category = relationship(Category, lazy="joined")
    playbook = relationship(Playbook)


# The open condition every list uses: the ``is_open`` column against a bound value, so the indexes
# that lead with it serve SQLite and PostgreSQL alike (EXPLAIN in tests/complaints/test_query_plans.py).
IS_OPEN = Complaint.is_open == sa.bindparam("is_open", True, type_=sa.Boolean)


class Contact(db.Model):
    """One personal contact with the client: who, how, when, and what came of it."""

    __tablename__ = "contacts"
    __table_args__ = (
        sa.CheckConstraint(sa.column("channel").in_(CONTACT_CHANNELS), name="channel_known"),
        sa.CheckConstraint(sa.column("outcome").in_(CONTACT_OUTCOMES), name="outcome_known"),
        sa.Index("ix_contacts_complaint_id_at", "complaint_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(sa.ForeignKey("complaints.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    channel: Mapped[str] = mapped_column(sa.String(20))
    outcome: Mapped[str] = mapped_column(sa.String(20))
    notes: Mapped[str | None] = mapped_column(sa.Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User", lazy="joined")


class Compensation(db.Model):
    """Compensation given (or asked for) on a complaint; above the owner's limit it waits for an admin."""

    __tablename__ = "compensations"
    __table_args__ = (sa.Index("ix_compensations_status_requested_at", "status", "requested_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(sa.ForeignKey("complaints.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    note: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(20), default="approved")
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SurveyLink(db.Model):
    """A single-use rating link sent to a client; the URL carries a signed, expiring token of ``nonce``."""

    __tablename__ = "survey_links"
    # Insights counts surveys mailed (and answered) in a period from this alone.
    __table_args__ = (sa.Index("ix_survey_links_insights_sent", "sent_at", "used_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce: Mapped[str] = mapped_column(sa.String(64), unique=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"), index=True)
    order_ref: Mapped[str | None] = mapped_column(sa.String(120))
    purpose: Mapped[str] = mapped_column(sa.String(20), default="rating")
    complaint_id: Mapped[int | None] = mapped_column(sa.ForeignKey("complaints.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rating_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ratings.id"))
    # Mailed to the client (first time), and first opened: "sent / opened / answered" (used_at).
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    client = relationship(Client, lazy="joined")


class Service(db.Model):
    """A service another system tells us it completed (``POST /api/v1/services``).

    One per client and order, so the same order told twice asks for one rating. The survey mail
    goes at ``survey_due_at`` (a delay after completion), one reminder later if still unanswered.
    ``survey_due_at`` is null for a service that asks no survey: completed more than
    ``SURVEY_MAX_AGE_DAYS`` ago when told, or by the time its survey was due to go.
    """

    __tablename__ = "services"
    __table_args__ = (
        sa.UniqueConstraint("client_id", "order_ref", name="uq_services_client_id_order_ref"),
        # The survey job's two questions: which surveys are due, which reminders are due.
        sa.Index("ix_services_survey_sent_at_survey_due_at", "survey_sent_at", "survey_due_at"),
        sa.Index(
            "ix_services_reminder_sent_at_survey_sent_at", "reminder_sent_at", "survey_sent_at"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"))
    order_ref: Mapped[str] = mapped_column(sa.String(120))
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    survey_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    survey_link_id: Mapped[int | None] = mapped_column(sa.ForeignKey("survey_links.id"))
    survey_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    client = relationship(Client, lazy="joined")
    survey_link = relationship(SurveyLink, lazy="joined")
