"""Asking our clients by e-mail: the survey after a service and its one reminder, the follow-up
survey once a complaint is settled, and staff sending that one again.

Every mail shows the five scores as buttons; each opens the survey page with that score chosen,
and only the client's confirmation there records a rating (mail scanners open every link). Mail
goes into the outbox in the transaction of its cause; an opted-out client, or one without an
address, gets nothing (``core.mail.outbox.to_client``).
"""

from datetime import datetime, timedelta
from typing import NamedTuple

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_babel.speaklater import LazyString
from sqlalchemy.exc import IntegrityError

from complaints.intake import survey
from complaints.models import Complaint, Service, SurveyLink
from core.database import utcnow
from core.errors import Forbidden, NotFound, RuleError
from core.extensions import db
from core.mail import outbox as mail
from core.mail.models import MailMessage
from core.models import Client, User
from core.urls import external_url

SUBJECTS = {
    "survey": _l("How did we do?"),
    "survey-reminder": _l("A moment to tell us how we did?"),
    "follow-up-survey": _l("Did we put things right?"),
}
BATCH = 500


# What each score means, said whole: a screen reader read the buttons as "link, 1", "link, 2"…,
# and the text part listed bare digits. Rendered in the client's language with the mail.
SCORE_NAMES = {
    1: _l("1 of 5, very bad"),
    2: _l("2 of 5, bad"),
    3: _l("3 of 5, OK"),
    4: _l("4 of 5, good"),
    5: _l("5 of 5, excellent"),
}


class ScoreLink(NamedTuple):
    score: int  # what the button shows
    name: LazyString  # what it means: its accessible name, and its label in the text part
    url: str


def score_links(token: str) -> list[ScoreLink]:
    """The five buttons: each opens the survey page with its score chosen (nothing recorded)."""
    return [
        ScoreLink(score, name, external_url("public.survey", token=token, score=score))
        for score, name in SCORE_NAMES.items()
    ]


def mail_survey(
    link: SurveyLink, token: str, client: Client, kind: str, dedup_key: str, now: datetime
) -> bool:
    """Put a survey mail into the outbox (no commit); the link notes when it was first mailed."""
    message = mail.to_client(
        client,
        kind,
        dedup_key,
        "survey",
        SUBJECTS[kind],
        survey_kind=kind,
        client_name=client.name,
        order_ref=link.order_ref,
        scores=score_links(token),
        expires_at=link.expires_at,
    )
    if message is not None and link.sent_at is None:
        link.sent_at = now
    return message is not None


# --- one survey per client and order -------------------------------------------------------------


def order_key(client_id: int, order_ref: str) -> str:
    """The outbox key of an order's survey: both ways of asking for it share it, so one goes."""
    return f"survey-order:{client_id}:{order_ref}"


def mailed_link(client_id: int, order_ref: str) -> SurveyLink | None:
    """The rating link already mailed for this client and order (by either way), if any."""
    return db.session.scalar(
        sa.select(SurveyLink)
        .where(
            SurveyLink.client_id == client_id,
            SurveyLink.order_ref == order_ref,
            SurveyLink.purpose == "rating",
            SurveyLink.sent_at.is_not(None),
        )
        .order_by(SurveyLink.sent_at, SurveyLink.id)
        .limit(1)
    )


def _adopt(service: Service, link: SurveyLink) -> None:
    """The order's survey went already: the service's survey is that one (its reminder too)."""
    service.survey_link_id = link.id
    service.survey_sent_at = link.sent_at


def send_order_survey(
    client: Client, order_ref: str, now: datetime
) -> tuple[SurveyLink, str, bool]:
    """``POST /survey-links`` with ``send`` and an order: the order's one survey mail (no commit).

    An order whose survey was already mailed (by this call before, or by the survey job after
    ``POST /services``) gets no second mail: the answer is the link the client has. A service
    told before, whose survey is not yet due, counts this mail as its survey.
    """
    link = mailed_link(client.id, order_ref)
    if link is not None:
        return link, survey.token_for(link), True
    link, token = survey.issue_link(client.id, order_ref=order_ref, now=now)
    db.session.flush()
    sent = mail_survey(link, token, client, "survey", order_key(client.id, order_ref), now)
    if sent:
        service = db.session.scalar(
            sa.select(Service).where(
                Service.client_id == client.id,
                Service.order_ref == order_ref,
                Service.survey_sent_at.is_(None),
            )
        )
        if service is not None:
            _adopt(service, link)
    return link, token, sent


# --- services another system completed -----------------------------------------------------------


def oldest_surveyed(now: datetime) -> datetime:
    """A service completed before this is too old to ask about (``SURVEY_MAX_AGE_DAYS``).

    A rating weeks after the fact is about a service the client hardly remembers, and mail asking
    for it reads as spam; a low one would even open a complaint with a day's deadline on it.
    """
    return now - timedelta(days=current_app.config["SURVEY_MAX_AGE_DAYS"])


def record_service(
    client: Client, order_ref: str, completed_at: datetime, now: datetime | None = None
) -> tuple[Service, bool]:
    """Note a completed service, once per client and order (no commit: the API's call commits).

    Returns the service and whether it is new. Its survey is due ``SURVEY_DELAY_MINUTES`` after
    completion; a service told late (or twice) asks no second time, and one completed more than
    ``SURVEY_MAX_AGE_DAYS`` ago is recorded with no survey at all (``survey_due_at`` null).
    """
    query = sa.select(Service).where(Service.client_id == client.id, Service.order_ref == order_ref)
    found = db.session.scalar(query)
    if found is not None:
        return found, False
    now = now or utcnow()
    delay = timedelta(minutes=current_app.config["SURVEY_DELAY_MINUTES"])
    recent = completed_at >= oldest_surveyed(now)
    service = Service(
        client_id=client.id,
        order_ref=order_ref,
        completed_at=completed_at,
        survey_due_at=completed_at + delay if recent else None,
        created_at=now,
    )
    try:
        with db.session.begin_nested():  # two requests at once: the second finds the first
            db.session.add(service)
    except IntegrityError:
        return db.session.scalar(query), False
    link = mailed_link(client.id, order_ref)
    if link is not None:  # POST /survey-links mailed this order's survey already
        _adopt(service, link)
    return service, True


def send_due_surveys(now: datetime | None = None) -> tuple[int, int]:
    """The survey job: surveys now due, then reminders for unanswered ones; commits once.

    A client we cannot write to (no address, opted out) gets no link at all; the service is marked
    done so it is not looked at again. A survey whose service has grown older than
    ``SURVEY_MAX_AGE_DAYS`` while it waited (the job stopped for weeks) is not sent late: the
    service then asks no survey (``survey_due_at`` null, as if told that late), and no reminder
    goes for a service past that age either. The bound is the service's age, not how late the job
    is: a survey a day late for last week's service still goes.
    """
    now = now or utcnow()
    oldest = oldest_surveyed(now)
    due = db.session.scalars(
        sa.select(Service)
        .where(Service.survey_sent_at.is_(None), Service.survey_due_at <= now)
        .order_by(Service.survey_due_at, Service.id)
        .limit(BATCH)
    ).all()
    surveys = 0
    for service in due:
        if service.completed_at < oldest:
            service.survey_due_at = None  # too old to ask about now: leaves the due surveys
            continue
        service.survey_sent_at = now
        if not mail.reachable(service.client):
            continue
        mailed = mailed_link(service.client_id, service.order_ref)
        if mailed is not None:  # sent meanwhile through POST /survey-links
            _adopt(service, mailed)
            continue
        link, token = survey.issue_link(service.client_id, order_ref=service.order_ref, now=now)
        db.session.flush()
        service.survey_link_id = link.id
        key = order_key(service.client_id, service.order_ref)
        surveys += mail_survey(link, token, service.client, "survey", key, now)
    before = now - timedelta(hours=current_app.config["SURVEY_REMINDER_HOURS"])
    unanswered = db.session.scalars(
        sa.select(Service)
        .join(SurveyLink, SurveyLink.id == Service.survey_link_id)
        .where(
            Service.reminder_sent_at.is_(None),
            Service.survey_sent_at <= before,
            Service.completed_at >= oldest,
            SurveyLink.used_at.is_(None),
            SurveyLink.expires_at > now,
        )
        .order_by(Service.id)
        .limit(BATCH)
    ).all()
    reminders = 0
    for service in unanswered:
        service.reminder_sent_at = now
        link = service.survey_link
        key = f"survey-reminder:{service.id}"
        token = survey.token_for(link)
        reminders += mail_survey(link, token, service.client, "survey-reminder", key, now)
    db.session.commit()
    return surveys, reminders


# --- the follow-up survey after a complaint ------------------------------------------------------


def mail_follow_up(link: SurveyLink, token: str, now: datetime, attempt: int = 0) -> bool:
    """The follow-up survey to the client of a resolved complaint (no commit)."""
    client = db.session.get(Client, link.client_id)
    key = f"follow-up-survey:{link.id}" + (f":{attempt}" if attempt else "")
    return mail_survey(link, token, client, "follow-up-survey", key, now)


RESEND_PAUSE = timedelta(minutes=15)


class FollowUpError(RuleError):
    """The follow-up survey cannot be sent again: answered, expired, or no address to send to."""


def _follow_ups_mailed(link: SurveyLink) -> list[datetime]:
    """When this follow-up survey was mailed (its count is the next attempt's number, its key).

    Read from the client's own mails (an index) and matched here exactly: a ``LIKE`` on the key
    read every mail ever queued, and took survey 70's mails for survey 7's.
    """
    key = f"follow-up-survey:{link.id}"
    mailed = db.session.execute(
        sa.select(MailMessage.dedup_key, MailMessage.created_at).where(
            MailMessage.client_id == link.client_id, MailMessage.kind == "follow-up-survey"
        )
    )
    return [at for mail, at in mailed if mail == key or mail.startswith(f"{key}:")]


def resend_follow_up(complaint_id: int, actor: User, now: datetime | None = None) -> SurveyLink:
    """Staff send the unanswered follow-up survey again (managers, as for resolving); commits."""
    if not actor.has_role("manager"):
        raise Forbidden(_("Only managers send the follow-up survey."))
    now = now or utcnow()
    if db.session.get(Complaint, complaint_id) is None:
        raise NotFound(_("This complaint does not exist."))
    link = survey.latest_follow_up(complaint_id)
    if link is None:
        raise FollowUpError(_("There is no follow-up survey yet: resolve the complaint first."))
    if link.used_at is not None:
        raise FollowUpError(_("The client has already answered the follow-up survey."))
    if link.expires_at <= now:
        raise FollowUpError(_("The follow-up survey has expired."))
    mailed = _follow_ups_mailed(link)
    if mailed and max(mailed) > now - RESEND_PAUSE:  # a second click, or a mail still on its way
        minutes = int(RESEND_PAUSE.total_seconds() // 60)
        raise FollowUpError(
            ngettext(
                "The client got this survey less than %(num)d minute ago: give it time to arrive.",
                "The client got this survey less than %(num)d minutes ago: give it time to arrive.",
                minutes,
            )
        )
    if not mail_follow_up(link, survey.token_for(link), now, attempt=len(mailed)):
        raise FollowUpError(_("The client has no e-mail address or does not want e-mail from us."))
    db.session.commit()
    return link
