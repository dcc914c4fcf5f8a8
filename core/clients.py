"""Finding and creating our clients: the one upsert rule every channel (API, pages, wishes) shares."""

import secrets

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from core.extensions import db
from core.models import Client, ClientAlias


def upsert_client(
    external_id: str, name: str, email: str | None = None, phone: str | None = None
) -> Client:
    """Find our client by the id another system gave them; keep their details current.

    Empty details never erase known ones: a rating sent without the e-mail must not lose it.
    """
    query = client_by_external_id_query(external_id)
    client = db.session.scalar(query)
    if client is None:
        client = Client(external_id=external_id, name=name, email=email, phone=phone)
        try:
            with db.session.begin_nested():  # a savepoint: a clash undoes only this insert
                db.session.add(client)
            return client
        except IntegrityError:
            # Another request created the same client a moment ago (PostgreSQL lets both
            # look first): theirs is committed now, so use it.
            client = db.session.scalar(query)
    client.name = name or client.name
    client.email = email or client.email
    client.phone = phone or client.phone
    return client


def find_or_create_client(
    external_id: str | None, name: str, email: str | None = None, phone: str | None = None
) -> Client:
    """For people typing in what a caller told them: the id if they have it, else e-mail, else phone.

    A caller rarely knows the id our other systems gave them; matching on e-mail or phone keeps one
    client (and one history) instead of a new stranger per call. Without any match a Huddle id is
    made up, so the client can still be found and linked later.
    """
    if external_id:
        return upsert_client(external_id, name, email, phone)
    for column, value in ((Client.email, email), (Client.phone, phone)):
        if not value:
            continue
        found = db.session.scalar(
            sa.select(Client).where(sa.func.lower(column) == value.lower()).order_by(Client.id)
        )
        if found is not None:
            return upsert_client(found.external_id, name, email, phone)
    return upsert_client(f"huddle-{secrets.token_hex(6)}", name, email, phone)


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


def resolve_aliases(external_ids: list[str]) -> dict[str, str]:
    """Of these ids, those that are aliases now, mapped to the kept client's own id (one query)."""
    if not external_ids:
        return {}
    rows = db.session.execute(
        sa.select(ClientAlias.external_id, Client.external_id)
        .join(Client, Client.id == ClientAlias.client_id)
        .where(ClientAlias.external_id.in_(external_ids))
    )
    return dict(rows.all())
