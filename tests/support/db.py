"""Reading and writing rows from a test, inside the test's rolled-back transaction.

Each helper works whether or not the test holds an app context (``using``), and hands back rows
that stay readable after the context ends (loaded, then detached from the session).
"""

from contextlib import contextmanager

import sqlalchemy as sa
from flask import has_app_context

from core.extensions import db


@contextmanager
def using(app):
    """Run inside the current app context, or a new one when the test holds none."""
    if has_app_context():
        yield
    else:
        with app.app_context():
            yield


def save(app, obj):
    """Commit ``obj`` and load its columns, so it stays readable after the context ends."""
    with using(app):
        db.session.add(obj)
        db.session.commit()
        db.session.refresh(obj)
    return obj


def save_all(app, objects) -> None:
    """Add many rows in one commit (for the query-count tests' large data sets)."""
    with using(app):
        db.session.add_all(list(objects))
        db.session.commit()


def count(app, model, *where) -> int:
    with using(app):
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def all_rows(app, model, *where, order_by=None) -> list:
    """Every row of ``model`` matching ``where``, by id unless told, detached from the session."""
    with using(app):
        query = (
            sa.select(model).where(*where).order_by(order_by if order_by is not None else model.id)
        )
        rows = list(db.session.scalars(query))
        for row in rows:
            db.session.expunge(row)
        return rows


def reloaded(app, model, id_):
    """One row as it is in the database now (reloaded), detached from the session."""
    with using(app):
        found = db.session.get(model, id_)
        db.session.refresh(found)
        db.session.expunge(found)
        return found
