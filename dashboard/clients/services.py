"""Changing a client's known details: an explicit, audited edit by managers and admins (#12)."""

from flask_babel import gettext as _

from core import clients
from core.errors import Forbidden, NotFound, RuleError
from core.extensions import db
from core.models import Client, User


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
