"""The compensation limit is what a complaint may cost, not one payment: splitting cannot pass it."""

import threading
from decimal import Decimal

import pytest
import sqlalchemy as sa

from complaints import services
from complaints.models import Compensation, Complaint
from core.database import writing
from core.extensions import db
from core.models import Client, User
from tests.support.app import make_app, migrate
from tests.support.db import using


def statuses(app, complaint_id) -> list[str]:
    with using(app):
        return list(
            db.session.scalars(
                sa.select(Compensation.status)
                .where(Compensation.complaint_id == complaint_id)
                .order_by(Compensation.id)
            )
        )


def give(app, manager_id: int, complaint_id: int, kind: str, amounts) -> None:
    """``manager_id`` gives each amount to the complaint in turn (each one commits on its own)."""
    with using(app):
        actor = db.session.get(User, manager_id)
        for amount in amounts:
            services.add_compensation(complaint_id, actor, kind, Decimal(amount), None)


@pytest.mark.parametrize(
    ("kind", "amounts", "expected"),
    [
        # Four refunds of 25 under a limit of 25: one given, three waiting.
        ("refund", ["25"] * 4, ["approved", "pending", "pending", "pending"]),
        # 25.01 would pass the limit: it waits; and what waits still counts, so 4.99 waits too.
        ("discount", ["10", "10", "5.01", "4.99"], ["approved", "approved", "pending", "pending"]),
    ],
    ids=["four_refunds_of_25", "small_amounts"],
)
def test_amounts_are_given_until_the_total_reaches_the_limit_then_wait(
    app, make_user, make_complaint, kind, amounts, expected
):
    manager = make_user("manager", compensation_limit=Decimal("25.00"))
    complaint = make_complaint(owner=manager)
    give(app, manager.id, complaint.id, kind, amounts)
    assert statuses(app, complaint.id) == expected


def test_two_managers_giving_at_once_cannot_both_slip_under_the_limit(make_database_url):
    url = make_database_url()
    migrate(url)
    app = make_app(url)
    with app.app_context():
        managers = [
            User(email=f"m{n}@example.com", name=f"M{n}", role="manager", compensation_limit=25)
            for n in range(2)
        ]
        client = Client(external_id="race-client", name="Ana")
        db.session.add_all([*managers, client])
        db.session.flush()
        complaint = Complaint(
            client_id=client.id,
            summary="Late",
            channel="phone",
            owner_id=managers[0].id,
            due_at=sa.func.now(),
        )
        db.session.add(complaint)
        db.session.commit()
        complaint_id, manager_ids = complaint.id, [m.id for m in managers]
    start = threading.Barrier(2)

    def give(manager_id):
        with app.test_request_context(method="POST"):
            start.wait()  # both at once; then, as a POST does, take SQLite's write lock at BEGIN
            with writing():
                actor = db.session.get(User, manager_id)
                services.add_compensation(complaint_id, actor, "refund", Decimal("20"), None)
            db.session.remove()

    threads = [threading.Thread(target=give, args=(m,)) for m in manager_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses(app, complaint_id)) == ["approved", "pending"]
    with app.app_context():
        db.engine.dispose()


def test_money_is_exact_cents_and_never_a_float(app, make_user, make_complaint):
    """#12: ten payments of 0.10 reach a limit of 1.00 exactly; a third decimal or a float is refused."""
    manager = make_user("manager", compensation_limit=Decimal("1.00"))
    complaint = make_complaint(owner=manager)
    give(app, manager.id, complaint.id, "discount", ["0.10"] * 10)
    with using(app):
        actor = db.session.get(User, manager.id)
        assert services.committed_compensation(complaint.id) == Decimal("1.00")
        with pytest.raises(services.ComplaintError, match="two decimals"):
            services.add_compensation(complaint.id, actor, "discount", Decimal("0.005"), None)
        db.session.rollback()
        with pytest.raises(TypeError):
            services.add_compensation(complaint.id, actor, "discount", 0.1, None)
        db.session.rollback()
    assert statuses(app, complaint.id) == ["approved"] * 10
