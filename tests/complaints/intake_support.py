"""Helpers for the intake tests (plain functions: the package's conftest belongs to the desk)."""

import itertools

import sqlalchemy as sa

from core.api.tokens import create_token
from core.extensions import db
from core.models import Client
from tests.conftest import save, using

_n = itertools.count(1)

CLIENT = {
    "external_id": "crm-42",
    "name": "Joana Silva",
    "email": "joana@example.com",
    "phone": "+351 912 345 678",
}


def api_headers(app) -> dict:
    """A fresh API token's Authorization header."""
    with using(app):
        token = create_token(f"intake-test-{next(_n)}")
    return {"Authorization": f"Bearer {token}"}


def make_client(app, **fields) -> Client:
    n = next(_n)
    fields.setdefault("external_id", f"ext-{n}")
    fields.setdefault("name", f"Client {n}")
    return save(app, Client(**fields))


def count(app, model, *where) -> int:
    with using(app):
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def all_rows(app, model, *where, order_by=None) -> list:
    with using(app):
        query = (
            sa.select(model).where(*where).order_by(order_by if order_by is not None else model.id)
        )
        rows = list(db.session.scalars(query))
        db.session.expunge_all()
        return rows
