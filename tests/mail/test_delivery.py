"""The mail outbox against a real local SMTP server: delivered once, outages lose and repeat nothing."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core import outbox as outbox_core
from core.config import ConfigError
from core.extensions import db
from core.mail import outbox
from core.mail.delivery import backoff, dispatch, parse_mail_url
from core.mail.models import MailMessage
from tests.mail.conftest import SENDER
from tests.support.app import make_app
from tests.support.smtp import LocalSmtp, SilentPort


def put(key: str, to: str = "ana@example.com", locale: str | None = None) -> MailMessage | None:
    message = outbox.enqueue(
        to,
        "test",
        key,
        "invitation",
        _l("You are invited to Huddle"),
        locale=locale,
        name="Ana",
        inviter="Marta",
        link="https://huddle.example/invite/abc",
    )
    db.session.commit()
    return message


def rows() -> dict[str, MailMessage]:
    db.session.expire_all()
    return {m.dedup_key: m for m in db.session.scalars(sa.select(MailMessage))}


def run(clock, **kwargs):
    return dispatch(clock=clock, sleep=clock.sleep, **kwargs)


def test_a_message_is_delivered_once_with_both_parts_and_proper_headers(db_session, smtp, clock):
    put("k1", locale="pt_BR")
    report = run(clock)
    assert len(report.sent) == 1
    (received,) = smtp.received
    assert received.recipients == ["ana@example.com"] and not received.tls
    mail = received.message
    assert mail["From"] == SENDER and mail["To"] == "ana@example.com"
    assert mail["Subject"] == "Você foi convidado para o Huddle"
    assert mail["Content-Language"] == "pt-BR"
    assert (
        mail["Message-ID"] == rows()["k1"].message_id and "@huddle.example>" in mail["Message-ID"]
    )
    assert "List-Unsubscribe" not in mail  # staff mail
    assert "https://huddle.example/invite/abc" in received.text
    assert "https://huddle.example/invite/abc" in received.links()
    assert 'lang="pt-BR"' in received.html
    assert rows()["k1"].status == "sent"
    assert len(run(clock).sent) == 0 and len(smtp.received) == 1  # nothing twice


def test_the_same_dedup_key_is_one_message(db_session, smtp, clock):
    assert put("same") is not None
    assert put("same") is None
    run(clock)
    assert len(smtp.received) == 1


def test_enqueue_belongs_to_the_callers_transaction(db_session):
    outbox.enqueue("a@example.com", "test", "gone", "invitation", "x", name="", inviter="", link="")
    db_session.rollback()
    assert rows() == {}


def test_without_configuration_mail_waits_in_the_outbox(app, db_session, clock):
    app.config["MAIL_URL"] = None
    put("waiting")
    report = run(clock)
    assert report.sent == [] and "mail is off" in report.stopped_by
    assert rows()["waiting"].status == "pending"


def _outage_then_recovery(smtp, clock, break_it, heal_it):
    put("a", to="a@example.com")
    put("b", to="b@example.com")
    break_it()
    report = run(clock)
    assert report.sent == [] and report.stopped_by.startswith("smtp")
    found = rows()
    assert found["a"].status == "failed" and found["a"].attempts == 1
    assert found["a"].next_attempt_at > clock()  # backed off
    assert found["b"].status == "pending"  # the run stopped: the server is unwell
    assert run(clock).sent == []  # still backing off: nothing is tried
    heal_it()
    clock.advance(minutes=2)
    report = run(clock)
    assert sorted(report.sent) == sorted(m.id for m in rows().values())
    assert sorted(r.recipients[0] for r in smtp.received) == ["a@example.com", "b@example.com"]
    clock.advance(hours=2)
    assert run(clock).sent == [] and len(smtp.received) == 2


def test_a_refused_connection_loses_nothing_and_repeats_nothing(db_session, smtp, clock):
    _outage_then_recovery(smtp, clock, smtp.stop, smtp.start)


def test_a_4xx_answer_loses_nothing_and_repeats_nothing(db_session, smtp, clock):
    def busy():
        smtp.handler.rcpt_answer = "451 4.3.0 Try again later"

    def fine():
        smtp.handler.rcpt_answer = None

    _outage_then_recovery(smtp, clock, busy, fine)


def test_a_server_that_never_answers_times_out_and_loses_nothing(app, db_session, smtp, clock):
    silent = SilentPort()
    try:
        app.config.update(MAIL_URL=silent.url, MAIL_TIMEOUT_SECONDS=0.3)

        def heal():
            app.config["MAIL_URL"] = smtp.url

        _outage_then_recovery(smtp, clock, lambda: None, heal)
    finally:
        silent.close()


def test_a_5xx_refusal_of_the_recipient_is_dead_at_once_and_can_be_retried(
    db_session, smtp, clock, make_user
):
    put("nobody", to="nobody@example.com")
    put("other", to="other@example.com")
    smtp.handler.rcpt_answer = "550 5.1.1 No such user"
    report = run(clock)
    # A refused address is that message's fault, not the server's: the run goes on to the next.
    assert len(report.dead) == 2 and rows()["nobody"].status == "dead"
    assert rows()["nobody"].last_error == "RCPT 550 5.1.1 No such user"  # the server's words
    smtp.handler.rcpt_answer = None
    outbox_core.retry(MailMessage, rows()["nobody"].id, make_user("admin"), "mail_message")
    assert len(run(clock).sent) == 1 and smtp.to("nobody@example.com")


def test_one_refused_recipient_in_a_run_does_not_hold_back_the_others(db_session, smtp, clock):
    put("first", to="first@example.com")
    put("refused", to="gone@example.com")
    put("last", to="last@example.com")
    smtp.handler.refused["gone@example.com"] = "550 5.1.1 No such user"
    report = run(clock)  # one run, one connection
    found = rows()
    assert sorted(report.sent) == sorted([found["first"].id, found["last"].id])
    assert report.dead == [found["refused"].id] and report.stopped_by is None
    assert [r.recipients for r in smtp.received] == [["first@example.com"], ["last@example.com"]]
    assert found["first"].status == found["last"].status == "sent"
    refused = found["refused"]
    assert refused.status == "dead" and refused.attempts == 1
    assert refused.last_error == "RCPT 550 5.1.1 No such user"  # the server's answer, as data
    clock.advance(hours=3)
    assert run(clock).sent == [] and len(smtp.received) == 2  # the delivered are not sent again


def test_a_message_no_server_would_take_dies_alone_and_the_rest_go(db_session, smtp, clock):
    """A subject stored with a line break (before names were put on one line) made every run
    fail on that message, before anything behind it was sent."""
    put("broken", to="first@example.com")
    db.session.execute(sa.update(MailMessage).values(subject="Irina\nBcc: all@example.com"))
    db.session.commit()
    put("fine", to="last@example.com")
    report = run(clock)
    found = rows()
    assert report.sent == [found["fine"].id] and report.dead == [found["broken"].id]
    assert [r.recipients for r in smtp.received] == [["last@example.com"]]
    assert found["broken"].status == "dead" and "linefeed" in found["broken"].last_error
    assert run(clock).sent == [] and len(smtp.received) == 1


def test_an_address_in_another_script_goes_out_when_any_server_can_take_it(app, db_session, clock):
    """A domain in another script is sent in its ASCII form, which every server takes; letters of
    another script before the "@" need the server's SMTPUTF8, and without it that message alone
    is dead at once (it was an outage: retried 20 times, each time stopping the run)."""
    ascii_only = LocalSmtp(smtputf8=False).start()
    try:
        app.config["MAIL_URL"] = ascii_only.url
        put("domain", to="ivan@почта.рф")
        put("local", to="иван@example.com")
        put("plain", to="ana@example.com")
        report = run(clock)
        found = rows()
        assert sorted(report.sent) == sorted([found["domain"].id, found["plain"].id])
        assert report.dead == [found["local"].id] and report.stopped_by is None
        assert [r.recipients for r in ascii_only.received] == [
            ["ivan@xn--80a1acny.xn--p1ai"],
            ["ana@example.com"],
        ]
        assert ascii_only.received[0].message["To"] == "ivan@xn--80a1acny.xn--p1ai"
        assert "SMTPUTF8" in found["local"].last_error
    finally:
        ascii_only.stop()


def test_after_max_attempts_a_message_is_dead(app, db_session, smtp, clock):
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    put("doomed")
    smtp.stop()
    run(clock)
    clock.advance(hours=2)
    run(clock)
    assert rows()["doomed"].status == "dead"


def test_the_per_minute_rate_limit_holds_across_runs(app, db_session, smtp, clock):
    app.config["MAIL_PER_MINUTE"] = 2
    for n in range(5):
        put(f"m{n}", to=f"m{n}@example.com")
    report = run(clock)
    assert len(report.sent) == 2 and report.stopped_by == "rate limit"
    assert run(clock).sent == []  # the same minute
    clock.advance(seconds=61)
    assert len(run(clock).sent) == 2
    clock.advance(seconds=61)
    assert len(run(clock).sent) == 1
    assert len(smtp.received) == 5


def test_after_recovery_the_backlog_drains_at_once(db_session, smtp, clock):
    put("first", to="first@example.com")
    smtp.stop()
    run(clock)
    smtp.start()
    put("second", to="second@example.com")  # due now; "first" still backs off
    report = run(clock)
    assert len(report.sent) == 2  # the first success woke the backed-off one


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example:2525", ("smtp", "mail.example", 2525, None, None)),
        (
            "smtp+starttls://u%40x:p%2Fw@mail.example",
            ("smtp+starttls", "mail.example", 587, "u@x", "p/w"),
        ),
        ("smtps://mail.example", ("smtps", "mail.example", 465, None, None)),
    ],
)
def test_mail_urls(url, expected):
    server = parse_mail_url(url)
    assert (server.scheme, server.host, server.port, server.username, server.password) == expected


def test_an_unknown_scheme_is_refused_at_start_up():
    with pytest.raises(ConfigError, match="HUDDLE_MAIL_URL"):
        make_app("sqlite://", MAIL_URL="http://mail.example")


def test_backoff_grows_exponentially_up_to_the_cap(app):
    with app.app_context():
        app.config.update(MAIL_BACKOFF_BASE_SECONDS=30, MAIL_BACKOFF_MAX_SECONDS=3600)
        assert [backoff(n).total_seconds() for n in (1, 2, 3, 10)] == [30, 60, 120, 3600]
        assert backoff(1) == timedelta(seconds=30)
