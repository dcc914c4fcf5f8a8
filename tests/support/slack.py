"""Talking to Huddle as Slack does (signed requests) and a clock the Slack tests move by hand."""

import hashlib
import hmac
import json
import re
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

SIGNING_SECRET = "test-signing-secret"
BASE_URL = "https://huddle.example"


# A marker Huddle escaped: the fallback of a date token with an invalid format (plain in Slack).
PLAIN_DATE = re.compile(r"<!date\^00000000\^\{_\}\|(.)>")
_SOFT_QUOTE = re.compile(r"^([ \t]*\u00ad*)\u00ad(?=&gt;)", re.MULTILINE)
_ENTITY = re.compile(r"&(amp|lt|gt);")
_CHARACTER = {"amp": "&", "lt": "<", "gt": ">"}
# Where Slack could still read a marker as formatting: code anywhere, the others at a word's
# edge (between two ASCII letters or digits they are text), a line starting with a quote.
_FORMATTING = re.compile(
    r"[`｀]|(?<![A-Za-z0-9])[*_~＊＿]|[*_~＊＿](?![A-Za-z0-9])|^[ \t]*(?:&gt;|＞)", re.MULTILINE
)
_SHORTCODE = re.compile(r":[\w+'-]+:")
_EMOJI_UNDERSCORE = re.compile(r"(?<=[^\W_])_(?=[^\W_])")


def read_back(mrkdwn: str) -> str:
    """What Slack shows of escaped text: each date token as its fallback, the soft hyphen that
    keeps a ``&gt;`` from starting a quote gone, the three entities as their characters."""
    text = _SOFT_QUOTE.sub(r"\1", PLAIN_DATE.sub(r"\1", mrkdwn))
    return _ENTITY.sub(lambda match: _CHARACTER[match.group(1)], text)


def formatting_left(mrkdwn: str) -> list[str]:
    """The raw markers in ``mrkdwn`` that Slack could read as formatting (empty: none). Tokens
    count as text; emoji shortcodes (``:white_check_mark:``) are the emoji's."""
    text = _SHORTCODE.sub(
        lambda code: _EMOJI_UNDERSCORE.sub("x", code.group()), PLAIN_DATE.sub("#", mrkdwn)
    )
    return [match.group() for match in _FORMATTING.finditer(text)]


def as_typed(shown: str, typed: str) -> bool:
    """``shown`` (read back) is ``typed`` on one line, whole or clipped with "…"."""
    line = " ".join(typed.split())
    return shown == line or (shown.endswith("…") and line.startswith(shown[:-1]))


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
