"""Two API ratings for a client Huddle does not know yet, at the same moment on PostgreSQL: both
look, find nothing and insert; the second insert waits for the first and clashes on the unique
external id. The second request must use the first one's client, not answer 500."""

import threading

import sqlalchemy as sa

from core.clients import upsert_client
from core.extensions import db
from core.models import Client
from tests.support.app import make_app, migrate


def test_a_client_created_by_a_concurrent_request_is_used_not_a_500(postgres_server):
    url = postgres_server.create_database("huddle_client_race")
    migrate(url)
    first_app, second_app = make_app(url), make_app(url)
    result = {}
    with first_app.app_context():
        upsert_client("ext-1", "First")  # inserted, not committed: the second one will wait

        def second():
            with second_app.app_context():
                try:
                    result["client"] = upsert_client("ext-1", "Second", email="s@example.com")
                    db.session.commit()
                    result["id"] = result["client"].id
                except Exception as error:  # pragma: no cover - reported below
                    result["error"] = error
                db.session.remove()

        thread = threading.Thread(target=second)
        thread.start()
        thread.join(1)  # the second insert is blocked on the first transaction
        db.session.commit()
        thread.join(20)
        assert "error" not in result, result.get("error")
        clients = db.session.execute(sa.select(Client.id, Client.name, Client.email)).all()
        assert clients == [(result["id"], "Second", "s@example.com")]
        db.session.remove()
        db.engine.dispose()
    with second_app.app_context():
        db.engine.dispose()
