"""Sending the mail outbox over SMTP: part of the ``outbox-dispatch`` job.

The standard library's ``smtplib`` and ``email`` do the work: they speak SMTP, STARTTLS and
implicit TLS, build correct MIME (a plain-text and an HTML alternative), and are maintained with
Python itself, so Huddle adds no dependency (and no second retry loop hidden in a library: the
outbox owns retrying, as for Slack).

The guarantees are the outbox's (``core.outbox``): committed with its cause, claimed before it is
sent, ``sent`` saved with retries, exponential backoff (``MAIL_BACKOFF_BASE_SECONDS`` doubling up
to ``MAIL_BACKOFF_MAX_SECONDS``), dead after ``MAIL_MAX_ATTEMPTS`` or at once on a permanent (5xx)
refusal, with Retry on the admin page. What SMTP adds:

* a 4xx answer, a refused connection, a timeout or a dropped connection is an outage: the message
  backs off and the run stops; the first later success makes every backed-off message due again;
* at most ``MAIL_PER_MINUTE`` messages leave per minute, counted from the table (so across runs
  and schedulers);
* one SMTP connection per run, reused for every message of the run;
* a client mail whose client unsubscribed after it was queued is not sent: ``to_client`` checked
  when it was queued, but it may wait long (mail off, an outage). Each batch of due ids is checked
  in one statement and those messages end ``cancelled``.

The honest exception is Slack's: a crash (or a timeout) after the server accepted the message but
before ``sent`` was saved sends it again later, with the same ``Message-ID``.
"""

import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import unquote, urlsplit

import sqlalchemy as sa
from flask import current_app

from core.extensions import db
from core.mail.models import MailMessage
from core.models import Client
from core.outbox import (
    DispatchReport,
    RealClock,
    claim,
    exponential_backoff,
    fail,
    is_due,
    save_sent,
    wake_backed_off,
)

BATCH = 200
SCHEMES = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


@dataclass(frozen=True)
class SmtpServer:
    scheme: str
    host: str
    port: int
    username: str | None
    password: str | None


def parse_mail_url(url: str) -> SmtpServer:
    """``smtp://user:pass@host:port``, ``smtp+starttls://…`` or ``smtps://…`` (ValueError else)."""
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise ValueError(url)
    return SmtpServer(
        scheme=parts.scheme,
        host=parts.hostname,
        port=parts.port or SCHEMES[parts.scheme],
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def tls_context(ca_file: str | None) -> ssl.SSLContext:
    """Verify the server's certificate and name: against ``MAIL_CA_FILE`` if set (a private CA),
    else the system's trusted CAs. A certificate that fails is an ``ssl.SSLError`` (an outage)."""
    return ssl.create_default_context(cafile=ca_file or None)


def connect(server: SmtpServer, timeout: float, ca_file: str | None = None) -> smtplib.SMTP:
    if server.scheme == "smtps":
        connection = smtplib.SMTP_SSL(
            server.host, server.port, timeout=timeout, context=tls_context(ca_file)
        )
    else:
        connection = smtplib.SMTP(server.host, server.port, timeout=timeout)
        if server.scheme == "smtp+starttls":
            connection.starttls(context=tls_context(ca_file))
    if server.username:
        connection.login(server.username, server.password or "")
    return connection


def ascii_domain(address: str) -> str:
    """``ivan@почта.рф`` as ``ivan@xn--80a1acny.xn--p1ai``: every server takes a domain in its
    ASCII form, while an address with other letters needs the server's SMTPUTF8."""
    local, at, domain = address.rpartition("@")
    if domain.isascii():
        return address
    try:
        return f"{local}{at}{domain.encode('idna').decode('ascii')}"
    except UnicodeError:  # no valid domain name: sent as written, for the server to answer
        return address


def envelope(message: MailMessage, sender: str) -> EmailMessage:
    """The MIME message: text first, HTML as its alternative, and the headers mail wants."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = ascii_domain(message.recipient)
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(message.created_at.timestamp(), usegmt=True)
    mail["Message-ID"] = message.message_id
    mail["Auto-Submitted"] = "auto-generated"
    if message.unsubscribe_url:
        mail["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mail.set_content(message.text_body)
    mail.add_alternative(message.html_body, subtype="html")
    mail["Content-Language"] = message.language.replace("_", "-")  # set_content drops Content-*
    return mail


def backoff(attempts: int) -> timedelta:
    config = current_app.config
    return exponential_backoff(
        attempts, config["MAIL_BACKOFF_BASE_SECONDS"], config["MAIL_BACKOFF_MAX_SECONDS"]
    )


def _due_ids(now: datetime, report: DispatchReport) -> list[int]:
    """The next batch of due messages, less those to clients who have unsubscribed since they were
    queued: those are ``cancelled`` here (counted in ``report``), in one statement for the batch."""
    statement = (
        sa.select(MailMessage.id)
        .where(is_due(MailMessage, now))
        .order_by(MailMessage.next_attempt_at, MailMessage.id)
        .limit(BATCH)
    )
    if db.engine.dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True, of=MailMessage)
    ids = list(db.session.scalars(statement))
    cancelled = set(_cancel_unsubscribed(ids, now)) if ids else set()
    db.session.commit()
    report.cancelled.extend(sorted(cancelled))
    return [i for i in ids if i not in cancelled]


def _cancel_unsubscribed(ids: list[int], now: datetime) -> list[int]:
    """Cancel the messages among ``ids`` whose client has unsubscribed; their ids (no commit).

    Only client mail names a client (``to_client`` sets ``client_id``); staff mail (an invitation,
    a password reset) has none and always goes. Still due is checked again, as ``claim`` does.
    """
    unsubscribed = sa.exists().where(
        Client.id == MailMessage.client_id, Client.unsubscribed_at.is_not(None)
    )
    return list(
        db.session.scalars(
            sa.update(MailMessage)
            .where(MailMessage.id.in_(ids), is_due(MailMessage, now), unsubscribed)
            .values(status="cancelled", claimed_at=None)
            .returning(MailMessage.id)
            .execution_options(synchronize_session=False)
        )
    )


def _sent_since(since: datetime) -> tuple[int, datetime | None]:
    count, oldest = db.session.execute(
        sa.select(sa.func.count(), sa.func.min(MailMessage.sent_at)).where(
            MailMessage.sent_at > since
        )
    ).one()
    return count, oldest


def _reply(code: int, text: bytes | str) -> str:
    """The server's own answer, as it said it ("550 5.1.1 No such user"): data, not our prose."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return f"{code} {text}".strip()


def _outcome(error: Exception) -> tuple[str, bool]:
    """What to store as the error (the server's reply, or the exception's name and text), and
    whether it is this message's own fault, which no retry can fix.

    Only a 5xx refusal of the recipient or of the message itself is (and an address in another
    script to a server without SMTPUTF8): a refused sender, a failed
    login or a 5xx greeting is the server's or the configuration's problem, fixed by an admin, so
    those are outages like 4xx answers, refused connections and timeouts.
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _text in error.recipients.values()]
        detail = "; ".join(_reply(code, text) for code, text in error.recipients.values())
        return f"RCPT {detail}", bool(codes) and all(c >= 500 for c in codes)
    if isinstance(error, smtplib.SMTPNotSupportedError) and "SMTPUTF8" in str(error):
        # An address with letters of another script before the "@", and a server that does not
        # take them: no retry makes it take them (a missing STARTTLS is the server's problem).
        return f"{type(error).__name__}: {error}", True
    if isinstance(error, smtplib.SMTPResponseException):
        own_fault = isinstance(error, smtplib.SMTPDataError) and error.smtp_code >= 500
        return _reply(error.smtp_code, error.smtp_error), own_fault
    return f"{type(error).__name__}: {error}", False


def _close(connection: smtplib.SMTP | None) -> None:
    if connection is None:
        return
    try:
        connection.quit()
    except (smtplib.SMTPException, OSError):
        connection.close()


def dispatch(
    at: datetime | None = None,
    *,
    clock: Callable[[], datetime] | None = None,
    sleep: Callable[[float], None] | None = None,
    budget: timedelta | None = None,
) -> DispatchReport:
    """Send due mail for up to ``budget`` (default ``MAIL_DISPATCH_BUDGET_SECONDS``).

    Mail off (no ``MAIL_URL`` or ``MAIL_FROM``): returns at once; the messages wait.
    """
    config = current_app.config
    report = DispatchReport()
    if not (config.get("MAIL_URL") and config.get("MAIL_FROM")):
        report.stopped_by = "mail is off (no HUDDLE_MAIL_URL or HUDDLE_MAIL_FROM)"
        return report
    server = parse_mail_url(config["MAIL_URL"])
    clock = clock or RealClock(at)
    sleep = sleep or time.sleep
    started = clock()
    deadline = started + (budget or timedelta(seconds=config["MAIL_DISPATCH_BUDGET_SECONDS"]))
    per_minute = config["MAIL_PER_MINUTE"]
    queue = _due_ids(started, report)
    # The last minute's count, read once: a run lasts seconds, so its own sends are added to it.
    sent_last_minute, oldest = _sent_since(started - timedelta(minutes=1))
    connection = None
    try:
        while queue:
            now = clock()
            if now >= deadline:
                report.stopped_by = "time budget"
                break
            if sent_last_minute >= per_minute:
                report.rate_limited_until = (oldest or now) + timedelta(minutes=1)
                report.stopped_by = "rate limit"
                break
            message = claim(MailMessage, queue.pop(0), now)
            if message is None:
                continue
            try:
                mail = envelope(message, config["MAIL_FROM"])
            except ValueError as error:  # a header no server would take: this message's fault
                status = fail(
                    message,
                    now,
                    f"{type(error).__name__}: {error}",
                    permanent=True,
                    max_attempts=config["MAIL_MAX_ATTEMPTS"],
                    backoff=backoff,
                )
                report.count(message.id, status)
                continue
            db.session.commit()  # no transaction stays open across the SMTP conversation
            try:
                connection = connection or connect(
                    server, config["MAIL_TIMEOUT_SECONDS"], config.get("MAIL_CA_FILE")
                )
                connection.send_message(
                    mail, config["MAIL_FROM"], [ascii_domain(message.recipient)]
                )
            except (smtplib.SMTPException, OSError) as error:
                text, permanent = _outcome(error)
                status = fail(
                    message,
                    clock(),
                    text,
                    permanent=permanent,
                    max_attempts=config["MAIL_MAX_ATTEMPTS"],
                    backoff=backoff,
                )
                report.count(message.id, status)
                if permanent:
                    continue  # this message is refused; the server is fine
                report.stopped_by = f"smtp: {text[:200]}"
                _close(connection)
                connection = None
                break
            sent_at = clock()
            if not save_sent(MailMessage, message.id, sent_at, sleep):
                report.stopped_by = "database: could not save a sent message"
                break
            report.sent.append(message.id)
            sent_last_minute += 1
            oldest = oldest or sent_at
            if len(report.sent) == 1:
                # The server answers: whatever waits out an outage backoff joins this run.
                wake_backed_off(MailMessage, sent_at)
                queue.extend(i for i in _due_ids(sent_at, report) if i not in queue)
    finally:
        _close(connection)
    return report
