"""A local fake of the Slack Web API, for the real ``slack_sdk.WebClient`` (via SLACK_API_URL).

It records every request (method, parsed body, when) and answers like Slack: ``ok`` with a ``ts``
for posts, ``auth.test``'s workspace and bot user for the token check, or — when told — 429 with
Retry-After, 500, an ``ok: false`` error, or a hang (the client's timeout fires). Modes can be set
for all methods or for one, and so can the error's code (``method_errors``).
"""

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

# What ``auth.test`` answers for a token Slack takes.
AUTH_TEST = {
    "url": "https://huddle-test.slack.com/",
    "team": "Huddle Test",
    "user": "huddle",
    "team_id": "T0HUDDLE",
    "user_id": "U0HUDDLE",
    "bot_id": "B0HUDDLE",
}


@dataclass
class Call:
    method: str
    body: dict
    headers: dict
    at: float


@dataclass
class FakeSlack:
    calls: list[Call] = field(default_factory=list)
    mode: str = "ok"  # ok | 429 | 500 | hang | error
    retry_after: int = 30
    error: str = "channel_not_found"
    method_modes: dict[str, str] = field(default_factory=dict)
    users: dict[str, dict] = field(default_factory=dict)  # users.info answers by user id
    method_errors: dict[str, str] = field(default_factory=dict)  # mode "error": a method's code

    def __post_init__(self):
        self._lock = threading.Lock()
        self._ts = itertools.count(1)
        self._release = threading.Event()
        handler = type("Handler", (_Handler,), {"fake": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/api/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "FakeSlack":
        self.thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        self.server.shutdown()
        self.server.server_close()

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
        self.mode, self.method_modes, self.users, self.method_errors = "ok", {}, {}, {}
        self.retry_after, self.error = 30, "channel_not_found"

    def record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    def next_ts(self) -> str:
        return f"1700000000.{next(self._ts):06d}"

    def posts(self) -> list[Call]:
        """Every chat.postMessage that Slack answered ok (what a channel shows)."""
        with self._lock:
            return [c for c in self.calls if c.method == "chat.postMessage" and c.body.get("_ok")]

    def of(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]


class _Handler(BaseHTTPRequestHandler):
    fake: FakeSlack

    def log_message(self, *args):  # keep the test output clean
        pass

    def do_POST(self):
        parts = urlsplit(self.path)
        method = parts.path.rsplit("/", 1)[-1]
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        if "json" in (self.headers.get("Content-Type") or ""):
            body = json.loads(raw or "{}")
        else:
            body = dict(parse_qsl(raw))
        body.update(dict(parse_qsl(parts.query)))
        call = Call(method, body, dict(self.headers), time.monotonic())
        self.fake.record(call)
        mode = self.fake.method_modes.get(method, self.fake.mode)
        if mode == "hang":
            self.fake._release.wait(timeout=5)
            return
        if mode == "429":
            return self._answer(
                429,
                {"ok": False, "error": "ratelimited"},
                {"Retry-After": str(self.fake.retry_after)},
            )
        if mode == "500":
            return self._answer(500, {"ok": False, "error": "internal_error"})
        if mode == "error":
            code = self.fake.method_errors.get(method, self.fake.error)
            return self._answer(200, {"ok": False, "error": code})
        call.body["_ok"] = True
        if method == "users.info":
            user = self.fake.users.get(body.get("user"))
            if user is None:
                return self._answer(200, {"ok": False, "error": "user_not_found"})
            return self._answer(200, {"ok": True, "user": user})
        answer = {"ok": True, "channel": body.get("channel"), "ts": self.fake.next_ts()}
        if method == "views.open":
            answer = {"ok": True, "view": {"id": "V1"}}
        if method == "auth.test":  # whose token this is, as Slack says it
            answer = {"ok": True, **AUTH_TEST}
        self._answer(200, answer)

    do_GET = do_POST

    def _answer(self, status: int, payload: dict, headers: dict | None = None) -> None:
        data = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
