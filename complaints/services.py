"""The complaint lifecycle: ownership, contacts, playbooks, status, compensation, careful edits.

Complaints and ratings are never deleted: no function here (and no route anywhere) removes one, so a
complaint cannot be made to disappear, only resolved and closed, and it can always be reopened.
Every change leaves an audit event written in the same transaction, and each public function makes
the one commit of its request.

Who may do what (checked here as well as on the routes, because Slack and jobs call these too):
agents log contacts and tick playbook steps; only managers (and admins) own complaints, change their
status, apply playbooks, edit them and give compensation; only admins approve compensation above the
owner's limit (playbooks and categories are written in ``complaints.root_causes``).

Each service takes ``now`` (default: the present) for when the change happens: the demo writes a
week of believable history through these same rules. What the pages read lives in
``complaints.pages``; what other packages read, in ``complaints.briefs``.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from complaints import events, milestones
from complaints.intake import mailing, survey
from complaints.models import (
    CLIENT_OUTCOMES,
    COMPENSATION_KINDS,
    CONTACT_CHANNELS,
    CONTACT_OUTCOMES,
    OPEN_STATUSES,
    REACHED_OUTCOMES,
    STATUSES,
    Category,
    Compensation,
    Complaint,
    Contact,
    Playbook,
)
from core import errors, money
from core.database import utcnow
from core.errors import RuleError
from core.extensions import db
from core.models import User

# Where a complaint may go from each status; "resolved" additionally needs a contact that reached them.
TRANSITIONS = {
    "new": ("contacting", "resolving", "resolved"),
    "contacting": ("resolving", "resolved"),
    "resolving": ("contacting", "resolved"),
    "reopened": ("contacting", "resolving", "resolved"),
    "resolved": ("closed", "reopened"),
    "closed": ("reopened",),
}
# A contact logged a little "in the future" is a clock difference between machines, not a mistake.
CLOCK_SKEW = timedelta(minutes=5)
EDITABLE_FIELDS = ("summary", "details", "category_id", "constructive", "budget", "due_at")


class ComplaintError(RuleError):
    """A complaint rule said no (see ``core.errors.RuleError``)."""


class NotFound(ComplaintError, errors.NotFound):
    """The complaint (or compensation, playbook, category) does not exist: the view answers 404."""


class ChangedMeanwhile(ComplaintError, errors.Conflict):
    """Someone saved the complaint after this editor loaded it; ``complaint`` is the fresh version."""

    def __init__(self, complaint: Complaint):
        super().__init__(
            _(
                "Someone changed this complaint while you were editing. Here is the new version; "
                "your changes are kept in the form — check them and save again."
            )
        )
        self.complaint = complaint


def _require(complaint_id: int, lock: bool = False) -> Complaint:
    """The complaint, or NotFound; ``lock`` holds its row until the commit (PostgreSQL)."""
    if lock:  # a plain row lock first: FOR UPDATE cannot cover the eager-loaded outer joins
        db.session.execute(
            sa.select(Complaint.id).where(Complaint.id == complaint_id).with_for_update()
        )
    # Read again after the lock: a row this request loaded before (the page) may have changed.
    complaint = db.session.get(Complaint, complaint_id, populate_existing=lock)
    if complaint is None:
        raise NotFound(_("This complaint does not exist."))
    return complaint


def _require_role(user: User, role: str, message: str) -> None:
    if not user.has_role(role):
        raise ComplaintError(message)


def _check_version(complaint: Complaint, expected_version: int | None) -> None:
    """The explicit half of optimistic locking: the form's version against the row's.

    The other half is ``version_id_col``: if someone commits between this check and our flush, the
    UPDATE matches no row and SQLAlchemy raises StaleDataError, which ``_commit`` turns into the
    same answer.
    """
    if expected_version is not None and complaint.version != expected_version:
        raise ChangedMeanwhile(complaint)


def _commit(complaint_id: int) -> None:
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise ChangedMeanwhile(_require(complaint_id)) from None


def _give_to(complaint: Complaint, owner: User, actor: User, now: datetime) -> None:
    """Name the owner; the complaint joins the owner's team unless a team already holds it."""
    previous = complaint.owner.name if complaint.owner else None
    complaint.owner_id = owner.id
    complaint.team_id = complaint.team_id or owner.team_id
    events.record(
        actor.id, complaint.id, "owner_changed", now, **{"from": previous, "to": owner.name}
    )
    _commit(complaint.id)


def take_ownership(
    complaint_id: int,
    user: User,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Complaint:
    """ "I'll call them": the person becomes the named owner (managers only; agents log calls).

    Also called by the Slack button, so the role is checked here and not only on the route.
    """
    _require_role(
        user, "manager", _("Only managers own complaints. Ask a manager to take this one.")
    )
    # Locked: of two managers clicking at once, the second waits and then sees the first as owner.
    complaint = _require(complaint_id, lock=True)
    if complaint.status not in OPEN_STATUSES:
        raise ComplaintError(_("This complaint is no longer open."))
    if complaint.owner_id == user.id:
        return complaint
    if complaint.owner_id is not None and complaint.version != (expected_version or 0):
        # Nobody saw this owner (from the list or Slack, or they took it since the page was
        # loaded): a losing claim says who owns it, and never silently takes it over.
        raise ComplaintError(
            _("%(name)s already owns this complaint.", name=complaint.owner.name), "owner_id"
        )
    _check_version(complaint, expected_version)
    _give_to(complaint, user, user, now or utcnow())
    return complaint


def take_over(complaint_id: int, actor: User, from_owner_id: int) -> Complaint:
    """A manager takes a complaint over from its owner (who is away): refused if it changed hands."""
    complaint = _require(complaint_id)
    _require_role(actor, "manager", _("Only managers own complaints."))
    if complaint.status not in OPEN_STATUSES:
        raise ComplaintError(_("This complaint is no longer open."))
    if complaint.owner_id != from_owner_id:
        raise ComplaintError(_("This complaint changed hands meanwhile; reload to see who has it."))
    if complaint.owner_id != actor.id:
        _give_to(complaint, actor, actor, utcnow())
    return complaint


def assign(
    complaint_id: int, actor: User, owner_id: int | None, expected_version: int | None
) -> Complaint:
    """Give the complaint to a named manager (a manager or admin decides who calls)."""
    complaint = _require(complaint_id)
    _require_role(actor, "manager", _("Only managers assign complaints."))
    _check_version(complaint, expected_version)
    owner = db.session.get(User, owner_id) if owner_id else None
    if owner is None or not owner.active or not owner.has_role("manager"):
        raise ComplaintError(_("Choose an active manager as the owner."), "owner_id")
    if owner.id != complaint.owner_id:
        _give_to(complaint, owner, actor, utcnow())
    return complaint


def log_contact(
    complaint_id: int,
    actor: User,
    channel: str,
    outcome: str,
    notes: str | None,
    at: datetime | None = None,
) -> Contact:
    """A personal contact with the client; the first one moves a new complaint to "contacting".

    Agents may log contacts too: whoever spoke to the client writes it down. ``at`` is when the
    contact happened (default: now), and the audit event is dated then too.
    """
    complaint = _require(complaint_id)
    if channel not in CONTACT_CHANNELS:
        raise ComplaintError(_("Choose how you contacted them."), "channel")
    if outcome not in CONTACT_OUTCOMES:
        raise ComplaintError(_("Choose what came of it."), "outcome")
    now = utcnow()
    at = at or now
    if at.tzinfo is None:
        raise ValueError("contact time must be timezone-aware")
    if at > now + CLOCK_SKEW:
        raise ComplaintError(_("A contact cannot be in the future."), "at")
    if at < complaint.opened_at - timedelta(days=1):
        raise ComplaintError(_("This is before the complaint was opened."), "at")
    contact = Contact(
        complaint_id=complaint.id,
        user_id=actor.id,
        channel=channel,
        outcome=outcome,
        notes=(notes or "").strip() or None,
        at=at,
    )
    db.session.add(contact)
    if complaint.status in ("new", "reopened"):
        complaint.status = "contacting"
    events.record(actor.id, complaint.id, "contact_logged", at, channel=channel, outcome=outcome)
    milestones.refresh_complaint(complaint.id)
    _commit(complaint.id)
    return contact


def _has_reaching_contact(complaint_id: int) -> bool:
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
    complaint_id: int,
    actor: User,
    status: str,
    expected_version: int | None,
    now: datetime | None = None,
) -> StatusChange:
    """Move a complaint on; resolving needs a logged contact that reached the client.

    On resolution a follow-up survey link is issued, so we learn whether the client stayed, and
    mailed to the client when we may write to them.
    """
    complaint = _require(complaint_id)
    _require_role(actor, "manager", _("Only managers change the status of a complaint."))
    _check_version(complaint, expected_version)
    if status not in STATUSES or status not in TRANSITIONS.get(complaint.status, ()):
        raise ComplaintError(
            _("A complaint cannot go from %(a)s to %(b)s.", a=complaint.status, b=status)
        )
    if status == "resolved" and not _has_reaching_contact(complaint.id):
        raise ComplaintError(
            _(
                "Log a contact that reached the client before resolving: a complaint is settled "
                "by talking to them."
            )
        )
    previous = complaint.status
    complaint.status = status
    now = now or utcnow()
    token = None
    if status == "resolved":
        complaint.resolved_at = now
        link, token = survey.issue_link(
            complaint.client_id, purpose="follow_up", complaint_id=complaint.id, now=now
        )
        db.session.flush()
        mailing.mail_follow_up(link, token, now)
    elif status == "closed":
        complaint.closed_at = now
    elif status == "reopened":
        complaint.resolved_at = None
        complaint.closed_at = None
        complaint.client_outcome = None
    events.record(actor.id, complaint.id, "status_changed", now, **{"from": previous, "to": status})
    if status in ("resolved", "reopened"):
        milestones.refresh_complaint(complaint.id)
    _commit(complaint.id)
    return StatusChange(complaint, token)


def apply_playbook(
    complaint_id: int,
    actor: User,
    playbook_id: int | None,
    expected_version: int | None,
    now: datetime | None = None,
) -> Complaint:
    """Category, budget and deadline from the script; its steps become the complaint's checklist."""
    complaint = _require(complaint_id)
    _require_role(actor, "manager", _("Only managers apply playbooks."))
    _check_version(complaint, expected_version)
    playbook = db.session.get(Playbook, playbook_id) if playbook_id else None
    if playbook is None or not playbook.active:
        raise ComplaintError(_("Choose an active playbook."), "playbook_id")
    now = now or utcnow()
    complaint.playbook_id = playbook.id
    complaint.category_id = playbook.category_id
    complaint.budget = playbook.suggested_compensation
    complaint.due_at = now + timedelta(hours=playbook.follow_up_hours)
    complaint.checklist_done = []
    events.record(
        actor.id,
        complaint.id,
        "playbook_applied",
        now,
        playbook=playbook.title,
        budget=str(playbook.suggested_compensation) if playbook.suggested_compensation else None,
        follow_up_hours=playbook.follow_up_hours,
    )
    _commit(complaint.id)
    return complaint


def toggle_step(
    complaint_id: int, actor: User, step: int, now: datetime | None = None
) -> Complaint:
    """Tick (or untick) one step of the applied playbook; whoever did the step may tick it."""
    complaint = _require(complaint_id)
    steps = complaint.playbook.steps if complaint.playbook else []
    if not 0 <= step < len(steps):
        raise ComplaintError(_("That step is not in this playbook."))
    done = set(complaint.checklist_done or [])
    done ^= {step}
    complaint.checklist_done = sorted(done)
    action = "step_checked" if step in done else "step_unchecked"
    events.record(actor.id, complaint.id, action, now or utcnow(), step=steps[step])
    _commit(complaint.id)
    return complaint


def _audit_value(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    return str(value)


def edit(
    complaint_id: int,
    actor: User,
    expected_version: int | None,
    *,
    now: datetime | None = None,
    **fields,
) -> Complaint:
    """Change the complaint's description; a stale ``expected_version`` raises ChangedMeanwhile.

    Accepts summary, details, category_id, constructive, budget and due_at. The version is
    required: an edit that does not say which version it started from could overwrite anything.
    """
    complaint = _require(complaint_id)
    _require_role(actor, "manager", _("Only managers edit complaints."))
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {', '.join(sorted(unknown))}")
    if expected_version is None:
        raise ComplaintError(_("Reload the page and try again."))
    _check_version(complaint, expected_version)
    if "summary" in fields:
        fields["summary"] = (fields["summary"] or "").strip()
        if not fields["summary"]:
            raise ComplaintError(_("Write what happened in one line."), "summary")
        if len(fields["summary"]) > 300:
            raise ComplaintError(_("Keep the summary under 300 characters."), "summary")
    if fields.get("category_id") and db.session.get(Category, fields["category_id"]) is None:
        raise ComplaintError(_("Choose a category from the list."), "category_id")
    if fields.get("budget") is not None and fields["budget"] < 0:
        raise ComplaintError(_("A budget cannot be negative."), "budget")
    if fields.get("budget") is not None and not money.in_cents(fields["budget"]):
        raise ComplaintError(_("Use at most two decimals."), "budget")
    if "due_at" in fields:
        if fields["due_at"] is None:
            raise ComplaintError(_("Every complaint needs a follow-up deadline."), "due_at")
        if fields["due_at"].tzinfo is None:
            raise ValueError("due_at must be timezone-aware")
    changed = {}
    for name, value in fields.items():
        old = getattr(complaint, name)
        if old != value:
            # The old value too: the summary and details are the client's own words, and the
            # history must still show what they said after a manager rewrote it (#12).
            changed[name] = _audit_value(value)
            changed["before_" + name] = _audit_value(old)
            setattr(complaint, name, value)
    if changed:
        events.record(actor.id, complaint.id, "edited", now or utcnow(), **changed)
    _commit(complaint_id)
    return complaint


def compensation_limit_for(complaint: Complaint, actor: User) -> Decimal:
    """The owner's limit decides; an unowned complaint uses the limit of the person giving it."""
    person = complaint.owner or actor
    return person.compensation_limit or Decimal(0)


def committed_compensation(complaint_id: int) -> Decimal:
    """What the complaint already costs: compensation given or waiting for the head of support."""
    # Summed as whole cents: SQLite keeps NUMERIC as a float, and a float sum of many amounts drifts.
    cents = sa.cast(sa.func.round(Compensation.amount * 100), sa.Integer)
    total = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(cents), 0)).where(
            Compensation.complaint_id == complaint_id,
            Compensation.status.in_(("approved", "pending")),
        )
    )
    return (Decimal(int(total or 0)) / 100).quantize(money.CENT)


def add_compensation(
    complaint_id: int,
    actor: User,
    kind: str,
    amount: Decimal | None,
    note: str | None,
    now: datetime | None = None,
) -> Compensation:
    """Within the owner's limit it is given at once; above it, it waits for an admin's approval.

    The limit is what the whole complaint may cost without the head of support, not one payment:
    four refunds of 25 under a limit of 25 are one given and three waiting. The complaint's row is
    locked while its total is read (PostgreSQL; SQLite's writes already take turns), so two
    managers giving at once cannot both slip under the limit.
    """
    complaint = _require(complaint_id, lock=True)
    _require_role(actor, "manager", _("Only managers give compensation."))
    if kind not in COMPENSATION_KINDS:
        raise ComplaintError(_("Choose a kind of compensation."), "kind")
    if amount is None or amount <= 0:
        raise ComplaintError(_("Enter an amount above zero."), "amount")
    if amount >= Decimal("10000000000"):
        raise ComplaintError(_("That amount is too large."), "amount")
    if not money.in_cents(amount):
        raise ComplaintError(_("Use at most two decimals."), "amount")
    already = committed_compensation(complaint.id)
    within_limit = already + amount <= compensation_limit_for(complaint, actor)
    status = "approved" if actor.has_role("admin") or within_limit else "pending"
    now = now or utcnow()
    compensation = Compensation(
        complaint_id=complaint.id,
        kind=kind,
        amount=amount,
        note=(note or "").strip() or None,
        status=status,
        requested_by_id=actor.id,
        requested_at=now,
        decided_by_id=actor.id if status == "approved" else None,
        decided_at=now if status == "approved" else None,
    )
    db.session.add(compensation)
    action = "compensation_" + ("given" if status == "approved" else "requested")
    events.record(actor.id, complaint.id, action, now, kind=kind, amount=str(amount))
    _commit(complaint.id)
    return compensation


def decide_compensation(compensation_id: int, actor: User, approve: bool) -> Compensation:
    """The head of support (an admin) approves or rejects compensation above an owner's limit."""
    if not actor.has_role("admin"):
        raise ComplaintError(
            _("Only the head of support (an admin) approves compensation above the limit.")
        )
    compensation = db.session.get(Compensation, compensation_id)
    if compensation is None:
        raise NotFound(_("This compensation does not exist."))
    if compensation.status != "pending":
        raise ComplaintError(_("This compensation was already decided."))
    now = utcnow()
    compensation.status = "approved" if approve else "rejected"
    compensation.decided_by_id = actor.id
    compensation.decided_at = now
    events.record(
        actor.id,
        compensation.complaint_id,
        "compensation_approved" if approve else "compensation_rejected",
        now,
        kind=compensation.kind,
        amount=str(compensation.amount),
    )
    db.session.commit()
    return compensation


def record_client_outcome(
    complaint_id: int, actor: User, outcome: str, now: datetime | None = None
) -> Complaint:
    """Whether the client stayed after we settled it: rated again, ordered again, or left."""
    complaint = _require(complaint_id)
    _require_role(actor, "manager", _("Only managers record what the client did."))
    if outcome not in CLIENT_OUTCOMES:
        raise ComplaintError(_("Choose what the client did."), "outcome")
    if complaint.status not in ("resolved", "closed"):
        raise ComplaintError(_("Record whether the client stayed after the complaint is resolved."))
    complaint.client_outcome = outcome
    events.record(actor.id, complaint.id, "client_outcome", now or utcnow(), outcome=outcome)
    _commit(complaint.id)
    return complaint
