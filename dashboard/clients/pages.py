"""The client directory (search and pages of clients) and one client: their latest ratings and
complaints (a page says when it shows only the latest), every wish they gave us, and the ids they
were merged from, in a fixed number of queries."""

from dataclasses import dataclass

import sqlalchemy as sa

from complaints.models import Complaint, Rating
from core.clients import pending_proposals
from core.extensions import db
from core.models import Client, ClientAlias, ClientDetailProposal
from core.prefixes import name_spellings, starts_with, starts_with_spelling
from wishes.briefs import client_wishes

PAGE_SIZE = 50
MAX_PAGE = 200  # offset paging stays cheap only so deep; a longer search narrows it instead
MAX_QUERY = 120
RATINGS_SHOWN = 50  # the latest; one more is read, so the page can say there are older ones
COMPLAINTS_SHOWN = 100


@dataclass
class ClientProfile:
    client: Client
    ratings: list[Rating]
    complaints: list[Complaint]
    wishes: list
    aliases: list[ClientAlias]
    proposals: list[ClientDetailProposal]
    older_ratings: bool = False  # more than the ratings shown
    older_complaints: bool = False


@dataclass
class Directory:
    q: str
    page: int
    clients: list[Client]
    has_next: bool


def search_condition(q: str, enough: int):
    """Clients whose name, e-mail or phone starts with ``q``, or whose (former) id is ``q``: the
    first ``enough`` in the directory's order from each way of matching, which hold the first
    ``enough`` of all.

    Each spelling of a name (``ana``, ``Ana``, ``ANA``) is a range of ``ix_clients_name`` walked in
    the directory's own order and left after ``enough`` rows: taking every match first read all
    the clients a common start matches ("b" or "Bench" among 500k: 255 and 362 ms). An e-mail or
    phone start is a range of its own index, sorted by name; an id is one lookup. Branches of one
    union, each answered by its own index: SQLite cannot combine the indexes of one ``OR`` whose
    branches are ranges on different columns, and scanned all clients.
    """
    lowered = q.lower()

    def first(condition):
        walked = sa.select(Client.id).where(condition).order_by(Client.name, Client.id)
        return sa.select(walked.limit(enough).subquery().c.id)

    matching = sa.union(
        *(first(starts_with_spelling(Client.name, text)) for text in name_spellings(q)),
        first(starts_with(Client.email, {q, lowered}, lowered)),
        first(starts_with(Client.phone, {q}, lowered)),
        sa.select(Client.id).where(Client.external_id == q),
        sa.select(ClientAlias.client_id).where(ClientAlias.external_id == q),
    )
    return Client.id.in_(matching)


def directory(q: str | None, page: int = 1) -> Directory:
    """One page of clients in name order, searched when ``q`` is given: one query, however many."""
    q = (q or "").strip()[:MAX_QUERY]
    page = max(1, min(page, MAX_PAGE))
    query = sa.select(Client).order_by(Client.name, Client.id)
    if q:
        query = query.where(search_condition(q, enough=page * PAGE_SIZE + 1))
    rows = list(db.session.scalars(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)))
    return Directory(q, page, rows[:PAGE_SIZE], len(rows) > PAGE_SIZE)


def merged_into(former_client_id: int) -> int | None:
    """The client a merged-away client's row id now belongs to, for old links to its page."""
    return db.session.scalar(
        sa.select(ClientAlias.client_id).where(ClientAlias.former_client_id == former_client_id)
    )


def profile(client_id: int) -> ClientProfile | None:
    client = db.session.get(Client, client_id)
    if client is None:
        return None
    ratings = db.session.scalars(
        sa.select(Rating)
        .where(Rating.client_id == client_id)
        .order_by(Rating.received_at.desc(), Rating.id.desc())
        .limit(RATINGS_SHOWN + 1)
    ).all()
    complaints = (
        db.session.scalars(
            sa.select(Complaint)
            .where(Complaint.client_id == client_id)
            .order_by(Complaint.opened_at.desc(), Complaint.id.desc())
            .limit(COMPLAINTS_SHOWN + 1)
        )
        .unique()
        .all()
    )
    aliases = db.session.scalars(
        sa.select(ClientAlias)
        .where(ClientAlias.client_id == client_id)
        .order_by(ClientAlias.merged_at, ClientAlias.id)
    )
    return ClientProfile(
        client,
        ratings[:RATINGS_SHOWN],
        complaints[:COMPLAINTS_SHOWN],
        client_wishes(client_id),
        list(aliases),
        pending_proposals(client_id),
        older_ratings=len(ratings) > RATINGS_SHOWN,
        older_complaints=len(complaints) > COMPLAINTS_SHOWN,
    )
