"""Domain events one package announces and another reacts to, without importing each other.

Every signal is sent *inside* the transaction of the change that causes it, before the commit, so a
receiver that adds rows (an outbox message, an audit event) commits or rolls back together with it.
Receivers must not commit.

The sender is always the Flask app, ``current_app._get_current_object()`` (as Flask's own signals
do), so a receiver may connect for one app only; every send happens in an app context (a request,
a job, a CLI command). The keyword arguments listed below are a contract: add, never rename. Where
a receiver needs more than ids and scores, the payload is a frozen brief from the sending package's
``briefs`` module, never a guess at an ORM object's shape.
"""

from blinker import Namespace

_events = Namespace()

# complaints.intake → (Slack low-rating alert) — a rating arrived, in any channel but the CSV import.
#   rating: complaints.models.Rating (flushed: it has its id)
#   complaint: complaints.models.Complaint | None — the complaint it opened or joined
rating_received = _events.signal("rating-received")

# complaints.intake → (Slack managers' channel) — a client wrote through "write to the head of
#   support"; the complaint it opened is the head's.
#   complaint: complaints.briefs.ComplaintBrief
client_wrote_to_head = _events.signal("client-wrote-to-head")

# standup → (Slack summary) — a stand-up ended (by the facilitator or by itself).
#   standup: standup.models.Standup
#   summary: standup.briefs.StandupSummary — everything the summary post shows
#   undo_until: datetime | None — until then the facilitator may reopen it (an "Undo"): a post
#     about it waits until that instant, and ``standup_reopened`` takes it back before then
standup_ended = _events.signal("standup-ended")

# standup → (Slack summary withdrawn) — an ended stand-up was reopened within its undo window.
#   standup: standup.models.Standup (live or planned again; ``team_id`` and ``on`` name it)
standup_reopened = _events.signal("standup-reopened")

# wishes → (Slack results) — a weekly review was closed with its decisions.
#   review: wishes.briefs.ReviewBrief — whose review, which day, the team's channel, "closed"
#   decisions: list[wishes.briefs.DecisionBrief] — in the order they were made
wish_review_closed = _events.signal("wish-review-closed")

# core.auth → (Slack direct message) — a person gave themselves a Slack user id; it waits until that
#   Slack user confirms it with the button of the message this sends.
#   user: core.models.User (``pending_slack_user_id`` is the id asked for)
#   slack_user_id: str — the Slack user to ask
slack_link_requested = _events.signal("slack-link-requested")
