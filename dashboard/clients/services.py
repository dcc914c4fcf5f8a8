"""Changing a client on purpose: an audited edit of their details (#12), deciding what public input
proposed for them (#12), or merging two records of one client into one history with the other ids
kept as aliases (#17).

The demo and real intake both make duplicates (one person under two ids from two systems, or
typed in twice); a split history hides a client's earlier complaint from whoever calls them next.
"""

import sqlalchemy as sa
from flask_babel import gettext as _

from complaints import client_history as complaint_history
from core import audit, clients
from core.database import utcnow
from core.errors import Conflict, Forbidden, NotFound, RuleError
from core.extensions import db
from core.mail.models import MailMessage
from core.models import Client, ClientAlias, ClientDetailProposal, User
from wishes import client_history as wish_history


class ClientError(RuleError):
    """A client edit was refused (see ``core.errors.RuleError``)."""


class ClientForbidden(ClientError, Forbidden):
    """Only managers and admins correct a client's details."""


class ClientNotFound(ClientError, NotFound):
    """There is no such client."""


def edit_details(
    client_id: int, actor: User, *, name: str, email: str | None, phone: str | None
) -> dict:
    """Save the details a manager typed; the audit keeps each old value. Commits."""
    if not actor.has_role("manager"):
        raise ClientForbidden(_("Only managers change a client's name, e-mail or phone."))
    client = db.session.get(Client, client_id)
    if client is None:
        raise ClientNotFound(_("There is no such client."))
    if not name.strip():
        raise ClientError(_("A client needs a name."), field="name")
    changes = clients.edit_client(
        client, actor.id, name=name, email=(email or "").strip(), phone=(phone or "").strip()
    )
    db.session.commit()
    return changes


def may_decide(actor: User, proposal: ClientDetailProposal) -> bool:
    """Managers of the team that received the proposal decide it; admins decide every one."""
    return actor.manages(proposal.team_id)


def decide_proposal(client_id: int, proposal_id: int, actor: User, accept: bool) -> Client:
    """Accept a detail public input proposed onto the client, or dismiss it; audited; commits."""
    if not actor.has_role("manager"):
        raise ClientForbidden(_("Only managers change a client's name, e-mail or phone."))
    proposal = db.session.scalar(
        sa.select(ClientDetailProposal)
        .where(ClientDetailProposal.id == proposal_id)
        .with_for_update()
    )
    if proposal is None or proposal.client_id != client_id:
        raise Conflict(_("Someone decided this proposal a moment ago."))
    if not may_decide(actor, proposal):
        raise ClientForbidden(
            _("Only a manager of the team that received it, or an admin, decides this proposal.")
        )
    client = proposal.client
    clients.decide_proposal(proposal, actor.id, accept)
    db.session.commit()
    return client


class ClientMergeError(RuleError):
    pass


def find_client(reference: str) -> Client | None:
    """A client by the id another system gave them (or an alias of it)."""
    merged = sa.select(ClientAlias.client_id).where(ClientAlias.external_id == reference)
    return db.session.scalar(
        sa.select(Client).where(sa.or_(Client.external_id == reference, Client.id.in_(merged)))
    )


def merge_clients(kept_id: int, other: str, actor: User) -> ClientAlias:
    """Merge the client known as ``other`` into ``kept_id``: everything moves, ``other`` stays an alias.

    Managers and admins only. The kept client's details win; an e-mail or phone only the other
    one had is kept, and so is an opt-out from our mail; the mail sent to either moves along.
    The merge is audited on the kept client with what moved.
    """
    if not actor.has_role("manager"):
        raise Forbidden(_("Only managers and admins merge clients."))
    reference = (other or "").strip()
    if not reference:
        raise ClientMergeError(_("Give the id of the client to merge into this one."), "other")
    gone = find_client(reference)
    if gone is None:
        raise ClientMergeError(_("No client has this id."), "other")
    if gone.id == kept_id:
        raise ClientMergeError(_("This is the same client."), "other")
    # Both rows locked in id order: two merges of the same pair cannot cross.
    locked = db.session.scalars(
        sa.select(Client)
        .where(Client.id.in_((kept_id, gone.id)))
        .order_by(Client.id)
        .with_for_update()
    ).all()
    kept = next((client for client in locked if client.id == kept_id), None)
    if kept is None:
        raise NotFound(_("This client does not exist."))
    moved = complaint_history.move_client_history(gone.id, kept.id)
    moved |= wish_history.move_client_history(gone.id, kept.id)
    clients.move_client_rows(ClientDetailProposal, gone.id, kept.id)
    clients.move_client_rows(MailMessage, gone.id, kept.id)
    db.session.execute(
        sa.update(ClientAlias)
        .where(ClientAlias.client_id == gone.id)
        .values(client_id=kept.id)
        .execution_options(synchronize_session=False)
    )
    kept.email = kept.email or gone.email
    kept.phone = kept.phone or gone.phone
    # Either one's opt-out is the person's, the first one kept: the duplicate's address may be
    # the kept client's now, and its owner said no to our mail (they may subscribe again).
    opted_out = [when for when in (kept.unsubscribed_at, gone.unsubscribed_at) if when]
    kept.unsubscribed_at = min(opted_out) if opted_out else None
    alias = ClientAlias(
        external_id=gone.external_id,
        client_id=kept.id,
        former_client_id=gone.id,
        name=gone.name,
        email=gone.email,
        phone=gone.phone,
        merged_at=utcnow(),
        merged_by_id=actor.id,
    )
    audit.record(
        actor.id,
        "client",
        kept.id,
        "merged",
        merged_client_id=gone.id,
        external_id=gone.external_id,
        name=gone.name,
        moved=moved,
    )
    db.session.delete(gone)
    db.session.flush()  # the duplicate's row goes before its id becomes an alias
    db.session.add(alias)
    db.session.commit()
    return alias
