"""Every channel lands in one place: clients, ratings and complaints enter Huddle here.

``upsert_client``, ``open_complaint`` and ``record_rating`` never commit: the API, the CSV import and
the pages around them each commit once, so a request (or a whole import) is all-or-nothing. The
page-level services further down (``answer_survey``, ``receive_web_message``,
``record_staff_complaint``) are what a view calls, and they make the request's one commit.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from complaints import events, milestones
from complaints.briefs import complaint_brief
from complaints.intake.survey import SurveyLinkError
from complaints.models import OPEN_STATUSES, Complaint, Rating, SurveyLink
from core import throttle
from core.clients import client_from_public_input, find_or_create_client
from core.database import hold_row, utcnow
from core.extensions import db
from core.mail import outbox as mail
from core.models import Client, User
from core.signals import client_wrote_to_head, rating_received
from core.urls import external_url

SUMMARY_MAX = 300
WEB_MESSAGE_BUCKET = "write-to-us"
WEB_MESSAGE_WINDOW_SECONDS = 3600


def head_of_support() -> User | None:
    """Who owns complaints written to "the head of support": configured, or the first admin."""
    email = current_app.config.get("HEAD_OF_SUPPORT_EMAIL")
    query = sa.select(User).where(User.active.is_(True))
    if email:
        found = db.session.scalar(query.where(sa.func.lower(User.email) == email.lower()))
        if found is not None:
            return found
    return db.session.scalar(query.where(User.role == "admin").order_by(User.id).limit(1))


def _team_of(owner_id: int | None) -> int | None:
    if owner_id is None:
        return None
    return db.session.scalar(sa.select(User.team_id).where(User.id == owner_id))


def open_complaint(
    client: Client,
    summary: str,
    *,
    summary_kind: str | None = None,
    summary_params: dict | None = None,
    details: str | None = None,
    channel: str,
    owner_id: int | None = None,
    team_id: int | None = None,
    actor_id: int | None = None,
    now: datetime | None = None,
) -> Complaint:
    """Open a complaint with its follow-up deadline; the owner's team holds it unless one is given."""
    now = now or utcnow()
    complaint = Complaint(
        client=client,
        summary_words=shorten(summary),
        summary_kind=summary_kind,
        summary_params=summary_params,
        details=details,
        channel=channel,
        owner_id=owner_id,
        team_id=_team_of(owner_id) if team_id is None else team_id,
        opened_at=now,
        due_at=now + timedelta(hours=current_app.config["FOLLOW_UP_HOURS"]),
        status="new",
    )
    db.session.add(complaint)
    db.session.flush()
    events.record(actor_id, complaint.id, "opened", now, channel=channel, owner_id=owner_id)
    return complaint


def open_complaint_of(client_id: int) -> Complaint | None:
    """The client's current open complaint, if any: a new low rating joins it instead of a duplicate."""
    return db.session.scalar(
        sa.select(Complaint)
        .where(Complaint.client_id == client_id, Complaint.status.in_(OPEN_STATUSES))
        .order_by(Complaint.opened_at.desc(), Complaint.id.desc())
        .limit(1)
    )


def lock_client(client_id: int) -> None:
    """Hold the client's row until the commit, so "one open complaint per client" holds.

    Two low ratings of one client at once would both find no open complaint and both open one
    (PostgreSQL lets both look). With the row locked, the second waits for the first's commit and
    then finds its complaint (``core.database.hold_row``: before this request adds a rating).
    """
    hold_row(db.session, Client, client_id)


def is_low(score: int) -> bool:
    return score <= current_app.config["LOW_RATING_MAX"]


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
    low = is_low(score)
    if low:  # first: a row referring to the client, flushed before, would take a weaker lock
        lock_client(client.id)
    rating = Rating(
        client=client,
        score=score,
        occurred_at=occurred_at or now,
        comment=comment,
        channel=channel,
        order_ref=order_ref,
        received_at=now,
    )
    db.session.add(rating)
    complaint = None
    if low:
        complaint = open_complaint_of(client.id)
        if complaint is None:
            complaint = open_complaint(
                client, **rating_summary(score, comment), details=comment, channel=channel, now=now
            )
        else:
            events.record(None, complaint.id, "rating_added", now, score=score)
        rating.complaint_id = complaint.id
    db.session.flush()
    milestones.refresh_clients([client.id])
    rating_received.send(current_app._get_current_object(), rating=rating, complaint=complaint)
    return rating


def rating_summary(score: int, comment: str | None) -> dict:
    """``open_complaint``'s summary for a complaint a rating opened: the score as data (the title
    "Rated 2/5" is written when shown, in the viewer's language) and the start of the comment in
    the client's own words."""
    words = comment.strip().splitlines()[0] if comment and comment.strip() else ""
    return {"summary": words, "summary_kind": "rated", "summary_params": {"score": score}}


def shorten(text: str, limit: int = SUMMARY_MAX) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- Page-level services: each makes its request's one commit. -----------------------------------


def note_survey_opened(link: SurveyLink, now: datetime | None = None) -> None:
    """The client opened their survey (the first time counts): "opened" on the complaint page.

    Opening records no rating, whatever score the link chose: mail scanners open every link.
    Commits only when something changed.
    """
    if link.opened_at is None and link.used_at is None:
        link.opened_at = now or utcnow()
        db.session.commit()


def answer_survey(
    link: SurveyLink,
    score: int,
    comment: str | None,
    now: datetime | None = None,
    *,
    locale: str | None = None,
) -> Rating:
    """Record the client's answer to a survey link, once, and commit.

    The link is claimed with a conditional UPDATE before anything else is written, so two tabs or a
    double submit cannot both record a rating: the second raises ``SurveyLinkError("used")``.
    A follow-up link (sent after a complaint was resolved) records the rating against the
    complaint's client like any other rating (a low one opens a new complaint) and notes that the
    client rated us again, which is what the desk reads as "stayed". ``locale`` is the language
    the page was read in: the first answer teaches us the language of a client we knew none for.
    """
    now = now or utcnow()
    claimed = db.session.execute(
        sa.update(SurveyLink)
        .where(SurveyLink.id == link.id, SurveyLink.used_at.is_(None))
        .values(used_at=now)
    )
    if claimed.rowcount != 1:
        raise SurveyLinkError("used")
    rating = record_rating(
        link.client, score, comment=comment, channel="survey", order_ref=link.order_ref, now=now
    )
    link.rating_id = rating.id
    if link.client.locale is None and locale:
        link.client.locale = locale
    if link.purpose == "follow_up" and link.complaint_id is not None:
        complaint = db.session.get(Complaint, link.complaint_id)
        if complaint is not None and complaint.client_outcome is None and not is_low(score):
            complaint.client_outcome = "rated_again"
            events.record(
                None, complaint.id, "client_outcome", now, outcome="rated_again", score=score
            )
    db.session.commit()
    return rating


def web_messages_limited(address: str) -> bool:
    """Whether this address has sent as many messages as an hour allows (config WRITE_TO_US_PER_HOUR)."""
    limit = current_app.config.get("WRITE_TO_US_PER_HOUR", 5)
    sender = throttle.sender(address)  # an IPv6 address counts as its /64
    return throttle.is_limited(WEB_MESSAGE_BUCKET, sender, limit, WEB_MESSAGE_WINDOW_SECONDS)


@dataclass(frozen=True)
class WebMessageResult:
    complaint: Complaint | None
    limited: bool = False


def receive_web_message(
    name: str,
    contact: str,
    message: str,
    *,
    address: str,
    trap_filled: bool = False,
    now: datetime | None = None,
    locale: str | None = None,
) -> WebMessageResult:
    """A message to the head of support from the public form: a complaint they own, committed.

    Every attempt counts against the sender's address, bots included, so a flood stops at the limit.
    A filled honeypot (``trap_filled``) means a bot: it gets the same thank-you and nothing is opened.
    """
    if web_messages_limited(address):
        return WebMessageResult(None, limited=True)
    throttle.record(WEB_MESSAGE_BUCKET, throttle.sender(address))
    complaint = None
    if not trap_filled:
        contact = contact.strip()
        email, phone = (contact, None) if "@" in contact else (None, contact)
        head = head_of_support()
        # A known client's details are not changed by a stranger: what differs waits for staff.
        client = client_from_public_input(
            name.strip(),
            email,
            phone,
            source="write_to_us",
            team_id=head.team_id if head else None,
        )
        client.locale = client.locale or locale  # the page's language, if we knew none yet
        first_line = message.strip().splitlines()[0]
        complaint = open_complaint(
            client,
            first_line,
            details=message.strip(),
            channel="web_form",
            owner_id=head.id if head else None,
            now=now,
        )
        if head is not None:
            _mail_head_of_support(head, complaint, name.strip(), contact, message.strip())
        db.session.flush()
        client_wrote_to_head.send(
            current_app._get_current_object(),
            complaint=complaint_brief(complaint.id, now or utcnow()),
        )
    db.session.commit()
    return WebMessageResult(complaint)


def _mail_head_of_support(
    head: User, complaint: Complaint, name: str, contact: str, message: str
) -> None:
    """The head of support hears at once that a client wrote to them (the complaint is theirs)."""
    mail.to_user(
        head,
        "web-message",
        f"web-message:{complaint.id}",
        "web_message",
        _l("%(name)s wrote to you", name=name),
        head=head.name,
        client=name,
        contact=contact,
        message=message,
        link=external_url("complaints.detail", complaint_id=complaint.id),
    )


def record_staff_complaint(
    *,
    external_id: str | None,
    name: str,
    email: str | None,
    phone: str | None,
    channel: str,
    summary: str,
    details: str | None,
    actor: User,
) -> Complaint:
    """An agent writes down a complaint heard on a call, read in an e-mail or seen on social media."""
    client = find_or_create_client(external_id, name, email, phone, actor_id=actor.id)
    complaint = open_complaint(
        client,
        summary,
        details=details,
        channel=channel,
        team_id=actor.team_id,
        actor_id=actor.id,
    )
    db.session.commit()
    return complaint
