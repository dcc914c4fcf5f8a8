"""Nobody can lock people out: guessing slows down the guesser, not the person guessed at."""

import statistics
import threading
import time

import pytest
import sqlalchemy as sa
from werkzeug.security import check_password_hash

from core.audit import AuditEvent
from core.auth import services
from core.extensions import db
from core.models import User
from tests.support.db import using

PASSWORD = "correct horse battery"
ATTACKER, REAL_USER = "203.0.113.9", "198.51.100.7"


@pytest.fixture
def app_config():
    return {"TRUSTED_PROXIES": 1}


def login(client, email, password, address):
    return client.post(
        "/auth/login",
        data={"email": email, "password": password},
        headers={"X-Forwarded-For": address},
    )


def test_a_stranger_guessing_the_head_of_supports_password_does_not_lock_her_out(client, make_user):
    head = make_user("admin", email="head@example.com", password=PASSWORD)
    answers = [login(client, head.email, f"guess {n}", ATTACKER).status_code for n in range(12)]
    assert answers[:5] == [401] * 5 and set(answers[5:]) == {429}
    assert login(client, head.email, PASSWORD, REAL_USER).status_code == 302


def test_guesses_past_the_limit_are_in_the_accounts_audit_trail(app, client, make_user):
    """Failed logins left no trace but a counter: now guesses at an account that pass its limit
    from one address are an event on that account (its address, how many tries; never what was
    typed). Not each failure: only known accounts would pay that write, which would time apart
    who has one, and anyone could fill the trail."""
    head = make_user("admin", email="head@example.com", password=PASSWORD)
    for n in range(7):
        login(client, head.email, f"guess {n}", ATTACKER)
    for n in range(7):
        login(client, "nobody@example.com", f"guess {n}", ATTACKER)
    with using(app):
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action != "logged_in")
        ).all()
    assert [(e.entity_id, e.action, e.details) for e in events] == [
        (head.id, "login_slowed_down", {"address": ATTACKER, "attempts": 6}),
    ]


def test_guesses_from_one_ipv6_network_count_as_one_address(client, make_user):
    """Any address of a /64 is the same guesser's: per address, each new one had a fresh count."""
    head = make_user("admin", email="head@example.com", password=PASSWORD)
    answers = [
        login(client, head.email, f"guess {n}", f"2001:db8:5:6::{n + 1:x}").status_code
        for n in range(8)
    ]
    assert answers[:5] == [401] * 5 and set(answers[5:]) == {429}
    assert login(client, head.email, PASSWORD, "2001:db8:5:7::1").status_code == 302


def test_made_up_e_mails_from_one_address_do_not_lock_everyone_out(client, make_user):
    agent = make_user("agent", password=PASSWORD)
    for n in range(25):
        login(client, f"nobody{n}@example.com", "x", ATTACKER)
    assert login(client, "anyone@example.com", "x", ATTACKER).status_code == 429
    assert login(client, agent.email, PASSWORD, REAL_USER).status_code == 302


def test_the_wait_grows_with_each_attempt_past_the_limit(app, make_user):
    user = make_user("agent", password=PASSWORD)
    waits = []
    with app.test_request_context():
        for n in range(7):
            result = services.authenticate(user.email, f"wrong {n}", ATTACKER)
            if result.limited:
                until = db.session.scalar(
                    db.select(services.throttle.ThrottleCounter.blocked_until).where(
                        services.throttle.ThrottleCounter.bucket
                        == services.ATTEMPTS_BY_ACCOUNT_AND_ADDRESS
                    )
                )
                waits.append(until)
                # Let the wait pass, as a patient guesser would.
                db.session.execute(
                    db.update(services.throttle.ThrottleCounter).values(blocked_until=None)
                )
                db.session.commit()
    assert len(waits) == 2 and waits[1] > waits[0]


def test_an_unknown_e_mail_gets_the_same_answer_as_a_wrong_password(client, make_user):
    user = make_user("agent", password=PASSWORD)
    unknown = login(client, "nobody@example.com", PASSWORD, REAL_USER)
    wrong = login(client, user.email, "not the password", REAL_USER)
    assert unknown.status_code == wrong.status_code == 401
    assert "do not match an account" in unknown.text and "do not match" in wrong.text


def test_simultaneous_guesses_cannot_slip_past_the_limit(make_database_url):
    """Twelve wrong passwords at once, each on its own connection: at most five are checked."""
    from tests.support.app import make_app, migrate

    url = make_database_url()
    migrate(url)
    app = make_app(url)
    with app.app_context():
        user = User(email="target@example.com", name="Target", role="agent")
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
    start = threading.Barrier(12)
    results, lock = [], threading.Lock()

    def guess(n):
        with app.test_request_context():
            start.wait()
            result = services.authenticate("target@example.com", f"guess {n}", ATTACKER)
            with lock:
                results.append(result.limited)
            db.session.remove()

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        db.engine.dispose()
    checked = results.count(False)
    assert (
        len(results) == 12 and checked == app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS"]
    )


def _hash_setting(stored: str) -> str:
    """What decides how long a hash takes to check: its method and cost (``scrypt:32768:8:1``),
    not its salt or value."""
    return stored.split("$", 1)[0]


def test_an_unknown_e_mail_does_the_same_password_hash_work_as_a_known_one(
    app, make_user, monkeypatch
):
    """#12 finding 8, checked deterministically: a known account, an unknown e-mail and a
    deactivated account each make exactly one password-hash check, of a hash with the same method
    and cost, so no answer can be told from the others by the work behind it."""
    known = make_user("agent", password=PASSWORD)
    gone = make_user("agent", password=PASSWORD, active=False)
    checked = []

    def spy(stored, password):  # werkzeug's own check, watched
        checked.append(_hash_setting(stored))
        return check_password_hash(stored, password)

    monkeypatch.setattr(services, "check_password_hash", spy)
    work = {}
    for n, (name, email, password) in enumerate(
        [
            ("wrong password", known.email, "not the password"),
            ("unknown e-mail", "nobody@example.com", "not the password"),
            ("deactivated", gone.email, PASSWORD),
        ]
    ):
        checked.clear()
        with app.test_request_context():
            result = services.authenticate(email, password, f"192.0.2.{n}")
        assert result.user is None and not result.limited
        assert result.error == "That e-mail and password do not match an account."
        work[name] = list(checked)
    setting = _hash_setting(known.password_hash)
    assert work == {name: [setting] for name in work}


def test_an_unknown_e_mail_takes_about_as_long_as_a_wrong_password(app, make_user):
    """#12 finding 8 in time: 326 ms for a real account against 18 ms for an unknown one told
    which e-mails exist. Tries of the two alternate (load on the machine hits both alike) and
    their medians are compared with a generous factor of three: noise stays inside it, a skipped
    hash check (a factor of ten and more) does not."""
    user = make_user("agent", password=PASSWORD)
    times = {user.email: [], "nobody@example.com": []}
    with app.test_request_context():
        services.authenticate("warm@example.com", "x", "192.0.2.200")  # the decoy is made once
    for n in range(7):
        for email, took in times.items():
            with app.test_request_context():
                # Each try from its own address, so the limits never answer instead of the check.
                started = time.perf_counter()
                result = services.authenticate(email, "not the password", f"192.0.2.{n}{len(took)}")
                took.append(time.perf_counter() - started)
                assert result.user is None and not result.limited
    known, unknown = (statistics.median(took) for took in times.values())
    assert 1 / 3 < unknown / known < 3, (known, unknown)
