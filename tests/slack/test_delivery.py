"""The outbox and its dispatcher against the fake Slack: pacing, 429, 5xx, hangs, outages, dead."""

import itertools
from collections import defaultdict
from datetime import timedelta

import pytest
import sqlalchemy as sa

from core.extensions import db
from dashboard.slack import outbox
from dashboard.slack.delivery import dispatch
from dashboard.slack.messages import SlackMessage
from dashboard.slack.models import OutboxMessage
from tests.support.slack import FakeClock


def section(text: str) -> list[dict]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]


def put(channel: str, key: str, text: str | None = None, parent: str | None = None, at=None):
    message = outbox.enqueue(channel, "test", key, text or key, section(text or key), parent)
    if message is not None and at is not None:
        message.next_attempt_at = at
        message.created_at = at
    db.session.commit()
    return message


def rows() -> dict[str, OutboxMessage]:
    return {m.dedup_key: m for m in db.session.scalars(sa.select(OutboxMessage))}


def run(clock: FakeClock, **kwargs):
    return dispatch(clock=clock, sleep=clock.sleep, **kwargs)


# --- enqueue -------------------------------------------------------------------------------------


def test_enqueue_is_a_no_op_for_a_known_dedup_key(db_session):
    first = outbox.enqueue("#c", "test", "digest:2026-03-02", "hi", section("hi"))
    again = outbox.enqueue("#c", "test", "digest:2026-03-02", "hi again", section("hi"))
    db_session.commit()
    assert first is not None and again is None
    assert db_session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 1


def test_enqueue_belongs_to_the_callers_transaction(db_session):
    outbox.enqueue("#c", "test", "rolled-back", "hi", section("hi"))
    db_session.rollback()
    assert rows() == {}


def test_enqueue_message_keeps_replies_in_the_parents_thread(db_session):
    message = SlackMessage("parent", section("p"), [SlackMessage("r1", section("r1"))] * 2)
    outbox.enqueue_message("#c", "test", "k", message)
    outbox.enqueue_message("#c", "test", "k", message)  # the whole message, once
    db_session.commit()
    found = rows()
    assert set(found) == {"k", "k/1", "k/2"}
    assert found["k/1"].thread_parent_key == "k" and found["k"].thread_parent_key is None


def test_no_channel_means_nothing_to_enqueue(db_session):
    assert outbox.enqueue("", "test", "k", "x", []) is None


# --- delivery ------------------------------------------------------------------------------------


def test_sends_and_stores_the_ts_and_threads_replies_under_the_parent(
    db_session, fake_slack, clock
):
    message = SlackMessage("parent", section("parent"), [SlackMessage("reply", section("reply"))])
    outbox.enqueue_message("#c", "test", "k", message)
    db_session.commit()
    report = run(clock)
    assert len(report.sent) == 2
    found = rows()
    assert (
        found["k"].status == "sent"
        and found["k"].ts
        and found["k"].sent_at == clock.now - (clock.now - found["k"].sent_at)
    )
    posts = fake_slack.posts()
    assert [p.body["text"] for p in posts] == ["parent", "reply"]
    assert posts[1].body["thread_ts"] == found["k"].ts and "thread_ts" not in posts[0].body
    assert posts[0].body["blocks"] == section("parent")
    assert posts[0].headers["Authorization"] == "Bearer xoxb-test"


def test_a_reply_waits_while_its_parent_is_not_sent(db_session, fake_slack, clock):
    put("#c", "parent")
    put("#c", "parent/1", parent="parent")
    fake_slack.method_modes["chat.postMessage"] = "500"
    run(clock)
    assert rows()["parent/1"].status == "pending"
    assert [c.body["text"] for c in fake_slack.of("chat.postMessage")] == ["parent"]
    fake_slack.method_modes.clear()
    clock.advance(seconds=60)
    run(clock)
    found = rows()
    assert found["parent/1"].status == "sent"
    assert fake_slack.posts()[-1].body["thread_ts"] == found["parent"].ts


def test_at_most_one_post_per_second_per_channel(db_session, fake_slack, clock):
    start = clock.now
    for n in range(5):
        put("#a", f"a{n}")
        put("#b", f"b{n}")
    report = run(clock, budget=timedelta(minutes=1))
    assert len(report.sent) == 10
    by_channel = defaultdict(list)
    for message in rows().values():
        by_channel[message.channel].append(message.sent_at)
    for times in by_channel.values():
        times.sort()
        assert all(b - a >= timedelta(seconds=1) for a, b in itertools.pairwise(times))
    # the channels take turns: ten posts in about five seconds, not ten
    assert clock.now - start <= timedelta(seconds=5)


def test_pacing_holds_across_runs(db_session, fake_slack, clock):
    put("#a", "first")
    run(clock)
    put("#a", "second")
    run(clock)  # same instant: must wait for the channel
    found = rows()
    assert found["second"].sent_at - found["first"].sent_at >= timedelta(seconds=1)


def test_429_waits_for_retry_after_without_counting_an_attempt(db_session, fake_slack, clock):
    put("#a", "one")
    put("#b", "two")
    fake_slack.mode, fake_slack.retry_after = "429", 7
    report = run(clock)
    assert report.rate_limited_until == clock.now + timedelta(seconds=7)
    found = rows()
    assert all(m.status == "pending" and m.attempts == 0 for m in found.values())
    # Slack's own code, not a sentence of ours: the admin page explains it in the reader's language.
    assert found["one"].last_error.startswith("429 ") and found["two"].last_error is None
    assert all(m.next_attempt_at >= clock.now + timedelta(seconds=7) for m in found.values())
    assert len(fake_slack.of("chat.postMessage")) == 1  # stopped at once, "two" not tried
    fake_slack.mode = "ok"
    clock.advance(seconds=6)
    assert run(clock).sent == []  # still inside Retry-After
    clock.advance(seconds=1)
    assert len(run(clock).sent) == 2


def test_server_errors_back_off_exponentially_then_the_message_is_dead(
    app, fake_slack, clock, make_user
):
    app.config.update(SLACK_MAX_ATTEMPTS=4)
    admin = make_user("admin")
    with app.app_context():
        put("#a", "doomed")
        fake_slack.mode = "500"
        waits = []
        for _attempt in range(4):
            before = clock.now
            run(clock)
            message = rows()["doomed"]
            waits.append((message.next_attempt_at - before).total_seconds())
            clock.now = message.next_attempt_at
        assert message.status == "dead" and message.attempts == 4
        assert "500" in message.last_error
        assert waits[:3] == [5, 10, 20]  # 5 s doubling (the last one is dead: no next attempt)
        clock.advance(hours=1)
        assert run(clock).sent == []  # dead stays dead until an admin retries
        outbox.retry(message.id, admin)
        fake_slack.mode = "ok"
        assert len(run(clock).sent) == 1


def test_an_error_no_retry_can_fix_is_dead_at_once(db_session, fake_slack, clock):
    put("#gone", "x")
    fake_slack.mode, fake_slack.error = "error", "channel_not_found"
    report = run(clock)
    message = rows()["x"]
    assert report.dead == [message.id] and message.status == "dead"
    assert "channel_not_found" in message.last_error


def test_a_hanging_slack_is_a_timeout_and_a_retry(app, db_session, fake_slack, clock):
    app.config["SLACK_TIMEOUT_SECONDS"] = 0.3
    put("#a", "x")
    fake_slack.mode = "hang"
    report = run(clock)
    message = rows()["x"]
    assert message.status == "failed" and message.attempts == 1
    assert "timed out" in message.last_error.lower() or "timeout" in message.last_error.lower()
    assert report.stopped_by.startswith("network")


def test_without_a_token_nothing_is_sent(app, fake_slack, clock):
    app.config["SLACK_BOT_TOKEN"] = None
    with app.app_context():
        put("#a", "x")
        report = run(clock)
        assert report.sent == [] and rows()["x"].status == "pending"
    assert fake_slack.calls == []


def test_a_claim_left_by_a_crashed_dispatcher_is_taken_back(db_session, fake_slack, clock):
    """The documented exception: Slack may have got it already, so it may be posted twice."""
    put("#a", "x")
    message = rows()["x"]
    message.status, message.claimed_at = "sending", clock.now - timedelta(minutes=1)
    db_session.commit()
    assert run(clock).sent == []  # a fresh claim belongs to a live dispatcher
    clock.advance(minutes=5)
    assert len(run(clock).sent) == 1


@pytest.mark.parametrize("outage", ["500", "hang"])
def test_ten_minute_outage_loses_nothing_duplicates_nothing_and_drains_fast(
    app, db_session, fake_slack, clock, outage
):
    """Slack is down for ten (simulated) minutes while messages keep coming, two channels.

    The dispatcher runs every 10 seconds as the scheduler would. After Slack recovers, the
    backlog must be gone within a minute, at no more than one post per second per channel.
    """
    app.config["SLACK_TIMEOUT_SECONDS"] = 0.05  # a hang costs the test 50 ms of real time
    start = clock.now
    fake_slack.mode = outage
    keys = []
    n = 0
    while clock.now < start + timedelta(minutes=10):
        if (clock.now - start).total_seconds() % 20 == 0:  # a message every 20 s, alternating
            key = f"m{n}"
            put("#a" if n % 2 else "#b", key, at=clock.now)
            keys.append(key)
            n += 1
        run(clock)
        clock.advance(seconds=10)
    assert fake_slack.posts() == []
    assert all(m.status in ("failed", "pending") for m in rows().values())
    recovered = clock.now
    fake_slack.mode = "ok"
    # A real timeout again: 50 ms could expire on a busy machine after the fake accepted a post.
    app.config["SLACK_TIMEOUT_SECONDS"] = 5
    while clock.now < recovered + timedelta(minutes=2):
        run(clock)
        clock.advance(seconds=10)
        if all(m.status == "sent" for m in rows().values()):
            break
    found = rows()
    assert all(m.status == "sent" for m in found.values()), {k: m.status for k, m in found.items()}
    drained_at = max(m.sent_at for m in found.values())
    assert drained_at - recovered <= timedelta(minutes=1)
    posted = [p.body["text"] for p in fake_slack.posts()]
    assert sorted(posted) == sorted(keys) and len(posted) == len(set(posted)) == 30
    by_channel = defaultdict(list)
    for message in found.values():
        by_channel[message.channel].append(message.sent_at)
    for times in by_channel.values():
        times.sort()
        assert all(b - a >= timedelta(seconds=1) for a, b in itertools.pairwise(times))


def test_a_reply_after_a_failed_reply_waits_so_the_thread_keeps_its_order(
    db_session, fake_slack, clock
):
    put("#c", "parent")
    run(clock)
    put("#c", "parent/1", parent="parent")
    put("#c", "parent/2", parent="parent")
    clock.advance(seconds=2)
    fake_slack.method_modes["chat.postMessage"] = "500"
    run(clock)
    assert rows()["parent/1"].status == "failed"
    fake_slack.method_modes.clear()
    clock.advance(seconds=2)  # parent/1 still backs off: parent/2 must not overtake it
    assert run(clock).sent == []
    clock.advance(seconds=10)
    assert len(run(clock).sent) == 2
    texts = [c.body["text"] for c in fake_slack.posts()]
    assert texts[-2:] == ["parent/1", "parent/2"]


def _fail_saving_sent(times: int) -> None:
    """Make the next ``times`` saves of status 'sent' fail inside the database (a trigger).

    The fault counter lives outside the transaction (a Python function on SQLite, a sequence on
    PostgreSQL) so the dispatcher's rollback does not reset it.
    """
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        left = [times]

        def fault() -> int:
            left[0] -= 1
            return int(left[0] >= 0)

        connection.connection.dbapi_connection.create_function("huddle_fault", 0, fault)
        connection.exec_driver_sql(
            "CREATE TRIGGER fail_sent BEFORE UPDATE OF status ON outbox_messages "
            "WHEN NEW.status = 'sent' AND huddle_fault() "
            "BEGIN SELECT RAISE(ABORT, 'database is locked'); END"
        )
    else:
        connection.exec_driver_sql("CREATE SEQUENCE huddle_fault")
        connection.exec_driver_sql(
            "CREATE FUNCTION fail_sent() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF NEW.status = 'sent' AND nextval('huddle_fault') <= {times} THEN "
            "RAISE EXCEPTION 'database is locked'; END IF; RETURN NEW; END $$"
        )
        connection.exec_driver_sql(
            "CREATE TRIGGER fail_sent BEFORE UPDATE ON outbox_messages "
            "FOR EACH ROW EXECUTE FUNCTION fail_sent()"
        )
    db.session.commit()


def test_saving_sent_is_retried_so_an_accepted_post_is_not_sent_again(
    db_session, fake_slack, clock
):
    put("#c", "once")
    _fail_saving_sent(times=3)
    report = run(clock)
    assert report.sent == [rows()["once"].id]
    clock.advance(minutes=10)  # long after a stale claim would have been taken back
    run(clock)
    assert [c.body["text"] for c in fake_slack.posts()] == ["once"]
    message = rows()["once"]
    assert (message.status, message.attempts) == ("sent", 1) and message.ts
