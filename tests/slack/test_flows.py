"""From domain events and jobs to Slack: receivers, follow-up watch, reminders, and a scan of every
payload for our clients' e-mail addresses and phone numbers."""

import json
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from complaints.intake import services as intake
from complaints.models import Complaint, Rating
from core import clients, signals
from core.database import utcnow
from core.extensions import db
from core.models import Team, User
from dashboard.scheduler.runner import run_job
from dashboard.slack.delivery import dispatch
from dashboard.slack.models import OutboxMessage
from standup import services as standups
from standup.briefs import StandupSummary
from standup.models import Standup
from tests.support.db import using
from tests.support.slack import FakeClock, formatting_left, read_back
from wishes import services as wishes
from wishes.briefs import DecisionBrief, ReviewBrief

EMAIL, PHONE = "maria.silva@example.org", "+55 11 98765-4321"


def outbox_rows(kind: str | None = None) -> list[OutboxMessage]:
    statement = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        statement = statement.where(OutboxMessage.kind == kind)
    return list(db.session.scalars(statement))


def test_a_low_rating_enqueues_an_alert_in_the_same_transaction(db_session):
    client = clients.upsert_client("crm-1", "Maria Silva", EMAIL, PHONE)
    rating = intake.record_rating(client, 2, comment="Late again", channel="api")
    (alert,) = outbox_rows("low-rating-alert")
    assert alert.dedup_key == f"low-rating:{rating.id}"
    assert f'"value": "{rating.complaint_id}:{rating.id}"' in json.dumps(alert.blocks)
    db_session.rollback()  # the rating is not kept: neither is its alert
    assert outbox_rows() == []


def test_a_good_rating_alerts_nobody(db_session):
    client = clients.upsert_client("crm-2", "João", None, None)
    intake.record_rating(client, 5, channel="api")
    db_session.commit()
    assert outbox_rows() == []


def test_a_stand_up_that_ends_posts_its_summary_with_check_ins_in_the_thread(app, db_session):
    summary = StandupSummary(
        1, "#sp", date(2026, 3, 2), 600, 900, ["Ana"], [], [("Call Maria", "Ana", None)], [],
        [("Ana", "calls", "refunds", None, "🙂")], [], "https://huddle.example/standup/sp/2026-03-02",
    )  # fmt: skip
    signals.standup_ended.send(app, standup=object(), summary=summary)
    signals.standup_ended.send(app, standup=object(), summary=summary)  # sent twice: posted once
    db_session.commit()
    found = outbox_rows("standup-summary")
    assert [m.dedup_key for m in found] == [
        "standup-summary:1:2026-03-02",
        "standup-summary:1:2026-03-02/1",
    ]
    assert (
        "refunds" in json.dumps(found[1].blocks)
        and found[1].thread_parent_key == found[0].dedup_key
    )


def test_a_closed_wish_review_posts_its_results(app, db_session):
    review = ReviewBrief(7, 1, "São Paulo", "#wishes", date(2026, 3, 3), "closed")
    decisions = [DecisionBrief(3, "CSV export", "will_do", "", None, 4, 4)]
    signals.wish_review_closed.send(app, review=review, decisions=decisions)
    db_session.commit()
    (message,) = outbox_rows("wish-review-results")
    assert message.channel == "#wishes" and "CSV export" in json.dumps(message.blocks)


def test_every_signal_is_sent_by_the_app_with_the_payload_core_signals_lists(
    app, db_session, make_team, make_user
):
    """The contract written in ``core.signals``, from the real services that send each signal."""
    seen = {}

    def collect(name):
        def receive(sender, **payload):
            seen[name] = (sender, payload)

        return receive

    receivers = {
        signal: collect(signal.name)
        for signal in (signals.rating_received, signals.standup_ended, signals.wish_review_closed)
    }
    for signal, receiver in receivers.items():
        signal.connect(receiver)
    try:
        team = make_team(timezone="UTC", workdays="1234567", slack_channel="#sp")
        manager = make_user("manager", team_id=team.id)
        intake.record_rating(clients.upsert_client("crm-9", "Ana"), 1, channel="api")
        at = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
        standups.prepare_standups(at)
        standups.auto_end_standups(at + timedelta(days=1))  # its day is over: ended, not held
        team, manager = db_session.get(Team, team.id), db_session.get(User, manager.id)
        wishes.close_review(team, date(2026, 3, 3), manager)
    finally:
        for signal, receiver in receivers.items():
            signal.disconnect(receiver)

    assert {name: sender for name, (sender, _payload) in seen.items()} == dict.fromkeys(
        ("rating-received", "standup-ended", "wish-review-closed"), app
    )
    rating = seen["rating-received"][1]
    assert isinstance(rating["rating"], Rating) and isinstance(rating["complaint"], Complaint)
    ended = seen["standup-ended"][1]
    assert isinstance(ended["standup"], Standup) and isinstance(ended["summary"], StandupSummary)
    closed = seen["wish-review-closed"][1]
    assert closed["review"] == ReviewBrief(
        closed["review"].id, team.id, team.name, "#sp", date(2026, 3, 3), "closed", team.slug
    )
    assert closed["decisions"] == []


def test_follow_up_watch_tells_once_per_complaint_and_deadline(db_session, make_user):
    owner = make_user("manager", name="Olga", slack_user_id="U_OLGA")
    client = clients.upsert_client("crm-3", "Maria Silva", EMAIL, PHONE)
    now = utcnow()
    complaint = intake.open_complaint(
        client, "Broken blender", channel="api", owner_id=owner.id, now=now - timedelta(hours=30)
    )
    db_session.commit()
    assert run_job("follow-up-watch", now)[0] == "done"
    watch, nudge = outbox_rows("follow-up-watch"), outbox_rows("follow-up-nudge")
    assert len(watch) == 1 and "<@U_OLGA>" in json.dumps(watch[0].blocks)
    assert len(nudge) == 1 and nudge[0].channel == "U_OLGA"
    later = now + timedelta(minutes=15)
    run_job("follow-up-watch", later)
    assert len(outbox_rows("follow-up-watch")) == 1  # same deadline: not told again
    complaint = db_session.get(Complaint, complaint.id)
    complaint.due_at = later + timedelta(minutes=5)  # a new deadline, missed again
    db_session.commit()
    run_job("follow-up-watch", later + timedelta(minutes=15))
    assert len(outbox_rows("follow-up-nudge")) == 2


def test_a_nudge_speaks_the_team_language_to_who_chose_none(db_session, make_team, make_user):
    """A manager who chose no language reads their team's, in Slack as in their mail: the nudge
    came in English to a Portuguese team while the mail for the same deadline came in Portuguese."""
    team = make_team(timezone="America/Sao_Paulo", locale="pt_BR")
    owner = make_user("manager", name="João", slack_user_id="U_JOAO", team_id=team.id)
    client = clients.upsert_client("crm-pt", "Carla", EMAIL, PHONE)
    now = utcnow()
    intake.open_complaint(
        client, "Liquidificador", channel="api", owner_id=owner.id, now=now - timedelta(hours=30)
    )
    db_session.commit()
    run_job("follow-up-watch", now)
    (nudge,) = outbox_rows("follow-up-nudge")
    text = json.dumps(nudge.blocks, ensure_ascii=False)
    assert "Your follow-up" not in text and "Carla" in text


def test_reminder_job_posts_to_each_due_team_once(db_session, make_team, make_user):
    """A real team whose stand-up starts in five minutes: reminded once, naming who is missing."""
    team = make_team(timezone="UTC", standup_time=time(9, 0), slack_channel="#sp")
    make_user("agent", name="Ana", slack_user_id="U_ANA", team_id=team.id)
    at = datetime(2026, 3, 4, 8, 55, tzinfo=UTC)  # a Wednesday, five minutes before
    run_job("standup-reminder", at)
    run_job("standup-reminder", at + timedelta(seconds=1))  # another run, same stand-up
    (message,) = outbox_rows("standup-reminder")
    assert message.channel == "#sp" and "<@U_ANA>" in json.dumps(message.blocks)


def test_a_team_is_reminded_in_its_own_language(db_session, make_team, make_user):
    """A Russian-speaking team gets its reminder in Russian, whatever the installation's default."""
    team = make_team(timezone="UTC", standup_time=time(9, 0), slack_channel="#msk")
    team.locale = "ru"
    make_user("agent", name="Olga", slack_user_id="U_OLGA", team_id=team.id)
    run_job("standup-reminder", datetime(2026, 3, 4, 8, 55, tzinfo=UTC))
    (message,) = outbox_rows("standup-reminder")
    text = json.dumps(message.blocks, ensure_ascii=False)
    assert "Stand-up" not in text and "отмет" in text.lower()


def test_no_client_e_mail_or_phone_in_any_payload(app, db_session, make_user, fake_slack):
    """Every kind that mentions our clients, posted for real, then every request body scanned."""
    owner = make_user("manager", slack_user_id="U_OWNER")
    ours = [
        clients.upsert_client(
            f"crm-{n}", f"Client {n}", f"client{n}@example.org", f"+7 900 000-00-{n:02d}"
        )
        for n in range(12)
    ]
    now = utcnow()
    for n, client in enumerate(ours):
        intake.record_rating(
            client, 1, comment="Awful", channel="api", now=now - timedelta(hours=30)
        )
        if n % 2:
            complaint = intake.open_complaint_of(client.id)
            complaint.owner_id = owner.id
    db_session.commit()
    run_job("complaints-digest", now)
    run_job("follow-up-watch", now)
    clock = FakeClock()
    dispatch(clock=clock, sleep=clock.sleep, budget=timedelta(minutes=5))
    kinds = {m.kind for m in outbox_rows()}
    assert {"low-rating-alert", "complaints-digest", "follow-up-watch", "follow-up-nudge"} <= kinds
    assert all(m.status == "sent" for m in outbox_rows())
    sent = json.dumps([call.body for call in fake_slack.calls], ensure_ascii=False)
    assert "Client 3" in sent  # names are there…
    for client in ours:  # …contact details never
        assert client.email not in sent and client.phone not in sent
        assert client.phone.replace(" ", "") not in sent.replace(" ", "")
    assert "@example.org" not in sent


def test_an_unclaimed_low_rating_alert_is_escalated_once_in_its_thread(
    db_session, make_user, fake_slack
):
    make_user("admin", name="Head", slack_user_id="U_HEAD")
    make_user("admin", name="Gone", slack_user_id="U_GONE", active=False)
    now = utcnow()
    unclaimed = intake.record_rating(
        clients.upsert_client("crm-u1", "Maria Silva", EMAIL, PHONE),
        1,
        channel="api",
        now=now - timedelta(minutes=31),
    )
    claimed = intake.record_rating(
        clients.upsert_client("crm-u2", "João"), 2, channel="api", now=now - timedelta(minutes=45)
    )
    intake.open_complaint_of(claimed.client_id).owner_id = make_user("manager").id
    fresh = intake.record_rating(
        clients.upsert_client("crm-u3", "Lia"), 1, channel="api", now=now - timedelta(minutes=5)
    )
    db_session.commit()

    assert run_job("claim-watch", now) == ("done", "1 escalated")
    (reply,) = outbox_rows("low-rating-escalation")
    assert reply.thread_parent_key == f"low-rating:{unclaimed.id}"
    assert reply.dedup_key == f"low-rating:{unclaimed.id}/unclaimed"
    body = json.dumps(reply.blocks)
    assert "<@U_HEAD>" in body and "U_GONE" not in body and "30 minutes" in body
    assert f"/complaints/{unclaimed.complaint_id}" in body
    run_job("claim-watch", now + timedelta(minutes=5))  # escalated once, not every run
    assert len(outbox_rows("low-rating-escalation")) == 1
    run_job("claim-watch", now + timedelta(minutes=30))  # now the fresh one is late too
    assert {m.thread_parent_key for m in outbox_rows("low-rating-escalation")} == {
        f"low-rating:{unclaimed.id}",
        f"low-rating:{fresh.id}",
    }

    clock = FakeClock()
    dispatch(clock=clock, sleep=clock.sleep, budget=timedelta(minutes=5))
    alert_ts = {m.dedup_key: m.ts for m in outbox_rows("low-rating-alert")}
    posted = [call.body for call in fake_slack.posts() if "U_HEAD" in json.dumps(call.body)]
    assert len(posted) == 2
    assert {body["thread_ts"] for body in posted} == {
        alert_ts[f"low-rating:{unclaimed.id}"],
        alert_ts[f"low-rating:{fresh.id}"],
    }
    assert all(EMAIL not in json.dumps(body) for body in posted)


def test_claim_minutes_is_a_setting(db_session, app):
    app.config["CLAIM_MINUTES"] = 60
    now = utcnow()
    intake.record_rating(
        clients.upsert_client("crm-u4", "Rui"), 1, channel="api", now=now - timedelta(minutes=45)
    )
    db_session.commit()
    assert run_job("claim-watch", now) == ("done", "0 escalated")
    assert run_job("claim-watch", now + timedelta(minutes=16)) == ("done", "1 escalated")


def test_today_marks_for_admins_the_complaints_whose_alert_was_escalated(app, client, login_as):
    """The escalation is told where the head of support looks, not only in Slack (#17)."""
    login_as("admin")
    now = utcnow()
    with using(app):
        for external_id, name, minutes in (("crm-e1", "Late", 31), ("crm-e2", "Fresh", 5)):
            intake.record_rating(
                clients.upsert_client(external_id, f"{name} Claim"), 1, channel="api",
                now=now - timedelta(minutes=minutes),
            )  # fmt: skip
        db.session.commit()

    def rows() -> dict[str, str]:
        text = client.get("/today/unowned", headers={"HX-Request": "true"}).text
        return {
            name: text.split(f"{name} Claim", 1)[1].split("</li>", 1)[0]
            for name in ("Late", "Fresh")
        }

    assert not any("escalated" in row for row in rows().values())
    with using(app):
        assert run_job("claim-watch", now) == ("done", "1 escalated")
    marked = rows()
    assert "escalated: nobody took it in time" in marked["Late"]
    assert "escalated" not in marked["Fresh"]


def _posted_lines(fake_slack) -> list[str]:
    """Every line of every section Slack was sent (the parents and the thread replies)."""
    return [
        line
        for call in fake_slack.posts()
        for block in call.body.get("blocks") or []
        if block["type"] == "section" and "text" in block
        for line in block["text"]["text"].split("\n")
    ]


def test_a_marked_client_and_complaint_reach_slack_as_typed(db_session, fake_slack):
    """A client named ``*Maria* _Silva_`` showed bold and italic in the alert and the digest, a
    comment's ``~refund~`` struck through and its backticks as code. Posted for real, read back."""
    client = clients.upsert_client("crm-mk", "*Maria* _Silva_", EMAIL, PHONE)
    comment = "~refund~ not _ever_ received, `twice`"
    now = utcnow()
    intake.record_rating(client, 1, comment=comment, channel="api", now=now - timedelta(hours=30))
    db_session.commit()
    run_job("complaints-digest", now)
    clock = FakeClock()
    dispatch(clock=clock, sleep=clock.sleep, budget=timedelta(minutes=5))
    assert {m.kind: m.status for m in outbox_rows()} == {
        "low-rating-alert": "sent",
        "complaints-digest": "sent",
    }
    lines = _posted_lines(fake_slack)
    heading = next(line for line in lines if line.startswith("*★"))
    assert heading.endswith("*")  # Huddle's own bold, kept
    assert read_back(heading) == "*★☆☆☆☆ 1/5 from *Maria* _Silva_*"
    assert formatting_left(heading[1:-1]) == []
    quote = next(line for line in lines if line.startswith("> "))  # Huddle's own quote, kept
    assert read_back(quote[2:]) == comment and formatting_left(quote[2:]) == []
    assert "*Waiting for an owner* (1)" in lines  # the digest's bold headings, kept
    entry = next(line for line in lines if line.startswith("• <"))
    client_part = entry.split("> — ", 1)[1].split(" · ", 1)[0]
    assert read_back(client_part) == "*Maria* _Silva_" and formatting_left(client_part) == []
    sent = json.dumps([call.body for call in fake_slack.posts()], ensure_ascii=False)
    for raw in ("*Maria*", "_Silva_", "~refund~", "_ever_", "`twice`"):
        assert raw not in sent, raw  # not in the blocks, nor in the notification text
