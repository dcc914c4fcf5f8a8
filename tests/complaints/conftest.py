"""Factories and helpers the desk's tests share (the intake's plain helpers are in intake_support)."""

import itertools
from datetime import timedelta

import pytest

from complaints.models import Category, Complaint, Contact, Playbook
from core.api.tokens import create_token
from core.database import utcnow
from core.extensions import db
from tests.complaints.intake_support import count  # noqa: F401  (imported from here by the tests)
from tests.conftest import save, using
from tests.support.queries import count_statements

_n = itertools.count(1)


@pytest.fixture
def make_complaint(app, make_client):
    def make(**fields) -> Complaint:
        client_id = fields.pop("client_id", None) or make_client().id
        now = utcnow()
        fields.setdefault("opened_at", now - timedelta(hours=2))
        fields.setdefault("due_at", now + timedelta(hours=22))
        return save(
            app,
            Complaint(
                client_id=client_id,
                summary=fields.pop("summary", "Order arrived late"),
                channel=fields.pop("channel", "api"),
                **fields,
            ),
        )

    return make


@pytest.fixture
def make_contact(app):
    def make(complaint, user, outcome="reached", **fields) -> Contact:
        return save(
            app,
            Contact(
                complaint_id=complaint.id,
                user_id=user.id,
                channel="call",
                outcome=outcome,
                at=fields.pop("at", utcnow() - timedelta(minutes=5)),
                **fields,
            ),
        )

    return make


@pytest.fixture
def make_playbook(app):
    def make(name="Late delivery", **fields) -> Playbook:
        category = save(app, Category(name=f"{name} {next(_n)}"))
        return save(
            app,
            Playbook(
                category_id=category.id,
                title=fields.pop("title", f"{name} script"),
                steps=fields.pop("steps", ["Apologise", "Check the courier", "Offer a discount"]),
                follow_up_hours=fields.pop("follow_up_hours", 8),
                **fields,
            ),
        )

    return make


@pytest.fixture
def api_headers(app):
    with using(app):
        token = create_token(f"crm-{next(_n)}")
    return {"Authorization": f"Bearer {token}"}


def fetch(app, complaint_id) -> Complaint:
    """The complaint as the database has it now, readable after the context ends."""
    with using(app):
        complaint = db.session.get(Complaint, complaint_id)
        db.session.refresh(complaint)
        db.session.expunge(complaint)
        return complaint


def htmx(client, url, data=None, **kwargs):
    """A POST as htmx sends it from the complaint page."""
    return client.post(url, data=data or {}, headers={"HX-Request": "true"}, **kwargs)


def statements_for(app, client, url) -> int:
    """How many SQL statements one GET of ``url`` runs."""
    client.get(url)  # warm up the first-request work (loading the user), the same for every size
    with count_statements(app) as counter:
        assert client.get(url).status_code == 200
    return len(counter)
