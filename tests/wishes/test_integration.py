"""The packages' events reach the Slack outbox in the same transaction, with no client contact details."""

import json
from datetime import UTC, date, datetime

import sqlalchemy as sa

from core.api.tokens import create_token
from core.extensions import db
from dashboard.slack.models import OutboxMessage
from standup import services as standups
from standup.models import AgendaItem
from tests.support.db import using
from wishes import services as wishes

CLIENT = {
    "external_id": "crm-9",
    "name": "Inês Rocha",
    "email": "ines@example.com",
    "phone": "+351 911 222 333",
}


def outbox(app, kind):
    with using(app):
        return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == kind)))


def test_low_rating_from_the_api_queues_one_alert_without_contact_details(app, client):
    with using(app):
        token = create_token("crm")
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "r-1"}
    body = {"client": CLIENT, "score": 1, "comment": "Nobody answered the phone"}
    client.post("/api/v1/ratings", json=body, headers=headers)
    client.post("/api/v1/ratings", json=body, headers=headers)  # a replay: no second alert
    client.post(
        "/api/v1/ratings",
        json={"client": CLIENT, "score": 5},
        headers={"Authorization": headers["Authorization"]},
    )
    alerts = outbox(app, "low-rating-alert")
    assert len(alerts) == 1
    payload = json.dumps(alerts[0].blocks) + alerts[0].text
    assert "Inês Rocha" in payload
    assert "ines@example.com" not in payload and "911 222 333" not in payload
    assert "call" in payload.lower()


def test_closing_a_wish_review_queues_the_results_for_the_team_channel(
    app, make_team, make_user, wish_with_clients
):
    team = make_team(slack_channel="#support-lisbon")
    manager = make_user("manager", team_id=team.id)
    wish_id = wish_with_clients(3)
    review_on = date(2026, 12, 1)
    with using(app):
        team = db.session.merge(team)
        actor = db.session.merge(manager)
        wishes.decide(
            wish_id,
            actor,
            team=team,
            review_on=review_on,
            outcome="will_do_in_paid_period",
            reason="Fits the Q1 roadmap",
            terms="Within the annual plan",
        )
        wishes.close_review(team, review_on, actor)
    results = outbox(app, "wish-review-results")
    assert len(results) == 1 and results[0].channel == "#support-lisbon"
    text = json.dumps(results[0].blocks, ensure_ascii=False)
    assert "Fits the Q1 roadmap" in text and "🗓" in text


def test_wishes_due_for_review_are_on_the_standup_agenda_of_review_day(
    app, make_team, make_user, wish_with_clients
):
    team = make_team(timezone="UTC", workdays="12345")
    make_user("agent", team_id=team.id)
    wish_with_clients(3, title="Dark mode for the client portal")
    review_day = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)  # a Tuesday, the default review day
    with using(app):
        [standup] = standups.prepare_standups(review_day)
        kinds = db.session.scalars(
            sa.select(AgendaItem.kind)
            .where(AgendaItem.standup_id == standup.id)
            .order_by(AgendaItem.position)
        ).all()
        wishes_item = db.session.scalar(
            sa.select(AgendaItem).where(
                AgendaItem.standup_id == standup.id, AgendaItem.kind == "wishes"
            )
        )
    # After the overnight news and follow-ups (none here), before action items and check-ins.
    assert kinds == ["wishes", "check_ins", "parking_lot"]
    assert "Dark mode for the client portal" in json.dumps(wishes_item.refs, ensure_ascii=False)
