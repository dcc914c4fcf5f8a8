"""A real SMTP server for the mail tests (aiosmtpd, in a thread), and ways to make it fail.

``LocalSmtp`` keeps every message it accepted (parsed), can answer 4xx or 5xx to recipients, and
can be stopped and started again on the same port (connection refused in between). ``SilentPort``
accepts connections and never greets: what a hanging server looks like to a client (a timeout).
"""

import email
import email.policy
import re
import socket
from dataclasses import dataclass

from aiosmtpd.controller import Controller

from core.mail.delivery import dispatch
from tests.support.db import using
from tests.support.postgres import free_port
from tests.support.slack import BASE_URL as BASE


def deliver(app, clock):
    """Run the mail dispatcher once, on the hand-moved clock."""
    with using(app):
        return dispatch(clock=clock, sleep=clock.sleep)


def path_of(link: str) -> str:
    """A link from a mail (made from ``HUDDLE_BASE_URL``) as a path for the test client."""
    assert link.startswith(BASE), link
    return link[len(BASE) :]


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: email.message.EmailMessage

    @property
    def text(self) -> str:
        return self.message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")

    @property
    def html(self) -> str:
        return self.message.get_body(preferencelist=("html",)).get_content()

    def links(self) -> list[str]:
        return re.findall(r'href="([^"]+)"', self.html)


class _Handler:
    def __init__(self):
        self.received: list[Received] = []
        self.rcpt_answer: str | None = None  # e.g. "451 4.3.0 Try again later"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_answer:
            return self.rcpt_answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


class LocalSmtp:
    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.handler = _Handler()
        self.controller = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def start(self) -> "LocalSmtp":
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def reset(self) -> None:
        self.handler.received.clear()
        self.handler.rcpt_answer = None

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.recipients]


class SilentPort:
    """Listens, lets the kernel complete connections, and never says a word."""

    def __init__(self):
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.port = self.socket.getsockname()[1]

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.socket.close()
