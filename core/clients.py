"""Finding and creating our clients: the one upsert rule every channel (API, pages, wishes) shares."""

import secrets

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from core.extensions import db
from core.models import Client


def upsert_client(
    external_id: str,
    name: str,
    email: str | None = None,
    phone: str | None = None,
    locale: str | None = None,
) -> Client:
    """Find our client by the id another system gave them; keep their details current.

    Empty details never erase known ones: a rating sent without the e-mail must not lose it.
    ``locale`` is the language they read, one of LANGUAGES (``core.i18n.known_language``).
    """
    query = sa.select(Client).where(Client.external_id == external_id)
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
    client.name = name or client.name
    client.email = email or client.email
    client.phone = phone or client.phone
    client.locale = locale or client.locale
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
