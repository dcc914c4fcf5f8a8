"""Mail over TLS to a real local server: STARTTLS and implicit TLS, trusted through
``HUDDLE_MAIL_CA_FILE`` (a throw-away CA); a certificate nobody vouches for is an outage."""

import pytest
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core.config import ConfigError
from core.extensions import db
from core.mail import outbox
from core.mail.delivery import dispatch
from core.mail.models import MailMessage
from tests.support.app import make_app
from tests.support.smtp import LocalSmtp, make_certificates


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    return make_certificates(tmp_path_factory.mktemp("mail-ca"))


@pytest.fixture(scope="module")
def stranger(tmp_path_factory):
    """Another CA, whose server certificate the sender does not trust."""
    return make_certificates(tmp_path_factory.mktemp("other-ca"))


@pytest.fixture(params=["starttls", "implicit"])
def tls_server(request, certificates):
    server = LocalSmtp(tls=request.param, certificates=certificates).start()
    yield server
    server.stop()


def put(key: str, to: str = "ana@example.com") -> None:
    outbox.enqueue(
        to, "test", key, "invitation", _l("You are invited to Huddle"),
        name="Ana", inviter="Marta", link="https://huddle.example/invite/abc",
    )  # fmt: skip
    db.session.commit()


def row(key: str) -> MailMessage:
    db.session.expire_all()
    return db.session.scalar(sa.select(MailMessage).where(MailMessage.dedup_key == key))


def test_a_message_is_delivered_over_tls_to_a_server_signed_by_the_configured_ca(
    app, db_session, tls_server, certificates, clock
):
    app.config.update(MAIL_URL=tls_server.url, MAIL_CA_FILE=str(certificates.ca))
    put("tls")
    report = dispatch(clock=clock, sleep=clock.sleep)
    assert len(report.sent) == 1, report
    (received,) = tls_server.received
    assert received.recipients == ["ana@example.com"] and received.tls
    assert "https://huddle.example/invite/abc" in received.text
    assert row("tls").status == "sent"


def test_starttls_is_required_by_the_server(app, db_session, certificates, clock):
    """The STARTTLS server refuses plain SMTP: what it received came over TLS."""
    server = LocalSmtp(tls="starttls", certificates=certificates).start()
    try:
        app.config.update(MAIL_URL=server.url.replace("smtp+starttls://", "smtp://"))
        put("plain")
        report = dispatch(clock=clock, sleep=clock.sleep)
        assert report.sent == [] and server.received == []
        assert row("plain").status == "failed"
    finally:
        server.stop()


def test_an_untrusted_certificate_fails_and_the_message_waits(
    app, db_session, tls_server, stranger, certificates, clock
):
    # The sender trusts another CA (the system's CAs do not know this one either).
    app.config.update(MAIL_URL=tls_server.url, MAIL_CA_FILE=str(stranger.ca))
    put("untrusted")
    report = dispatch(clock=clock, sleep=clock.sleep)
    assert report.sent == [] and tls_server.received == []
    assert report.stopped_by.startswith("smtp")
    message = row("untrusted")
    assert message.status == "failed" and message.attempts == 1  # retried later, not dead
    assert message.next_attempt_at > clock()
    assert "CERTIFICATE_VERIFY_FAILED" in message.last_error
    # The admin installs the right CA: the message goes at its next attempt, once.
    app.config["MAIL_CA_FILE"] = str(certificates.ca)
    clock.advance(hours=2)
    assert len(dispatch(clock=clock, sleep=clock.sleep).sent) == 1
    assert len(tls_server.received) == 1 and tls_server.received[0].tls
    assert row("untrusted").status == "sent"


def test_the_ca_file_is_read_from_the_environment(monkeypatch, certificates):
    monkeypatch.setenv("HUDDLE_MAIL_CA_FILE", str(certificates.ca))
    assert make_app("sqlite://").config["MAIL_CA_FILE"] == str(certificates.ca)


def test_a_missing_ca_file_is_refused_at_start_up(tmp_path):
    with pytest.raises(ConfigError, match="HUDDLE_MAIL_CA_FILE"):
        make_app("sqlite://", MAIL_CA_FILE=str(tmp_path / "nowhere.pem"))
