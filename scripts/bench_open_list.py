"""Benchmark: the open complaint list and Today with 100k complaints (prints numbers; not a test).

    .venv/bin/python scripts/bench_open_list.py [--complaints 100000] [--database-url URL]

Without --database-url it uses a throw-away SQLite file. Seeding uses bulk inserts; each page is then
requested several times through the real app, logged in as a manager, and the median time and the
number of SQL statements are printed, with the query plan of the default list query.
"""

import argparse
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

from complaints.models import Complaint, Contact
from core.database import utcnow
from core.extensions import db
from core.models import Client, User
from dashboard import create_app

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.support


def seed(n: int) -> int:
    now = utcnow()
    manager = User(email="bench@example.com", name="Bench Manager", role="manager")
    manager.set_password("bench-password")
    db.session.add(manager)
    db.session.flush()
    batch = 10_000
    for start in range(0, n, batch):
        count = min(batch, n - start)
        db.session.execute(
            sa.insert(Client),
            [
                {"external_id": f"bench-{i}", "name": f"Client {i}", "created_at": now}
                for i in range(start, start + count)
            ],
        )
    client_ids = db.session.scalars(sa.select(Client.id).order_by(Client.id)).all()
    statuses = ["new", "contacting", "resolving", "resolved", "closed"]
    for start in range(0, n, batch):
        rows = []
        for i in range(start, min(start + batch, n)):
            opened = now - timedelta(minutes=i * 7)
            rows.append(
                {
                    "client_id": client_ids[i],
                    "summary": f"Complaint number {i}",
                    "channel": "api",
                    "status": statuses[i % 5],
                    "owner_id": manager.id if i % 3 else None,
                    "opened_at": opened,
                    "due_at": opened + timedelta(hours=24),
                    "checklist_done": [],
                    "version": 1,
                }
            )
        db.session.execute(sa.insert(Complaint), rows)
    complaint_ids = db.session.scalars(sa.select(Complaint.id).where(Complaint.id % 2 == 0)).all()
    for start in range(0, len(complaint_ids), batch):
        db.session.execute(
            sa.insert(Contact),
            [
                {
                    "complaint_id": cid,
                    "user_id": manager.id,
                    "channel": "call",
                    "outcome": "reached",
                    "at": now,
                }
                for cid in complaint_ids[start : start + batch]
            ],
        )
    db.session.commit()
    db.session.execute(sa.text("ANALYZE"))  # fresh statistics, as a long-lived database would have
    db.session.commit()
    return manager.id


def measure(app, client, url, runs=7):
    from tests.support.queries import count_statements

    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    with count_statements(app) as counter:
        client.get(url)
    return statistics.median(timings) * 1000, len(counter)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--complaints", type=int, default=100_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        manager_id = seed(args.complaints)
        print(
            f"seeded {args.complaints} complaints in {time.perf_counter() - started:.1f}s on {db.engine.dialect.name}"
        )
        manager = db.session.get(User, manager_id)
    from tests.support.web import CsrfClient

    app.test_client_class = CsrfClient
    client = app.test_client()
    client.log_in(manager)
    for label, page in [
        ("open list (default)", "/complaints/"),
        ("open list, overdue", "/complaints/?view=overdue"),
        ("open list, search", "/complaints/?q=number%2099"),
        ("open list, page 50", "/complaints/?page=50"),
        ("my follow-ups", "/complaints/mine"),
        ("Today (manager)", "/"),
    ]:
        ms, statements = measure(app, client, page)
        print(f"{label:<24} {ms:8.1f} ms  {statements} statements")
    with app.app_context():
        from complaints import listing

        statement = listing._list_statement(listing.Filters(), manager_id, utcnow())
        compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
        prefix = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN "
        print("plan of the default list query:")
        for row in db.session.execute(sa.text(prefix + str(compiled))):
            print("  ", " ".join(str(c) for c in row))


if __name__ == "__main__":
    main()
