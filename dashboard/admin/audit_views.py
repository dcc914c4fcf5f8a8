"""The audit trail for admins: every recorded change, newest first, filtered by kind, action,
person and day (#12: security-relevant changes must be visible, not only stored). Actions are shown
by their labels (``core.audit.ACTION_LABELS``) in the viewer's language."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask import Blueprint, render_template, request

from core.access import role_required
from core.audit import ACTION_LABELS, AuditEvent, action_label, kind_label
from core.extensions import db
from core.inputs import int_arg, parse_day, parse_int
from core.models import User
from dashboard.admin.audit_details import detail_words, names_for

bp = Blueprint("admin_audit", __name__, url_prefix="/admin/audit")
PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditFilters:
    entity_type: str = ""
    action: str = ""
    actor_id: int | None = None
    since: date | None = None
    until: date | None = None
    page: int = 1

    @classmethod
    def from_args(cls, args) -> "AuditFilters":
        entity_type = args.get("entity_type", "").strip()[:40]
        action = args.get("action", "").strip()[:101]
        if "." in action:  # a code from the action menu, ``entity_type.action``
            entity_type, action = action.split(".", 1)
        return cls(
            entity_type=entity_type[:40],
            action=action[:60],
            actor_id=parse_int(args.get("actor")),
            since=parse_day(args.get("since", "")),
            until=parse_day(args.get("until", "")),
            page=int_arg("page", 1, args=args),
        )


def audit_page(filters: AuditFilters) -> tuple[list[AuditEvent], bool, dict]:
    """One page of events (the actor joined in) and the choices for the filters: two queries."""
    statement = sa.select(AuditEvent)
    if filters.entity_type:
        statement = statement.where(AuditEvent.entity_type == filters.entity_type)
    if filters.action:
        statement = statement.where(AuditEvent.action == filters.action)
    if filters.actor_id is not None:
        statement = statement.where(AuditEvent.actor_id == filters.actor_id)
    if filters.since:
        statement = statement.where(AuditEvent.at >= datetime.combine(filters.since, time(), UTC))
    if filters.until:
        end = datetime.combine(filters.until + timedelta(days=1), time(), UTC)
        statement = statement.where(AuditEvent.at < end)
    rows = list(
        db.session.scalars(
            statement.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(PAGE_SIZE + 1)
            .offset((filters.page - 1) * PAGE_SIZE)
        )
    )
    # The menus offer every kind and action Huddle records (each has a label: see
    # ``tests/core/test_audit_labels.py``), not a DISTINCT over every event, which reads them all.
    codes = sorted(code.split(".", 1) for code in ACTION_LABELS)
    choices = {
        "entity_types": [(kind, kind_label(kind)) for kind in sorted({kind for kind, _ in codes})],
        "actions": [(f"{kind}.{action}", action_label(kind, action)) for kind, action in codes],
        "people": db.session.execute(sa.select(User.id, User.name).order_by(User.name)).all(),
    }
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE, choices


@bp.get("/")
@role_required("admin")
def index():
    filters = AuditFilters.from_args(request.args)
    events, has_next, choices = audit_page(filters)
    names = names_for(events)
    return render_template(
        "admin/audit.html",
        events=events,
        has_next=has_next,
        filters=filters,
        details={event.id: detail_words(event.details, names) for event in events},
        **choices,
    )
