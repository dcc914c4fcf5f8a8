"""One of our clients, whole: every rating, complaint and wish they gave us, in a few queries."""

from dataclasses import dataclass

import sqlalchemy as sa

from complaints.models import Complaint, Rating
from core.extensions import db
from core.models import Client
from wishes.briefs import client_wishes


@dataclass
class ClientProfile:
    client: Client
    ratings: list[Rating]
    complaints: list[Complaint]
    wishes: list


def profile(client_id: int) -> ClientProfile | None:
    client = db.session.get(Client, client_id)
    if client is None:
        return None
    ratings = db.session.scalars(
        sa.select(Rating)
        .where(Rating.client_id == client_id)
        .order_by(Rating.received_at.desc())
        .limit(200)
    )
    complaints = db.session.scalars(
        sa.select(Complaint)
        .where(Complaint.client_id == client_id)
        .order_by(Complaint.opened_at.desc())
    )
    return ClientProfile(client, list(ratings), list(complaints.unique()), client_wishes(client_id))
