"""Who changed what, when: an append-only trail shown on complaint and decision pages.

Every action recorded is a code ``entity_type.action`` (``complaint.compensation_approved``) with one
label in ``ACTION_LABELS`` below, which the admin audit page and the complaint page show; a new
``record(...)`` call adds its label here (``tests/core/test_audit_labels.py`` finds the missing ones).
"""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from core.database import UTCDateTime, utcnow
from core.extensions import db

ACTION_LABELS = {
    "api_token.created": _l("created an API token"),
    "api_token.revoked": _l("revoked an API token"),
    "category.created": _l("created a category"),
    "category.renamed": _l("renamed a category"),
    "client.details_changed": _l("updated the client's details"),
    "client.details_edited": _l("corrected the client's details"),
    "client.details_proposed": _l("proposed new details for the client"),
    "client.proposal_accepted": _l("accepted proposed client details"),
    "client.proposal_dismissed": _l("dismissed proposed client details"),
    "client.merged": _l("merged a duplicate into the client"),
    "client.unsubscribed": _l("our client stopped e-mail from us (the link in our mail)"),
    "client.resubscribed": _l("our client asked for e-mail from us again"),
    "complaint.opened": _l("opened the complaint"),
    "complaint.rating_added": _l("a new rating joined the complaint"),
    "complaint.owner_changed": _l("changed the owner"),
    "complaint.contact_logged": _l("logged a contact"),
    "complaint.status_changed": _l("changed the status"),
    "complaint.playbook_applied": _l("applied a playbook"),
    "complaint.step_checked": _l("ticked a step"),
    "complaint.step_unchecked": _l("unticked a step"),
    "complaint.edited": _l("edited the complaint"),
    "complaint.compensation_given": _l("gave compensation"),
    "complaint.compensation_requested": _l("asked for compensation above the limit"),
    "complaint.compensation_approved": _l("approved compensation"),
    "complaint.compensation_rejected": _l("did not approve compensation"),
    "complaint.client_outcome": _l("recorded whether the client stayed"),
    "playbook.saved": _l("saved a playbook"),
    "playbook.activated": _l("put a playbook in use"),
    "playbook.deactivated": _l("retired a playbook"),
    "rating_import.imported": _l("imported past ratings"),
    "standup.ended": _l("ended the stand-up"),
    "standup.end_undone": _l("undid the end of the stand-up"),
    "team.created": _l("created a team"),
    "team.changed": _l("changed a team's settings"),
    "team.archived": _l("archived a team"),
    "team.history_exported": _l("exported the stand-up history to a file"),
    "team.restored": _l("brought a team back"),
    "user.created": _l("added a person"),
    "user.profile_changed": _l("changed a person's profile"),
    "user.access_changed": _l("changed a person's role or access"),
    "user.logged_in": _l("logged in"),
    "user.login_slowed_down": _l("failed to log in too often from one address (slowed down)"),
    "user.password_set": _l("set a password"),
    "user.password_changed": _l("changed their password"),
    "user.password_reset": _l("chose a new password from a reset link"),
    "user.password_reset_issued": _l("issued a password reset link"),
    "user.password_reset_requested": _l("asked for a password reset link"),
    "user.sessions_ended": _l("logged out everywhere"),
    "user.slack_user_id_changed": _l("changed their Slack user id"),
    "user.slack_user_id_requested": _l("asked to link a Slack user id, to be confirmed in Slack"),
    "wish.created": _l("recorded the wish"),
    "wish.asked": _l("a client asked for it"),
    "wish.asked_again": _l("a client asked again (counted once)"),
    "wish.added_to_review": _l("added it to the review"),
    "wish.decided": _l("decided the wish"),
    "wish.called_back": _l("called a client back"),
    "wish.call_attempt": _l("tried to call a client back"),
    "wish.callback_handed_over": _l("handed a client callback to someone present"),
    "wish.merged_into": _l("merged it into another wish"),
    "wish.merged_from": _l("merged another wish into it"),
    "wish_review.closed": _l("closed the wish review"),
    "mail_message.retried": _l("sent a failed e-mail again"),
    "slack_message.retried": _l("sent a failed Slack message again"),
}


# What each kind of thing is called on the audit page ("Client #7"); every kind an action code
# names has one (``tests/core/test_audit_labels.py``).
KIND_LABELS = {
    "api_token": _l("API token"),
    "category": _l("Category"),
    "client": _l("Client"),
    "complaint": _l("Complaint"),
    "mail_message": _l("E-mail"),
    "playbook": _l("Playbook"),
    "rating_import": _l("Ratings import"),
    "slack_message": _l("Slack message"),
    "standup": _l("Stand-up"),
    "team": _l("Team"),
    "user": _l("Person"),
    "wish": _l("Wish"),
    "wish_review": _l("Wish review"),
}


def kind_label(entity_type: str):
    """The words for a kind of thing (lazy, in the viewer's language); an unknown one its code."""
    return KIND_LABELS.get(entity_type, entity_type)


def action_label(entity_type: str, action: str):
    """The words for an action (lazy, in the viewer's language); an unknown one stays its code."""
    code = f"{entity_type}.{action}"
    return ACTION_LABELS.get(code, code)


def labels_of(entity_type: str) -> dict:
    """``{action: label}`` of one kind of thing, for a page that shows only that kind's trail."""
    prefix = entity_type + "."
    return {
        code.removeprefix(prefix): label
        for code, label in ACTION_LABELS.items()
        if code.startswith(prefix)
    }


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (
        sa.Index("ix_audit_events_entity", "entity_type", "entity_id", "at"),
        # The audit page walks one of these newest first and stops after a page, whatever its
        # filter (all, a kind, a kind's action, a person), instead of sorting every event.
        sa.Index("ix_audit_events_at", "at", "id"),
        sa.Index("ix_audit_events_entity_type_at", "entity_type", "at", "id"),
        sa.Index("ix_audit_events_entity_type_action_at", "entity_type", "action", "at", "id"),
        sa.Index("ix_audit_events_actor_id_at", "actor_id", "at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    entity_type: Mapped[str] = mapped_column(sa.String(40))
    entity_id: Mapped[int]
    action: Mapped[str] = mapped_column(sa.String(60))
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    actor = sa.orm.relationship("User", lazy="joined")

    @property
    def label(self):
        return action_label(self.entity_type, self.action)

    @property
    def kind(self):
        return kind_label(self.entity_type)


BEFORE = "before_"


def detail_lines(details: dict | None, label, words) -> list[tuple[str, str]]:
    """An event's details as ``(label, text)`` lines, a changed value once as "before → after":
    stored as ``before_<key>`` beside ``<key>`` (an edit) or as ``{"from", "to"}`` (an access
    change). ``label(key)`` and ``words(key, value)`` are the page's: the complaint page and the
    audit page name things each in their own way. A value of None is "—"."""
    details = details or {}

    def said(key, value):
        return "—" if value is None or value == "" else words(key, value)

    lines = []
    for key in sorted({key.removeprefix(BEFORE) for key in details}):
        value = details.get(key)
        if isinstance(value, dict) and set(value) <= {"from", "to"}:
            text = f"{said(key, value.get('from'))} → {said(key, value.get('to'))}"
        elif BEFORE + key in details:
            text = f"{said(key, details[BEFORE + key])} → {said(key, value)}"
        elif value is None:
            continue
        else:
            text = said(key, value)
        lines.append((str(label(key)), text))
    return lines


def record(
    actor_id: int | None, entity_type: str, entity_id: int, action: str, **details
) -> AuditEvent:
    """Add an audit event to the current transaction; the caller's commit saves it with the change."""
    event = AuditEvent(
        actor_id=actor_id,
        entity_type=entity_type,
        entity_id=entity_id,
        action=action,
        details=details,
    )
    db.session.add(event)
    return event


# Built once, the entity bound when run: every complaint page shows its history (issue #16).
_HISTORY = (
    sa.select(AuditEvent)
    .where(
        AuditEvent.entity_type == sa.bindparam("entity_type"),
        AuditEvent.entity_id == sa.bindparam("entity_id"),
    )
    .order_by(AuditEvent.at, AuditEvent.id)
)


def history(entity_type: str, entity_id: int) -> list[AuditEvent]:
    return list(db.session.scalars(_HISTORY, {"entity_type": entity_type, "entity_id": entity_id}))
