"""Factories for the Insights tests: clients, categories, complaints, contacts, ratings, compensation.

Every factory takes explicit timestamps, so each test's data set has answers known by construction.
"""

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from complaints.models import Category, Compensation, Complaint, Contact, Playbook, Rating
from core.extensions import db
from core.models import Client
from tests.conftest import save, using

_n = itertools.count(1)


def at(text: str) -> datetime:
    """``"2024-03-05 10:00"`` as an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def owner(make_user):
    return make_user("manager", name="Marta Owner")


@pytest.fixture
def make_client(app):
    def make(**fields) -> Client:
        n = next(_n)
        fields.setdefault("external_id", f"client-{n}")
        fields.setdefault("name", f"Client {n}")
        return save(app, Client(**fields))

    return make


@pytest.fixture
def make_category(app):
    def make(name: str | None = None, playbook: bool | None = None) -> Category:
        """``playbook``: None none, True an active one, False an inactive one."""
        category = save(app, Category(name=name or f"Cause {next(_n)}"))
        if playbook is not None:
            save(app, Playbook(category_id=category.id, title=f"Playbook {name}", active=playbook))
        return category

    return make


def complaint(client, opened_at: datetime, **fields) -> Complaint:
    fields.setdefault("summary", "Something went wrong")
    fields.setdefault("channel", "phone")
    fields.setdefault("due_at", opened_at + timedelta(hours=24))
    for key in ("category", "team", "owner"):
        value = fields.pop(key, None)
        if value is not None:
            fields[f"{key}_id"] = value.id
    return Complaint(client_id=client.id, opened_at=opened_at, **fields)


@pytest.fixture
def make_complaint(app, make_client):
    def make(opened_at: datetime, client=None, **fields) -> Complaint:
        return save(app, complaint(client or make_client(), opened_at, **fields))

    return make


@pytest.fixture
def make_contact(app, owner):
    def make(target: Complaint, when: datetime, outcome: str = "reached", **fields) -> Contact:
        fields.setdefault("channel", "call")
        return save(
            app,
            Contact(complaint_id=target.id, user_id=owner.id, at=when, outcome=outcome, **fields),
        )

    return make


@pytest.fixture
def make_rating(app, make_client):
    def make(received_at: datetime, score: int, client=None, **fields) -> Rating:
        client = client or make_client()
        return save(
            app,
            Rating(
                client_id=client.id,
                score=score,
                occurred_at=received_at,
                received_at=received_at,
                **fields,
            ),
        )

    return make


@pytest.fixture
def make_compensation(app, owner):
    def make(target: Complaint, amount: str, requested_at: datetime, **fields) -> Compensation:
        fields.setdefault("kind", "discount")
        fields.setdefault("status", "approved")
        return save(
            app,
            Compensation(
                complaint_id=target.id,
                amount=Decimal(amount),
                requested_at=requested_at,
                requested_by_id=owner.id,
                **fields,
            ),
        )

    return make


@pytest.fixture
def bulk(app):
    """Add many rows in one commit (for the query-count tests)."""

    def add(objects) -> None:
        with using(app):
            db.session.add_all(list(objects))
            db.session.commit()

    return add
