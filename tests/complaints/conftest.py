import itertools
from datetime import timedelta

import pytest

from complaints.models import Category, Complaint, Contact, Playbook
from core.api.tokens import create_token
from core.database import utcnow
from tests.conftest import save, using

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


def count(app, model, *where):
    import sqlalchemy as sa

    from core.extensions import db

    with using(app):
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))
