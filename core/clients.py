"""Finding and creating our clients: the one upsert rule every channel (API, pages, wishes) shares.

Who may change what a client is called and how to reach them (#12):

- **Another system** (an API token, an admin's CSV import) owns the ``external_id`` it sends and keeps
  the details current: its newer name, e-mail or phone replace ours.
- **Staff** (an agent typing a complaint or a wish) only *adds*: a detail we do not know yet is
  filled in, a known one is never replaced. Otherwise anyone who knows a client's e-mail or id could
  rename them. Changing known details is an explicit, audited edit on the client's page
  (``dashboard.clients``).
- **The public** (the write-to-us form) changes nothing of a known client: what differs from the
  record is held as a ``ClientDetailProposal`` that a manager accepts or dismisses on the client's
  page (``client_from_public_input``, ``decide_proposal``).

Every change to an existing client's details is audited with the old and the new value.
"""

import secrets

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from core import audit
from core.extensions import db
from core.models import Client, ClientAlias, ClientDetailProposal

DETAILS = ("name", "email", "phone")


def _apply(client: Client, values: dict, *, replace: bool, actor_id: int | None, how: str) -> None:
    """Set ``values`` on a known client (empty values never erase); audit what changed."""
    changes = {}
    for field in DETAILS:
        old, new = getattr(client, field), values.get(field)
        if not new or new == old or (old and not replace):
            continue
        changes[field] = [old, new]
        setattr(client, field, new)
    if changes:
        audit.record(actor_id, "client", client.id, "details_changed", how=how, changes=changes)


def upsert_client(
    external_id: str,
    name: str,
    email: str | None = None,
    phone: str | None = None,
    *,
    replace: bool = True,
    actor_id: int | None = None,
    locale: str | None = None,
) -> Client:
    """Find our client by the id another system gave them, or create them.

    ``locale`` is the language they read, one of LANGUAGES (``core.i18n.known_language``); like
    the details, people's input only fills it in when unknown.

    ``replace`` (another system's data) keeps their details current; without it (people's input)
    known details stay and only missing ones are added. Empty details never erase known ones.
    """
    query = client_by_external_id_query(external_id)
    client = db.session.scalar(query)
    if client is None:
        client = Client(external_id=external_id, name=name, email=email, phone=phone, locale=locale)
        try:
            with db.session.begin_nested():  # a savepoint: a clash undoes only this insert
                db.session.add(client)
            return client
        except IntegrityError:
            # Another request created the same client a moment ago (PostgreSQL lets both
            # look first): theirs is committed now, so use it.
            client = db.session.scalar(query)
    how = "system" if replace else "added"
    values = {"name": name, "email": email, "phone": phone}
    _apply(client, values, replace=replace, actor_id=actor_id, how=how)
    if locale and (replace or client.locale is None):
        client.locale = locale
    return client


def find_or_create_client(
    external_id: str | None,
    name: str,
    email: str | None = None,
    phone: str | None = None,
    *,
    replace: bool = False,
    actor_id: int | None = None,
) -> Client:
    """For people typing in what a caller told them: the id if they have it, else e-mail, else phone.

    A caller rarely knows the id our other systems gave them; matching on e-mail or phone keeps one
    client (and one history) instead of a new stranger per call. Without any match a Huddle id is
    made up, so the client can still be found and linked later. People's input never replaces a
    known detail (see the module docstring).
    """
    found_id = external_id or _id_by_contact(email, phone) or _new_id()
    return upsert_client(found_id, name, email, phone, replace=replace, actor_id=actor_id)


def _id_by_contact(email: str | None, phone: str | None) -> str | None:
    """The id of the first client with this e-mail (any case), else with this phone (as typed).

    Each is one index lookup (``Client.email_lower``, ``ix_clients_phone``), not a read of every
    client. The e-mail typed is folded by the database's own ``lower()``, as the stored one was:
    SQLite's folds ASCII only, and Python's ``lower()`` made "Иван@почта.рф" miss itself.
    """
    conditions = []
    if email:
        conditions.append(Client.email_lower == sa.func.lower(email))
    if phone:
        conditions.append(Client.phone == phone)
    for condition in conditions:
        found = db.session.scalar(
            sa.select(Client.external_id).where(condition).order_by(Client.id).limit(1)
        )
        if found:
            return found
    return None


def _new_id() -> str:
    return f"huddle-{secrets.token_hex(6)}"


def client_from_public_input(
    name: str, email: str | None, phone: str | None, *, source: str, team_id: int | None
) -> Client:
    """The client a public message comes from: found by e-mail or phone, else new (no commit).

    A known client is never changed: each of ``name``, ``email``, ``phone`` that differs from
    their record becomes a proposal for the managers of ``team_id`` (see ``propose_details``).
    """
    found_id = _id_by_contact(email, phone)
    if found_id is None:
        return upsert_client(_new_id(), name, email, phone)
    client = db.session.scalar(client_by_external_id_query(found_id))
    propose_details(client, {"name": name, "email": email, "phone": phone}, source, team_id)
    return client


def _same(field: str, old: str | None, new: str) -> bool:
    """Whether two spellings of a detail are the same detail (case, spaces, phone punctuation)."""
    if old is None:
        return False
    if field == "phone":
        return [c for c in old if c.isdigit()] == [c for c in new if c.isdigit()]
    return " ".join(old.split()).casefold() == " ".join(new.split()).casefold()


def propose_details(client: Client, values: dict, source: str, team_id: int | None) -> list:
    """Hold what ``values`` says differently from ``client`` for staff; audited, no commit."""
    pending = {
        (row.field, row.value)
        for row in db.session.scalars(
            sa.select(ClientDetailProposal).where(ClientDetailProposal.client_id == client.id)
        )
    }
    proposals = []
    for field in DETAILS:
        new = " ".join((values.get(field) or "").split())
        if not new or _same(field, getattr(client, field), new) or (field, new) in pending:
            continue
        proposal = ClientDetailProposal(
            client_id=client.id, field=field, value=new, source=source, team_id=team_id
        )
        db.session.add(proposal)
        proposals.append(proposal)
        audit.record(
            None, "client", client.id, "details_proposed", field=field, value=new, source=source
        )
    return proposals


def pending_proposals(client_id: int) -> list[ClientDetailProposal]:
    return list(
        db.session.scalars(
            sa.select(ClientDetailProposal)
            .where(ClientDetailProposal.client_id == client_id)
            .order_by(ClientDetailProposal.proposed_at, ClientDetailProposal.id)
        )
    )


def decide_proposal(proposal: ClientDetailProposal, actor_id: int, accept: bool) -> None:
    """Put a proposed detail on the client, or drop it; audited either way (the caller checks the
    role and the team, and commits)."""
    client, field, value = proposal.client, proposal.field, proposal.value
    if accept:
        old = getattr(client, field)
        setattr(client, field, value)
        audit.record(
            actor_id,
            "client",
            client.id,
            "proposal_accepted",
            source=proposal.source,
            changes={field: [old, value]},
        )
    else:
        audit.record(
            actor_id,
            "client",
            client.id,
            "proposal_dismissed",
            source=proposal.source,
            field=field,
            value=value,
        )
    db.session.delete(proposal)


def edit_client(client: Client, actor_id: int, *, name: str, email: str | None, phone: str | None):
    """Staff change a client's known details on purpose (the caller checks the role and commits).

    Unlike ``upsert_client`` this may clear an e-mail or phone: it is what the person chose.
    """
    changes = {}
    for field, new in (("name", name.strip()), ("email", email or None), ("phone", phone or None)):
        old = getattr(client, field)
        if new != old:
            changes[field] = [old, new]
            setattr(client, field, new)
    if changes:
        audit.record(actor_id, "client", client.id, "details_edited", changes=changes)
    return changes


def client_by_external_id_query(external_id: str) -> sa.Select:
    """The client known by this id, or the one it was merged into (its id is now an alias).

    Every channel that finds a client by another system's id goes through here, so a merge never
    splits a client's history again when the old id keeps arriving.
    """
    merged_into = sa.select(ClientAlias.client_id).where(ClientAlias.external_id == external_id)
    return (
        sa.select(Client)
        .where(sa.or_(Client.external_id == external_id, Client.id.in_(merged_into)))
        .order_by(Client.external_id != external_id)
        .limit(1)
    )


def move_client_rows(model, from_id: int, to_id: int) -> int:
    """Give every row of ``model`` that names client ``from_id`` to ``to_id`` (a merge); how many.

    Each feature moves its own tables with it (``client_history`` modules); it does not commit.
    """
    return db.session.execute(
        sa.update(model)
        .where(model.client_id == from_id)
        .values(client_id=to_id)
        .execution_options(synchronize_session=False)
    ).rowcount
