"""Every channel lands in one place: clients, ratings and complaints enter Huddle here.

None of these functions commits: the API, the survey page, the public form and the CSV import each
commit once, so a request (or a whole import) is all-or-nothing.
"""

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from complaints.models import OPEN_STATUSES, Client, Complaint, Rating
from dashboard import audit
from dashboard.database import utcnow
from dashboard.extensions import db
from dashboard.models import User
from dashboard.signals import complaint_opened, rating_received


def upsert_client(
    external_id: str, name: str, email: str | None = None, phone: str | None = None
) -> Client:
    """Find our client by the id another system gave them; keep their details current."""
    client = db.session.scalar(sa.select(Client).where(Client.external_id == external_id))
    if client is None:
        client = Client(external_id=external_id, name=name, email=email, phone=phone)
        db.session.add(client)
        db.session.flush()
        return client
    client.name = name or client.name
    client.email = email or client.email
    client.phone = phone or client.phone
    return client


def head_of_support() -> User | None:
    """The person who owns complaints written to "the head of support": configured, or the first admin."""
    email = current_app.config.get("HEAD_OF_SUPPORT_EMAIL")
    query = sa.select(User).where(User.active.is_(True))
    if email:
        found = db.session.scalar(query.where(User.email == email.lower()))
        if found is not None:
            return found
    return db.session.scalar(query.where(User.role == "admin").order_by(User.id).limit(1))


def open_complaint(
    client: Client,
    summary: str,
    *,
    details: str | None = None,
    channel: str,
    owner_id: int | None = None,
    team_id: int | None = None,
    actor_id: int | None = None,
    now: datetime | None = None,
) -> Complaint:
    now = now or utcnow()
    if team_id is None and owner_id is not None:
        team_id = db.session.scalar(sa.select(User.team_id).where(User.id == owner_id))
    complaint = Complaint(
        client=client,
        summary=summary[:300],
        details=details,
        channel=channel,
        owner_id=owner_id,
        team_id=team_id,
        opened_at=now,
        due_at=now + timedelta(hours=current_app.config["FOLLOW_UP_HOURS"]),
        status="new",
    )
    db.session.add(complaint)
    db.session.flush()
    audit.record(actor_id, "complaint", complaint.id, "opened", channel=channel)
    complaint_opened.send(current_app._get_current_object(), complaint=complaint)
    return complaint


def open_complaint_of(client_id: int) -> Complaint | None:
    """The client's current open complaint, if any: a new low rating joins it instead of a duplicate."""
    return db.session.scalar(
        sa.select(Complaint)
        .where(Complaint.client_id == client_id, Complaint.status.in_(OPEN_STATUSES))
        .order_by(Complaint.opened_at.desc())
        .limit(1)
    )


def record_rating(
    client: Client,
    score: int,
    *,
    comment: str | None = None,
    channel: str,
    order_ref: str | None = None,
    occurred_at: datetime | None = None,
    now: datetime | None = None,
) -> Rating:
    """Keep a rating; one at or below LOW_RATING_MAX opens a complaint at once (or joins the open one)."""
    now = now or utcnow()
    rating = Rating(
        client=client,
        score=score,
        comment=comment,
        channel=channel,
        order_ref=order_ref,
        occurred_at=occurred_at or now,
        received_at=now,
    )
    db.session.add(rating)
    complaint = None
    if score <= current_app.config["LOW_RATING_MAX"]:
        complaint = open_complaint_of(client.id)
        if complaint is None:
            summary = _rating_summary(score, comment)
            complaint = open_complaint(client, summary, details=comment, channel=channel, now=now)
        else:
            audit.record(None, "complaint", complaint.id, "rating_added", score=score)
        rating.complaint_id = complaint.id
    db.session.flush()
    rating_received.send(current_app._get_current_object(), rating=rating, complaint=complaint)
    return rating


def _rating_summary(score: int, comment: str | None) -> str:
    text = f"Rated {score}/5"
    if comment:
        text += f": {comment.strip()}"
    return text if len(text) <= 300 else text[:299] + "…"
