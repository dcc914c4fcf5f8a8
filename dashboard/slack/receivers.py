"""Domain events → outbox rows, in the transaction of the change (receivers never commit).

The payloads are the contract written down in ``core.signals``: briefs, read field by field.
"""

from flask import current_app

from complaints.briefs import ComplaintBrief, rating_brief
from complaints.models import Complaint, Rating
from core import signals
from core.i18n import speaking
from core.teams import team_voice
from dashboard.slack.account_link import on_slack_link_requested
from dashboard.slack.client import managers_voice, setting
from dashboard.slack.messages import (
    client_wrote,
    low_rating_alert,
    standup_summary,
    wish_review_results,
)
from dashboard.slack.outbox import enqueue_message, tell_managers, withdraw
from standup.briefs import StandupSummary
from standup.models import Standup
from wishes.briefs import DecisionBrief, ReviewBrief


def on_rating_received(sender, rating: Rating, complaint: Complaint | None, **extra) -> None:
    """A low rating: alert the managers at once, with an "I'll call them" button."""
    if rating.score > current_app.config["LOW_RATING_MAX"]:
        return
    brief = rating_brief(rating.id)
    if brief is None:
        return
    tell_managers("low-rating-alert", f"low-rating:{rating.id}", lambda: low_rating_alert(brief))


def on_client_wrote_to_head(sender, complaint: ComplaintBrief | None, **extra) -> None:
    """A client wrote to the head of support: the managers hear of it too."""
    if complaint is None:
        return
    tell_managers("client-wrote", f"client-wrote:{complaint.id}", lambda: client_wrote(complaint))


def _summary_key(team_id: int, on) -> str:
    return f"standup-summary:{team_id}:{on.isoformat()}"


def on_standup_ended(
    sender, standup: Standup, summary: StandupSummary, undo_until=None, **extra
) -> None:
    """A stand-up ended: its summary to the team's channel, check-ins in the thread.

    Ended by hand, it may still be reopened: the post waits until ``undo_until`` has passed.
    """
    if not summary.channel:
        return
    key = _summary_key(summary.team_id, summary.standup_on)
    with speaking(*team_voice(summary.team_id)):
        message = standup_summary(summary)
    enqueue_message(summary.channel, "standup-summary", key, message, not_before=undo_until)


def on_standup_reopened(sender, standup: Standup, **extra) -> None:
    """The end was undone in time: its summary, still waiting, is withdrawn (ending again
    enqueues the new one under the same key: posted once)."""
    withdraw(_summary_key(standup.team_id, standup.on))


def on_wish_review_closed(
    sender, review: ReviewBrief, decisions: list[DecisionBrief], **extra
) -> None:
    """A review closed: its decisions to the team's channel (the managers' if the team has none)."""
    channel = review.channel or setting("SLACK_MANAGERS_CHANNEL")
    with speaking(*(team_voice(review.team_id) if review.channel else managers_voice())):
        message = wish_review_results(
            review.team_name, review.review_on, decisions, review.team_slug
        )
    enqueue_message(channel, "wish-review-results", f"wish-review-results:{review.id}", message)


def connect() -> None:
    """Connect once per process (blinker keeps weak references: module functions stay alive)."""
    signals.rating_received.connect(on_rating_received)
    signals.client_wrote_to_head.connect(on_client_wrote_to_head)
    signals.standup_ended.connect(on_standup_ended)
    signals.standup_reopened.connect(on_standup_reopened)
    signals.wish_review_closed.connect(on_wish_review_closed)
    signals.slack_link_requested.connect(on_slack_link_requested)
