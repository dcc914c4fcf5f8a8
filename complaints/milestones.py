"""When each complaint reached its milestones, stored on the complaint for Insights to read.

- ``first_reached_at``: the earliest logged contact that reached the client (``REACHED_OUTCOMES``);
  NULL while nobody has.
- ``rated_again_at``: the first rating of the complaint's client at ``KEPT_SCORE_MIN`` or more
  received after the complaint was resolved (the client stayed); NULL while there is none or the
  complaint is not resolved (a reopened complaint loses it until it is resolved again).
- ``reach_seconds``: whole seconds from opening to ``first_reached_at``, so the percentiles of
  time to reach sort integers instead of working out a date difference per complaint.

Insights used to find both with a probe into ``contacts`` and ``ratings`` per complaint on every
request; now it reads two columns through covering indexes (migration 0017). They are recomputed
from the rows, set-based, in the transaction of each write that can change them, by the service
making that write: a contact logged (``log_contact``), a rating kept (``record_rating``, the CSV
import), a complaint resolved or reopened (``change_status``), a client merged into another. A
recomputation rather than "the smaller of the two" keeps them right in any order (a contact
logged later with an earlier time, a rating received before a resolution). Nothing here commits.
"""

from collections.abc import Iterable

import sqlalchemy as sa

from complaints.models import REACHED_OUTCOMES, Complaint, Contact, Rating
from core.extensions import db

KEPT_SCORE_MIN = 4
CHUNK = 500  # client ids per UPDATE (well under every driver's limit on bound parameters)


def first_reached_sql():
    """The earliest reaching contact of the complaint the enclosing statement is about."""
    return (
        sa.select(sa.func.min(Contact.at))
        .where(Contact.complaint_id == Complaint.id, Contact.outcome.in_(REACHED_OUTCOMES))
        .scalar_subquery()
    )


def rated_again_sql():
    """The first good rating of the complaint's client after its resolution (NULL if unresolved)."""
    return (
        sa.select(sa.func.min(Rating.received_at))
        .where(
            Rating.client_id == Complaint.client_id,
            Rating.received_at > Complaint.resolved_at,
            Rating.score >= KEPT_SCORE_MIN,
        )
        .scalar_subquery()
    )


def seconds_between(later, earlier):
    """Whole seconds from ``earlier`` to ``later`` in SQL, identical on both backends."""
    if db.session.get_bind().dialect.name == "postgresql":
        seconds = sa.func.round(sa.func.extract("epoch", later - earlier))
    else:
        seconds = sa.func.round((sa.func.julianday(later) - sa.func.julianday(earlier)) * 86400.0)
    return sa.cast(seconds, sa.Integer)


def _reach() -> dict:
    """The values of both reach milestones for the complaint the UPDATE is about."""
    return {
        "first_reached_at": first_reached_sql(),
        "reach_seconds": seconds_between(first_reached_sql(), Complaint.opened_at),
    }


def _update(*where, sync: str | bool = "fetch", **values) -> None:
    # A plain UPDATE, not a change of the loaded object: derived data is no edit, so the
    # complaint's version (optimistic locking) stays and nobody's open form goes stale.
    db.session.execute(
        sa.update(Complaint)
        .where(*where)
        .values(**values)
        .execution_options(synchronize_session=sync)
    )


def refresh_complaint(complaint_id: int) -> None:
    """Both milestones of one complaint: after a contact, a resolution or a reopening."""
    _update(Complaint.id == complaint_id, rated_again_at=rated_again_sql(), **_reach())


def refresh_clients(client_ids: Iterable[int]) -> None:
    """``rated_again_at`` of every resolved complaint of these clients: after ratings arrived
    (one, or an import's) or a merge moved ratings and complaints."""
    ids = sorted(set(client_ids))
    for start in range(0, len(ids), CHUNK):
        _update(
            Complaint.client_id.in_(ids[start : start + CHUNK]),
            Complaint.resolved_at.is_not(None),
            sync=False,  # many rows, rarely loaded: the commit expires any that are
            rated_again_at=rated_again_sql(),
        )


def refresh_clients_in(client_ids: sa.Select) -> None:
    """``refresh_clients`` for the clients a query names (a bulk import's, set-based: one UPDATE)."""
    _update(
        Complaint.client_id.in_(client_ids),
        Complaint.resolved_at.is_not(None),
        sync=False,
        rated_again_at=rated_again_sql(),
    )


def rebuild() -> None:
    """Every complaint's milestones from the rows: for data written past the services in bulk
    (the benchmarks' raw SQL seeds), like ``rollups.rebuild``."""
    _update(sync=False, rated_again_at=rated_again_sql(), **_reach())
