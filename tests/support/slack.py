"""Talking to Huddle as Slack does (signed requests) and a clock the Slack tests move by hand."""

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

SIGNING_SECRET = "test-signing-secret"
BASE_URL = "https://huddle.example"


class FakeClock:
    """Simulated time: ``sleep`` advances it instantly, so minutes pass in microseconds."""

    def __init__(self, start: datetime | None = None):
        # From the real now: rows enqueued by the code under test carry the real time.
        self.now = start or datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1)
        self.slept = 0.0

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept += seconds
        self.now += timedelta(seconds=seconds)

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


def signed(body: str, secret: str = SIGNING_SECRET, timestamp: int | None = None) -> dict:
    """Headers Slack would send with ``body``."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    base = f"v0:{ts}:{body}".encode()
    signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature,
        "Content-Type": "application/x-www-form-urlencoded",
    }


def form_body(fields: dict) -> str:
    return urlencode(fields)


def payload_body(payload: dict) -> str:
    return urlencode({"payload": json.dumps(payload)})


def click_body(
    user_id: str,
    action_id: str,
    value: str,
    channel: str = "C_MANAGERS",
    ts: str = "1700000000.000001",
) -> str:
    """The form body Slack posts to /slack/interactivity when ``user_id`` clicks a button in the
    message ``ts`` of ``channel``."""
    return payload_body(
        {
            "type": "block_actions",
            "user": {"id": user_id},
            "channel": {"id": channel},
            "message": {"ts": ts},
            "actions": [{"action_id": action_id, "value": value}],
        }
    )
