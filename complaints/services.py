"""The complaint lifecycle: ownership, contacts, playbooks, status, compensation, careful edits.

Complaints and ratings are never deleted: no function here (and no route) removes one. Every change
leaves an audit event, written in the same transaction.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from complaints import survey
from complaints.models import (
    CLIENT_OUTCOMES,
    COMPENSATION_KINDS,
    CONTACT_CHANNELS,
    CONTACT_OUTCOMES,
    OPEN_STATUSES,
    REACHED_OUTCOMES,
    Category,
    Compensation,
    Complaint,
    Contact,
    Playbook,
)
from dashboard import audit
from dashboard.database import utcnow
from dashboard.extensions import db
from dashboard.models import User

# Where a complaint may go from each status; "resolved" additionally needs a contact that reached them.
TRANSITIONS = {
    "new": ("contacting", "resolving", "resolved"),
    "contacting": ("resolving", "resolved"),
    "resolving": ("contacting", "resolved"),
    "reopened": ("contacting", "resolving", "resolved"),
    "resolved": ("closed", "reopened"),
    "closed": ("reopened",),
}


class ComplaintError(ValueError):
    """A rule said no; ``message`` is for the person, ``field`` names the form field if there is one."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class ChangedMeanwhile(ComplaintError):
    """Someone saved the complaint after this editor loaded it; ``complaint`` is the fresh version."""

    def __init__(self, complaint: Complaint):
        super().__init__(
            _(
                "Someone changed this complaint while you were editing. Here is the new version; "
                "your changes are kept in the form — check them and save again."
            )
        )
        self.complaint = complaint


def get(complaint_id: int) -> Complaint | None:
    return db.session.get(Complaint, complaint_id)


def _require(complaint_id: int) -> Complaint:
    complaint = get(complaint_id)
    if complaint is None:
        raise ComplaintError(_("This complaint does not exist."))
    return complaint


def _check_version(complaint: Complaint, expected_version: int | None) -> None:
    if expected_version is not None and complaint.version != expected_version:
        raise ChangedMeanwhile(complaint)


def take_ownership(complaint_id: int, user: User, expected_version: int | None = None) -> Complaint:
    """ "I'll call them": the person becomes the named owner (managers only; agents log calls)."""
    complaint = _require(complaint_id)
    if not user.has_role("manager"):
        raise ComplaintError(_("Only managers own complaints. Ask a manager to take this one."))
    if complaint.status not in OPEN_STATUSES:
        raise ComplaintError(_("This complaint is no longer open."))
    _check_version(complaint, expected_version)
    if complaint.owner_id == user.id:
        return complaint
    previous = complaint.owner_id
    complaint.owner_id = user.id
    if complaint.team_id is None:
        complaint.team_id = user.team_id
    audit.record(
        user.id, "complaint", complaint.id, "owner_changed", **{"from": previous, "to": user.id}
    )
    db.session.commit()
    return complaint


def assign(
    complaint_id: int, actor: User, owner_id: int, expected_version: int | None
) -> Complaint:
    complaint = _require(complaint_id)
    _check_version(complaint, expected_version)
    owner = db.session.get(User, owner_id)
    if owner is None or not owner.active or not owner.has_role("manager"):
        raise ComplaintError(_("Choose an active manager as the owner."), "owner_id")
    previous = complaint.owner_id
    complaint.owner_id = owner.id
    complaint.team_id = complaint.team_id or owner.team_id
    audit.record(
        actor.id, "complaint", complaint.id, "owner_changed", **{"from": previous, "to": owner.id}
    )
    db.session.commit()
    return complaint


def log_contact(
    complaint_id: int,
    actor: User,
    channel: str,
    outcome: str,
    notes: str | None,
    at: datetime | None = None,
) -> Contact:
    """A personal contact with the client; the first one moves a new complaint to "contacting"."""
    complaint = _require(complaint_id)
    if channel not in CONTACT_CHANNELS:
        raise ComplaintError(_("Choose how you contacted them."), "channel")
    if outcome not in CONTACT_OUTCOMES:
        raise ComplaintError(_("Choose what came of it."), "outcome")
    now = utcnow()
    at = at or now
    if at > now + timedelta(minutes=5):
        raise ComplaintError(_("A contact cannot be in the future."), "at")
    contact = Contact(
        complaint_id=complaint.id,
        user_id=actor.id,
        channel=channel,
        outcome=outcome,
        notes=notes,
        at=at,
    )
    db.session.add(contact)
    if complaint.status in ("new", "reopened"):
        complaint.status = "contacting"
    audit.record(
        actor.id, "complaint", complaint.id, "contact_logged", channel=channel, outcome=outcome
    )
    db.session.commit()
    return contact


def has_reaching_contact(complaint_id: int) -> bool:
    return db.session.scalar(
        sa.select(
            sa.exists().where(
                Contact.complaint_id == complaint_id, Contact.outcome.in_(REACHED_OUTCOMES)
            )
        )
    )


@dataclass
class StatusChange:
    complaint: Complaint
    follow_up_token: str | None = None


def change_status(
    complaint_id: int, actor: User, status: str, expected_version: int | None
) -> StatusChange:
    """Move a complaint on; resolving needs a logged contact that reached the client.

    On resolution a follow-up survey link is issued, so we learn whether the client stayed.
    """
    complaint = _require(complaint_id)
    _check_version(complaint, expected_version)
    if status not in TRANSITIONS.get(complaint.status, ()):
        raise ComplaintError(
            _("A complaint cannot go from %(a)s to %(b)s.", a=complaint.status, b=status)
        )
    if status == "resolved" and not has_reaching_contact(complaint.id):
        raise ComplaintError(
            _(
                "Log a contact that reached the client before resolving: a complaint is settled "
                "by talking to them."
            )
        )
    previous = complaint.status
    complaint.status = status
    now = utcnow()
    token = None
    if status == "resolved":
        complaint.resolved_at = now
        _link, token = survey.issue_link(
            complaint.client_id, purpose="follow_up", complaint_id=complaint.id
        )
    elif status == "closed":
        complaint.closed_at = now
    elif status == "reopened":
        complaint.resolved_at = None
        complaint.closed_at = None
    audit.record(
        actor.id, "complaint", complaint.id, "status_changed", **{"from": previous, "to": status}
    )
    db.session.commit()
    return StatusChange(complaint, token)


def apply_playbook(
    complaint_id: int, actor: User, playbook_id: int, expected_version: int | None
) -> Complaint:
    """Category, budget and deadline from the script; its steps become the complaint's checklist."""
    complaint = _require(complaint_id)
    _check_version(complaint, expected_version)
    playbook = db.session.get(Playbook, playbook_id)
    if playbook is None or not playbook.active:
        raise ComplaintError(_("Choose an active playbook."), "playbook_id")
    complaint.playbook_id = playbook.id
    complaint.category_id = playbook.category_id
    complaint.budget = playbook.suggested_compensation
    complaint.due_at = utcnow() + timedelta(hours=playbook.follow_up_hours)
    complaint.checklist_done = []
    audit.record(actor.id, "complaint", complaint.id, "playbook_applied", playbook=playbook.title)
    db.session.commit()
    return complaint


def toggle_step(complaint_id: int, actor: User, step: int) -> Complaint:
    complaint = _require(complaint_id)
    steps = complaint.playbook.steps if complaint.playbook else []
    if not 0 <= step < len(steps):
        raise ComplaintError(_("That step is not in this playbook."))
    done = set(complaint.checklist_done or [])
    done ^= {step}
    complaint.checklist_done = sorted(done)
    audit.record(
        actor.id,
        "complaint",
        complaint.id,
        "step_checked" if step in done else "step_unchecked",
        step=steps[step],
    )
    db.session.commit()
    return complaint


def edit(complaint_id: int, actor: User, expected_version: int, **fields) -> Complaint:
    """Change the complaint's description; a stale ``expected_version`` raises ChangedMeanwhile."""
    complaint = _require(complaint_id)
    _check_version(complaint, expected_version)
    if fields.get("category_id") and db.session.get(Category, fields["category_id"]) is None:
        raise ComplaintError(_("Choose a category from the list."), "category_id")
    changed = {}
    for name, value in fields.items():
        if getattr(complaint, name) != value:
            changed[name] = str(value) if value is not None else None
            setattr(complaint, name, value)
    if changed:
        audit.record(actor.id, "complaint", complaint.id, "edited", **changed)
    try:
        db.session.commit()
    except sa.orm.exc.StaleDataError:
        db.session.rollback()
        raise ChangedMeanwhile(_require(complaint_id)) from None
    return complaint


def add_compensation(
    complaint_id: int, actor: User, kind: str, amount: Decimal, note: str | None
) -> Compensation:
    """Within the owner's limit it is given at once; above it, it waits for an admin's approval."""
    complaint = _require(complaint_id)
    if kind not in COMPENSATION_KINDS:
        raise ComplaintError(_("Choose a kind of compensation."), "kind")
    if amount is None or amount <= 0:
        raise ComplaintError(_("Enter an amount above zero."), "amount")
    limit = actor.compensation_limit or Decimal(0)
    status = "approved" if actor.has_role("admin") or amount <= limit else "pending"
    compensation = Compensation(
        complaint_id=complaint.id,
        kind=kind,
        amount=amount,
        note=note,
        status=status,
        requested_by_id=actor.id,
        decided_by_id=actor.id if status == "approved" else None,
        decided_at=utcnow() if status == "approved" else None,
    )
    db.session.add(compensation)
    db.session.flush()
    audit.record(
        actor.id, "complaint", complaint.id, "compensation_" + status, kind=kind, amount=str(amount)
    )
    db.session.commit()
    return compensation


def decide_compensation(compensation_id: int, actor: User, approve: bool) -> Compensation:
    compensation = db.session.get(Compensation, compensation_id)
    if compensation is None or compensation.status != "pending":
        raise ComplaintError(_("This compensation is not waiting for a decision."))
    if not actor.has_role("admin"):
        raise ComplaintError(
            _("Only the head of support (an admin) approves compensation above the limit.")
        )
    compensation.status = "approved" if approve else "rejected"
    compensation.decided_by_id = actor.id
    compensation.decided_at = utcnow()
    audit.record(
        actor.id,
        "complaint",
        compensation.complaint_id,
        "compensation_" + compensation.status,
        amount=str(compensation.amount),
    )
    db.session.commit()
    return compensation


def record_client_outcome(complaint_id: int, actor: User, outcome: str) -> Complaint:
    complaint = _require(complaint_id)
    if outcome not in CLIENT_OUTCOMES:
        raise ComplaintError(_("Choose what the client did."), "outcome")
    if complaint.status not in ("resolved", "closed"):
        raise ComplaintError(_("Record whether the client stayed after the complaint is resolved."))
    complaint.client_outcome = outcome
    audit.record(actor.id, "complaint", complaint.id, "client_outcome", outcome=outcome)
    db.session.commit()
    return complaint


def contacts_of(complaint_id: int) -> list[Contact]:
    return list(
        db.session.scalars(
            sa.select(Contact)
            .where(Contact.complaint_id == complaint_id)
            .order_by(Contact.at.desc())
        )
    )


def compensations_of(complaint_id: int) -> list[Compensation]:
    return list(
        db.session.scalars(
            sa.select(Compensation)
            .where(Compensation.complaint_id == complaint_id)
            .order_by(Compensation.requested_at)
        )
    )


def active_playbooks() -> list[Playbook]:
    return list(
        db.session.scalars(
            sa.select(Playbook).where(Playbook.active.is_(True)).order_by(Playbook.title)
        )
    )


def categories() -> list[Category]:
    return list(db.session.scalars(sa.select(Category).order_by(Category.name)))


def managers() -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.active.is_(True), User.role.in_(("manager", "admin")))
            .order_by(User.name)
        )
    )


def all_playbooks() -> list[Playbook]:
    return list(
        db.session.scalars(sa.select(Playbook).order_by(Playbook.active.desc(), Playbook.title))
    )


def save_playbook(
    actor: User,
    *,
    category: str,
    title: str,
    steps: list[str],
    suggested_compensation: Decimal | None,
    follow_up_hours: int,
    active: bool,
) -> Playbook:
    """Create or update the playbook of a category (one script per root cause; never deleted)."""
    if not steps:
        raise ComplaintError(_("Write at least one step."), "steps")
    found = db.session.scalar(
        sa.select(Category).where(sa.func.lower(Category.name) == category.lower())
    )
    if found is None:
        found = Category(name=category)
        db.session.add(found)
        db.session.flush()
    playbook = db.session.scalar(sa.select(Playbook).where(Playbook.category_id == found.id))
    if playbook is None:
        playbook = Playbook(category_id=found.id)
        db.session.add(playbook)
    playbook.title = title
    playbook.steps = steps
    playbook.suggested_compensation = suggested_compensation
    playbook.follow_up_hours = follow_up_hours
    playbook.active = active
    db.session.flush()
    audit.record(actor.id, "playbook", playbook.id, "saved", title=title)
    db.session.commit()
    return playbook
