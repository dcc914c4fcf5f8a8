"""Domain events one package announces and another reacts to, without importing each other.

Every signal is sent *inside* the transaction of the change that causes it, before the commit, so a
receiver that adds rows (an outbox message, an audit event) commits or rolls back together with it.
Receivers must not commit. The keyword arguments listed are a contract: add, never rename.
"""

from blinker import Namespace

_events = Namespace()

# complaints → (Slack) — a rating arrived; ``complaint`` is the complaint it opened or joined, or None.
#   kwargs: rating, complaint
rating_received = _events.signal("rating-received")

# complaints → (Slack) — a complaint was opened (any channel). kwargs: complaint
complaint_opened = _events.signal("complaint-opened")

# standup → (Slack) — a stand-up ended (by the facilitator or by itself). kwargs: standup, summary
standup_ended = _events.signal("standup-ended")

# complaints.wishes → (Slack) — a weekly review was closed with its decisions. kwargs: review, decisions
wish_review_closed = _events.signal("wish-review-closed")
