"""Domain events → outbox rows, in the transaction of the change (receivers never commit)."""

import logging

from flask import current_app

from complaints.briefs import rating_brief
from core import signals
from dashboard.slack.client import setting
from dashboard.slack.messages import low_rating_alert, standup_summary, wish_review_results
from dashboard.slack.outbox import enqueue_message

log = logging.getLogger(__name__)


def on_rating_received(sender, rating=None, complaint=None, **extra):
    """A low rating: alert the managers at once, with an "I'll call them" button."""

    if rating is None or rating.score > current_app.config["LOW_RATING_MAX"]:
        return
    brief = rating_brief(rating.id)
    if brief is None:
        return
    enqueue_message(
        setting("SLACK_MANAGERS_CHANNEL"),
        "low-rating-alert",
        f"low-rating:{rating.id}",
        low_rating_alert(brief),
    )


def on_standup_ended(sender, standup=None, summary=None, **extra):
    """A stand-up ended: its summary to the team's channel, check-ins in the thread."""

    if summary is None or not getattr(summary, "channel", None):
        return
    key = f"standup-summary:{summary.team_id}:{summary.standup_on.isoformat()}"
    enqueue_message(summary.channel, "standup-summary", key, standup_summary(summary))


def decision_rows(decisions) -> list[tuple]:
    """Whatever the review hands over, as (wish_id, title, outcome, reason, clients) tuples."""
    rows = []
    for decision in decisions or []:
        if isinstance(decision, tuple):
            rows.append(decision)
            continue
        wish = getattr(decision, "wish", None)
        rows.append(
            (
                getattr(decision, "wish_id", None) or getattr(wish, "id", None),
                getattr(decision, "title", None) or getattr(wish, "title", ""),
                getattr(decision, "outcome", ""),
                getattr(decision, "reason", None),
                getattr(decision, "clients_to_call", None)
                or getattr(decision, "distinct_clients", None)
                or 0,
            )
        )
    return rows


def on_wish_review_closed(sender, review=None, decisions=None, **extra):

    if review is None:
        return
    channel = getattr(review, "slack_channel", None)
    team = getattr(review, "team", None)
    channel = channel or getattr(team, "slack_channel", None) or setting("SLACK_MANAGERS_CHANNEL")
    review_on = getattr(review, "review_on", None) or getattr(review, "held_on", None)
    if review_on is None:
        return
    message = wish_review_results(getattr(team, "name", None), review_on, decision_rows(decisions))
    enqueue_message(channel, "wish-review-results", f"wish-review-results:{review.id}", message)


def connect() -> None:
    """Connect once per process (blinker keeps weak references: module functions stay alive)."""
    signals.rating_received.connect(on_rating_received)
    signals.standup_ended.connect(on_standup_ended)
    signals.wish_review_closed.connect(on_wish_review_closed)
