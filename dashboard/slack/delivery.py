"""Sending the outbox to Slack: the ``outbox-dispatch`` job.

Guarantees, and their one honest exception:

* **Never lost.** A message is committed with the change that caused it and stays in the outbox
  until Slack answers ``ok`` with a ``ts``. Slack errors, timeouts and outages only postpone it.
* **Not duplicated by us.** Each message is *claimed* (status ``sending``, committed) before it is
  posted, with ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL and a conditional ``UPDATE … WHERE
  status IN ('pending', 'failed')`` on every backend, so two schedulers never post the same row.
* **Saving Slack's answer is retried.** When committing ``status='sent'`` fails (a locked
  database, a dropped connection) it is retried for about a minute, so a post Slack accepted is
  not posted again because of a passing database fault.
* **The exception: a crash between Slack's answer and our commit.** If the process dies after
  Slack accepted a post but before ``status='sent'`` is committed, the row stays ``sending``; after
  ``STALE_CLAIM`` it is claimed again and posted again. That can repeat one message; it can never
  lose one. (Slack's API has no idempotency key for ``chat.postMessage``, so nothing better exists.)
  The same holds for a timeout that fires after Slack accepted the post: the retry repeats it.

Pacing and retries:

* at most one post per second per channel (Slack's own limit for ``chat.postMessage``);
* HTTP 429 (or ``ratelimited``): every due message waits what ``Retry-After`` says — persisted, so
  every scheduler honours it — and the attempt does not count;
* 5xx, Slack's ``internal_error``-type answers, timeouts and connection errors: the message backs
  off exponentially (``SLACK_BACKOFF_BASE_SECONDS`` doubling up to ``SLACK_BACKOFF_MAX_SECONDS``)
  and the run stops, since Slack is unwell; the first later success makes every message waiting
  out such a backoff due at once, so a backlog drains as soon as Slack is back;
* after ``SLACK_MAX_ATTEMPTS`` failed attempts, or at once for an error no retry can fix
  (``channel_not_found``, ``invalid_blocks``…), a message is ``dead``: the admin outbox page shows it
  with a Retry button;
* thread replies wait until their parent has a ``ts``, and until every earlier reply in the thread
  is sent (or dead), so a thread keeps its order after a failed reply.

``clock`` and ``sleep`` are injectable so tests can simulate ten minutes of outage in a second.
"""

import http.client
import socket
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.error import URLError

import sqlalchemy as sa
from slack_sdk.errors import SlackApiError, SlackClientError

from core import outbox
from core.extensions import db
from dashboard.slack.client import TOKEN_REFUSED, delivery_client, setting
from dashboard.slack.models import OutboxMessage

PER_CHANNEL_INTERVAL = timedelta(seconds=1)
BATCH = 200
TRANSIENT_ERRORS = {
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
    "team_added_to_org",
    # a token problem is fixed by an admin, not by giving up on the message
    *TOKEN_REFUSED,
}
NETWORK_ERRORS = (
    TimeoutError,
    socket.timeout,
    URLError,
    ConnectionError,
    http.client.HTTPException,
    OSError,
)


def backoff(attempts: int) -> timedelta:
    return outbox.exponential_backoff(
        attempts, setting("SLACK_BACKOFF_BASE_SECONDS"), setting("SLACK_BACKOFF_MAX_SECONDS")
    )


def _due_ids(now: datetime) -> list[tuple[int, str]]:
    """Due message ids and channels, oldest first; replies only once their parent has a ts."""
    parent = sa.orm.aliased(OutboxMessage)
    parent_ready = sa.or_(
        OutboxMessage.thread_parent_key.is_(None),
        sa.and_(
            sa.exists().where(
                parent.dedup_key == OutboxMessage.thread_parent_key, parent.ts.is_not(None)
            ),
            ~_earlier_reply_unsent(OutboxMessage),
        ),
    )
    due = outbox.is_due(OutboxMessage, now)
    statement = (
        sa.select(OutboxMessage.id, OutboxMessage.channel)
        .where(due, parent_ready)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(BATCH)
    )
    if db.engine.dialect.name == "postgresql":
        # Rows another dispatcher is claiming right now are skipped, not waited for.
        statement = statement.with_for_update(skip_locked=True, of=OutboxMessage)
    rows = [(row.id, row.channel) for row in db.session.execute(statement)]
    db.session.commit()
    return rows


def _earlier_reply_unsent(message):
    """An earlier reply in the same thread is still to be sent: this one waits (threads keep order).

    A dead reply does not hold the thread up: an admin may retry it, but the others go on.
    """
    earlier = sa.orm.aliased(OutboxMessage)
    return sa.exists().where(
        earlier.thread_parent_key == message.thread_parent_key,
        earlier.id < message.id,
        earlier.status.in_(("pending", "failed", "sending")),
    )


def _last_posts(channels: set[str]) -> dict[str, datetime]:
    """When each channel last got a post, so pacing holds across runs (and schedulers)."""
    if not channels:
        return {}
    rows = db.session.execute(
        sa.select(OutboxMessage.channel, sa.func.max(OutboxMessage.sent_at))
        .where(OutboxMessage.channel.in_(channels), OutboxMessage.sent_at.is_not(None))
        .group_by(OutboxMessage.channel)
    )
    return {channel: last for channel, last in rows if last is not None}


def _waiting_replies(parent_key: str) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(OutboxMessage.id)
            .where(
                OutboxMessage.thread_parent_key == parent_key,
                OutboxMessage.status == "pending",
            )
            .order_by(OutboxMessage.id)
        )
    )


def _parent_ts(message: OutboxMessage) -> str | None:
    if not message.thread_parent_key:
        return None
    return db.session.scalar(
        sa.select(OutboxMessage.ts).where(OutboxMessage.dedup_key == message.thread_parent_key)
    )


def _retry_after(error: SlackApiError) -> int:
    headers = {k.lower(): v for k, v in (error.response.headers or {}).items()}
    value = headers.get("retry-after")
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return 30


def _fail(message: OutboxMessage, now: datetime, error: str, *, permanent: bool) -> str:
    return outbox.fail(
        message,
        now,
        error,
        permanent=permanent,
        max_attempts=setting("SLACK_MAX_ATTEMPTS"),
        backoff=backoff,
    )


def dispatch(
    at: datetime | None = None,
    *,
    clock: Callable[[], datetime] | None = None,
    sleep: Callable[[float], None] | None = None,
    client=None,
    budget: timedelta | None = None,
) -> outbox.DispatchReport:
    """Send due outbox messages for up to ``budget`` (default ``SLACK_DISPATCH_BUDGET_SECONDS``).

    No Slack token: returns at once, sending nothing; the messages wait in the outbox.
    """
    report = outbox.DispatchReport()
    client = client or delivery_client()
    if client is None:
        report.stopped_by = "slack is off (no HUDDLE_SLACK_BOT_TOKEN)"
        return report
    clock = clock or outbox.RealClock(at)
    sleep = sleep or time.sleep
    started = clock()
    deadline = started + (budget or timedelta(seconds=setting("SLACK_DISPATCH_BUDGET_SECONDS")))

    queues: dict[str, deque[int]] = {}
    for message_id, channel in _due_ids(started):
        queues.setdefault(channel, deque()).append(message_id)
    ready_at = {
        channel: last + PER_CHANNEL_INTERVAL for channel, last in _last_posts(set(queues)).items()
    }

    def add(channel: str, message_id: int) -> None:
        queue = queues.setdefault(channel, deque())
        if message_id not in queue:
            queue.append(message_id)

    while queues:
        # The channel that may post soonest; ties go to the oldest message.
        channel = min(queues, key=lambda c: (ready_at.get(c, started), queues[c][0]))
        wait = (ready_at.get(channel, started) - clock()).total_seconds()
        if clock() + timedelta(seconds=max(wait, 0)) >= deadline:
            report.stopped_by = "time budget"
            break
        if wait > 0:
            sleep(wait)
        message_id = queues[channel].popleft()
        if not queues[channel]:
            del queues[channel]
        now = clock()
        message = outbox.claim(OutboxMessage, message_id, now)
        if message is None:
            continue
        thread_ts = None
        if message.thread_parent_key:
            thread_ts = _parent_ts(message)
            waiting = db.session.scalar(sa.select(_earlier_reply_unsent(message)))
            if thread_ts is None or waiting:
                outbox.release(message)
                continue
        dedup_key = message.dedup_key
        post = {
            "channel": message.channel,
            "text": message.text,
            "blocks": message.blocks or None,
            "thread_ts": thread_ts,
        }
        db.session.commit()  # no transaction (on SQLite: no write lock) stays open across the post
        try:
            response = client.chat_postMessage(**post, unfurl_links=False, unfurl_media=False)
        except SlackApiError as error:
            now = clock()
            status = error.response.status_code
            code = error.response.get("error") if isinstance(error.response.data, dict) else None
            if status == 429 or code == "ratelimited":
                until = now + timedelta(seconds=_retry_after(error))
                message.status = "pending"
                message.claimed_at = None
                message.next_attempt_at = until
                message.last_error = f"429 {code or 'ratelimited'}"  # the page says "next …"
                db.session.commit()
                outbox.postpone_all(OutboxMessage, until)
                report.rate_limited_until = until
                report.stopped_by = "rate limited"
                break
            transient = status >= 500 or code in TRANSIENT_ERRORS
            outcome = _fail(message, now, f"{status} {code or error}", permanent=not transient)
            report.count(message.id, outcome)
            if transient:
                report.stopped_by = f"slack error {status} {code}"
                break
            continue
        except (SlackClientError, *NETWORK_ERRORS) as error:
            outcome = _fail(message, clock(), f"{type(error).__name__}: {error}", permanent=False)
            report.count(message.id, outcome)
            report.stopped_by = f"network: {type(error).__name__}"
            break
        sent_at = clock()
        if not outbox.save_sent(OutboxMessage, message_id, sent_at, sleep, ts=response.get("ts")):
            report.stopped_by = "database: could not save a sent message"
            break
        report.sent.append(message_id)
        ready_at[channel] = sent_at + PER_CHANNEL_INTERVAL
        for reply_id in _waiting_replies(dedup_key):
            add(channel, reply_id)
        if len(report.sent) == 1:
            # Slack answers: whatever waits out an outage backoff joins this run, same pacing.
            outbox.wake_backed_off(OutboxMessage, sent_at)
            for woken_id, woken_channel in _due_ids(sent_at):
                add(woken_channel, woken_id)
    return report
