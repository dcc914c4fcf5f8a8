import itertools
from datetime import date

import pytest
import sqlalchemy as sa

from core.api.tokens import create_token
from core.extensions import db
from core.models import Client, User
from tests.conftest import using
from wishes import services
from wishes.models import Callback, Wish

_n = itertools.count(1)

# A Tuesday: the default review day.
REVIEW_DAY = date(2026, 12, 1)


@pytest.fixture
def ask(app, make_client):
    """Record that a client (a new one unless given) asked for a wish; returns the wish id."""

    def record(title="Export reports to Excel", client=None, agent=None, wish_id=None, **kw):
        client = client or make_client()
        with using(app):
            client = db.session.get(Client, client.id)
            agent = db.session.get(User, agent.id) if agent is not None else None
            recorded = services.record_wish(
                client,
                title=None if wish_id else title,
                wish_id=wish_id,
                problem=kw.pop("problem", f"Problem of {client.name}"),
                agent=agent,
                **kw,
            )
            return recorded.wish.id

    return record


@pytest.fixture
def wish_with_clients(ask, make_client):
    """A wish asked for by ``n`` distinct clients (heard by ``agent``); returns the wish id."""

    def make(n=3, title="Export reports to Excel", agent=None):
        wish_id = ask(title, agent=agent)
        for _ in range(n - 1):
            ask(wish_id=wish_id, agent=agent)
        return wish_id

    return make


@pytest.fixture
def decide_wish(app, make_user, make_team):
    """Decide a wish at a review (a new manager and team unless given); returns ``Decided``."""

    def decide(wish_id, outcome="wont_do", reason="Not for now", *, manager=None, team=None, **kw):
        manager = manager or make_user("manager")
        team = team or make_team()
        with using(app):
            return services.decide(
                wish_id,
                manager,
                team=team,
                review_on=kw.pop("review_on", REVIEW_DAY),
                outcome=outcome,
                reason=reason,
                **kw,
            )

    return decide


@pytest.fixture
def api_headers(app):
    with using(app):
        token = create_token(f"crm-wishes-{next(_n)}")
    return {"Authorization": f"Bearer {token}"}


def count(app, model, *where) -> int:
    with using(app):
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def wish(app, wish_id) -> Wish:
    with using(app):
        found = db.session.get(Wish, wish_id)
        db.session.refresh(found)
        db.session.expunge(found)
        return found


def callbacks(app, *where) -> list[Callback]:
    with using(app):
        found = list(db.session.scalars(sa.select(Callback).where(*where).order_by(Callback.id)))
        for callback in found:
            db.session.expunge(callback)
        return found
