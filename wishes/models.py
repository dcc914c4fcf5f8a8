"""Client wishes: one wish, many asking clients, one decision, one callback per asking client.

A wish is counted by *distinct clients* (``WishRequest`` is unique per wish and client), because one
client asking five times is still one voice, and three different clients make a real request.
Nothing here is ever deleted: declined wishes keep their reason, merged wishes keep their own history
and point at the wish they were merged into.
"""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.database import UTCDateTime, utcnow
from core.extensions import db

# "open" waits for a decision; "already_possible" was answered with what the product already does.
WISH_STATUSES = ("open", "decided", "already_possible", "merged")
REVIEW_OUTCOMES = ("wont_do", "will_do", "will_do_if_paid", "will_do_in_paid_period")
PAID_OUTCOMES = ("will_do_if_paid", "will_do_in_paid_period")
# "Already possible" is answered by an agent outside the review, but it is called back the same way.
OUTCOMES = (*REVIEW_OUTCOMES, "already_possible")
REVIEW_STATUSES = ("open", "closed")
REQUEST_CHANNELS = ("call", "api", "client_page")
# What came of one call to a client about a decision; only "reached" closes the callback.
CALL_OUTCOMES = ("reached", "no_answer", "left_message", "call_back_later")


class Wish(db.Model):
    __tablename__ = "wishes"
    __table_args__ = (
        sa.CheckConstraint(sa.column("status").in_(WISH_STATUSES), name="status_known"),
        sa.Index("ix_wishes_status_team_id", "status", "team_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    details: Mapped[str | None] = mapped_column(sa.Text)
    # The team of the agent who first heard it; None for wishes that came in through the API.
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(20), default="open")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # How many similarity tokens the title has: the denominator of the Dice score in suggestions.
    token_count: Mapped[int] = mapped_column(default=0)
    # Below the threshold, a wish still reaches the review when someone on the team adds it.
    added_to_review_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("wishes.id"), index=True)
    merged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    team = relationship("Team", lazy="joined")
    merged_into = relationship("Wish", remote_side=[id], lazy="joined", join_depth=1)

    def __repr__(self) -> str:
        return f"<Wish {self.id} {self.title!r}>"

    def answerable_by(self, person) -> bool:
        """Whether ``person`` may answer it outside a review ("already possible"): a wish of their
        own team or of none (an admin: any), as a review decides only its own team's (#12)."""
        return self.team_id in (None, person.team_id) or person.has_role("admin")


class WishToken(db.Model):
    """A normalised word of a wish's title; suggestions and search match on these (see similarity)."""

    __tablename__ = "wish_tokens"
    __table_args__ = (sa.Index("ix_wish_tokens_token_wish_id", "token", "wish_id"),)

    wish_id: Mapped[int] = mapped_column(sa.ForeignKey("wishes.id"), primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(40), primary_key=True)


class WishRequest(db.Model):
    """One client asking for one wish: who heard it, the problem behind it, and when."""

    __tablename__ = "wish_requests"
    __table_args__ = (
        sa.UniqueConstraint("wish_id", "client_id", name="uq_wish_requests_wish_id_client_id"),
        sa.CheckConstraint(sa.column("channel").in_(REQUEST_CHANNELS), name="channel_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    wish_id: Mapped[int] = mapped_column(sa.ForeignKey("wishes.id"))
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"), index=True)
    agent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    problem: Mapped[str | None] = mapped_column(sa.Text)
    channel: Mapped[str] = mapped_column(sa.String(20), default="call")
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when a merge moved this request over from a duplicate wish: the history stays readable.
    moved_from_wish_id: Mapped[int | None] = mapped_column(sa.ForeignKey("wishes.id"))


class WishReview(db.Model):
    """The weekly meeting of one team on one date."""

    __tablename__ = "wish_reviews"
    __table_args__ = (
        sa.UniqueConstraint("team_id", "review_on", name="uq_wish_reviews_team_id_review_on"),
        sa.CheckConstraint(sa.column("status").in_(REVIEW_STATUSES), name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id"))
    review_on: Mapped[date] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(20), default="open")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    team = relationship("Team", lazy="joined")


class WishDecision(db.Model):
    """What we decided about a wish, why, and (for paid options) the price or period.

    One per wish (unique): two managers deciding the same wish at once cannot both win.
    """

    __tablename__ = "wish_decisions"
    __table_args__ = (sa.CheckConstraint(sa.column("outcome").in_(OUTCOMES), name="outcome_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    wish_id: Mapped[int] = mapped_column(sa.ForeignKey("wishes.id"), unique=True)
    # None for "already possible" answers, which an agent gives outside the review.
    review_id: Mapped[int | None] = mapped_column(sa.ForeignKey("wish_reviews.id"), index=True)
    outcome: Mapped[str] = mapped_column(sa.String(30), index=True)
    reason: Mapped[str] = mapped_column(sa.Text)
    terms: Mapped[str | None] = mapped_column(sa.Text)  # price or paid period, for paid outcomes
    decided_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    wish = relationship(Wish, lazy="joined")
    decided_by = relationship("User", lazy="joined")


class Callback(db.Model):
    """Calling one asking client back with the decision; done when the agent logs the call."""

    __tablename__ = "wish_callbacks"
    __table_args__ = (
        sa.UniqueConstraint(
            "decision_id", "client_id", name="uq_wish_callbacks_decision_id_client_id"
        ),
        sa.Index("ix_wish_callbacks_agent_id_done_at_due_on", "agent_id", "done_at", "due_on"),
        sa.Index("ix_wish_callbacks_team_id_done_at_due_on", "team_id", "done_at", "due_on"),
        sa.Index("ix_wish_callbacks_done_at_due_on", "done_at", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(sa.ForeignKey("wish_decisions.id"))
    wish_id: Mapped[int] = mapped_column(sa.ForeignKey("wishes.id"), index=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"), index=True)
    agent_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id"))
    due_on: Mapped[date] = mapped_column(sa.Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    notes: Mapped[str | None] = mapped_column(sa.Text)
    # Calls that did not connect keep the callback open: counted, with what happened last and when
    # to try again (None: as soon as possible).
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    last_outcome: Mapped[str | None] = mapped_column(sa.String(20))
    next_try_on: Mapped[date | None] = mapped_column(sa.Date)
