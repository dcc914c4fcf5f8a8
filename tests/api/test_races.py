"""Races answered, not crashed: real concurrent requests against a live server, on SQLite and on a
real PostgreSQL, each committed for real (no rolled-back outer transaction).

* the same ``Idempotency-Key`` in flight many times at once: one request creates, every other one
  replays its answer (or is told 409 "in progress, retry"), never a 500, and nothing is doubled;
* many low ratings of one client at once: one open complaint, which every rating joins;
* two managers saying "I'll call them" at once: the loser is told who owns the complaint.
"""

import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from complaints import services as complaints
from complaints.intake import services as intake
from complaints.models import OPEN_STATUSES, Complaint, Rating
from core.api.idempotency import IdempotentRequest
from core.api.tokens import create_token
from core.database import writing
from core.extensions import db
from core.models import Client
from tests.support.factories import build_complaint, build_user
from tests.support.web import LiveServer

AT_ONCE = 10


@pytest.fixture(scope="module")
def server(committed_app):
    server = LiveServer(committed_app).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def token(committed_app) -> str:
    with committed_app.app_context():
        return create_token("race-token")


def _post(url: str, body: dict, headers: dict) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310 - our own live server
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **headers},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def _all_at_once(calls) -> list[tuple[int, dict]]:
    """Run every call in its own thread, released together by a barrier."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait(10)
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def _rows(app, statement):
    with app.app_context():
        rows = db.session.execute(statement).all()
        db.session.remove()
        return rows


@pytest.mark.parametrize("round_", range(3))
def test_the_same_idempotency_key_in_flight_at_once_creates_once(
    committed_app, server, token, round_
):
    key = f"same-key-{round_}"
    body = {"client": {"external_id": f"idem-{round_}", "name": "Ines Race"}, "score": 1}
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
    url = f"{server.url}/api/v1/ratings"
    answers = _all_at_once([lambda: _post(url, body, headers)] * AT_ONCE)

    statuses = sorted(status for status, _ in answers)
    assert set(statuses) <= {201, 409}, answers
    created = [answer for status, answer in answers if status == 201]
    assert created and all(answer == created[0] for answer in created)
    for status, answer in answers:
        if status == 409:
            assert answer["error"]["code"] == "conflict"
    client_ratings = (
        sa.select(Rating.id, Rating.complaint_id)
        .join(Client, Client.id == Rating.client_id)
        .where(Client.external_id == f"idem-{round_}")
    )
    assert _rows(committed_app, client_ratings) == [(created[0]["id"], created[0]["complaint_id"])]
    stored = sa.select(IdempotentRequest.id).where(IdempotentRequest.key == key)
    assert len(_rows(committed_app, stored)) == 1


@pytest.mark.parametrize("round_", range(3))
def test_low_ratings_of_one_client_at_once_share_one_open_complaint(
    committed_app, server, token, round_
):
    external_id = f"known-{round_}"
    headers = {"Authorization": f"Bearer {token}"}
    url = f"{server.url}/api/v1/ratings"
    client = {"external_id": external_id, "name": "Known Client"}
    assert _post(url, {"client": client, "score": 5}, headers)[0] == 201  # known, no complaint
    answers = _all_at_once(
        [lambda n=n: _post(url, {"client": client, "score": 1 + n % 2}, headers) for n in range(10)]
    )

    assert [status for status, _ in answers] == [201] * AT_ONCE, answers
    complaint_ids = {answer["complaint_id"] for _, answer in answers}
    open_complaints = (
        sa.select(Complaint.id)
        .join(Client, Client.id == Complaint.client_id)
        .where(Client.external_id == external_id, Complaint.status.in_(OPEN_STATUSES))
    )
    assert [row.id for row in _rows(committed_app, open_complaints)] == list(complaint_ids)


def test_a_low_rating_waits_for_one_in_flight_and_joins_its_complaint(committed_app):
    """Deterministic: the first low rating's request has opened a complaint and not committed yet
    when the second arrives. The second must wait and join it (without the client's row lock,
    PostgreSQL let it find no open complaint and open a second one)."""
    with committed_app.app_context():
        db.session.add(Client(external_id="in-flight", name="In Flight"))
        db.session.commit()
        db.session.remove()
    answers = {}

    def second() -> None:
        with committed_app.app_context(), writing():
            client = db.session.scalar(sa.select(Client).where(Client.external_id == "in-flight"))
            answers["second"] = intake.record_rating(client, 2, channel="api").complaint_id
            db.session.commit()
            db.session.remove()

    with committed_app.app_context(), writing():
        client = db.session.scalar(sa.select(Client).where(Client.external_id == "in-flight"))
        answers["first"] = intake.record_rating(client, 1, channel="api").complaint_id
        thread = threading.Thread(target=second)
        thread.start()
        thread.join(1)  # the second request waits for this one
        db.session.commit()
        db.session.remove()
    thread.join(20)

    assert answers["second"] == answers["first"]
    open_complaints = (
        sa.select(Complaint.id)
        .join(Client, Client.id == Complaint.client_id)
        .where(Client.external_id == "in-flight", Complaint.status.in_(OPEN_STATUSES))
    )
    assert _rows(committed_app, open_complaints) == [(answers["first"],)]


def test_a_losing_claim_says_who_owns_the_complaint(committed_app):
    """The winner's request holds the complaint while the loser clicks, from the complaint page
    (with the version it showed) and from Slack (without one): both are told who owns it."""
    with committed_app.app_context():
        ana, bruno = build_user("manager", name="Ana Winner"), build_user("manager", name="Bruno")
        client = Client(external_id="claim-race", name="Claimed")
        db.session.add_all([ana, bruno, client])
        db.session.flush()
        complaint = build_complaint(client=client)
        db.session.add(complaint)
        db.session.commit()
        ids = {"ana": ana.id, "bruno": bruno.id, "complaint": complaint.id}
        shown_version = complaint.version
        db.session.remove()
    answers = {}

    def loser(name: str, version: int | None) -> None:
        with committed_app.app_context(), writing():
            try:
                me = db.session.get(type(bruno), ids["bruno"])
                complaints.take_ownership(ids["complaint"], me, version)
                answers[name] = "took it"
            except complaints.ComplaintError as error:
                answers[name] = error.message
            db.session.remove()

    with committed_app.app_context(), writing():
        # The winner's request is under way: it has read the complaint and holds its row.
        db.session.execute(
            sa.select(Complaint.id).where(Complaint.id == ids["complaint"]).with_for_update()
        )
        losers = [
            threading.Thread(target=loser, args=("page", shown_version)),
            threading.Thread(target=loser, args=("slack", None)),
        ]
        for thread in losers:
            thread.start()
        for thread in losers:
            thread.join(1)  # both wait for the winner's row (PostgreSQL) or write lock (SQLite)
        me = db.session.get(type(ana), ids["ana"])
        complaints.take_ownership(ids["complaint"], me, shown_version)
        db.session.remove()
    for thread in losers:
        thread.join(20)

    assert answers == {
        "page": "Ana Winner already owns this complaint.",
        "slack": "Ana Winner already owns this complaint.",
    }
    owner = sa.select(Complaint.owner_id).where(Complaint.id == ids["complaint"])
    assert _rows(committed_app, owner) == [(ids["ana"],)]
