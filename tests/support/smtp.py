"""A real SMTP server for the mail tests (aiosmtpd, in a thread), and ways to make it fail.

``LocalSmtp`` keeps every message it accepted (parsed), can answer 4xx or 5xx to recipients, and
can be stopped and started again on the same port (connection refused in between), refuses chosen
addresses, and speaks STARTTLS or implicit TLS with a certificate from ``make_certificates`` (a
throw-away CA made with the ``openssl`` CLI). ``SilentPort`` accepts connections and never greets:
what a hanging server looks like to a client (a timeout).
"""

import email
import email.policy
import re
import shutil
import socket
import ssl
import subprocess
from dataclasses import dataclass
from pathlib import Path

from aiosmtpd.controller import Controller

from core.mail.delivery import dispatch
from tests.support import skip_or_fail
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
    tls: bool = False  # the message came over an encrypted connection

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
        self.refused: dict[str, str] = {}  # address -> answer, e.g. "550 5.1.1 No such user"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_answer:
            return self.rcpt_answer
        if address in self.refused:
            return self.refused[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        tls = server.transport.get_extra_info("ssl_object") is not None
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed, tls=tls))
        return "250 Message accepted for delivery"


class LocalSmtp:
    """``tls="starttls"`` requires STARTTLS before anything else; ``tls="implicit"`` is smtps.
    ``smtputf8=False``: a server that takes addresses in ASCII only, as many do."""

    def __init__(
        self,
        port: int | None = None,
        *,
        tls: str | None = None,
        certificates=None,
        smtputf8: bool = True,
    ):
        self.port = port or free_port()
        self.handler = _Handler()
        self.controller = None
        self.tls = tls
        self.certificates = certificates
        self.smtputf8 = smtputf8

    @property
    def url(self) -> str:
        scheme = {None: "smtp", "starttls": "smtp+starttls", "implicit": "smtps"}[self.tls]
        return f"{scheme}://127.0.0.1:{self.port}"

    def _tls_options(self) -> dict:
        if self.tls is None:
            return {}
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.certificates.server_cert, self.certificates.server_key)
        if self.tls == "starttls":
            return {"tls_context": context, "require_starttls": True}
        return {"ssl_context": context}

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def start(self) -> "LocalSmtp":
        self.controller = Controller(
            self.handler,
            hostname="127.0.0.1",
            port=self.port,
            enable_SMTPUTF8=self.smtputf8,
            **self._tls_options(),
        )
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def reset(self) -> None:
        self.handler.received.clear()
        self.handler.rcpt_answer = None
        self.handler.refused.clear()

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


@dataclass(frozen=True)
class Certificates:
    ca: Path  # what the sender trusts (HUDDLE_MAIL_CA_FILE)
    server_cert: Path  # for localhost and 127.0.0.1, signed by ``ca``
    server_key: Path


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_certificates(directory: Path) -> Certificates:
    """A throw-away CA and a server certificate it signs, made with the ``openssl`` CLI."""
    if shutil.which("openssl") is None:
        skip_or_fail("the openssl command is not installed")
    directory.mkdir(parents=True, exist_ok=True)
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    _openssl(
        "req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=Huddle test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=directory,
    )  # fmt: skip
    _openssl(
        "req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost",
        cwd=directory,
    )  # fmt: skip
    (directory / "server.ext").write_text(
        "basicConstraints=CA:FALSE\n"
        "keyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=serverAuth\n"
        "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
        "subjectKeyIdentifier=hash\n"
        "authorityKeyIdentifier=keyid\n"
    )
    _openssl(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext",
        cwd=directory,
    )  # fmt: skip
    return Certificates(directory / "ca.pem", directory / "server.pem", directory / "server.key")
