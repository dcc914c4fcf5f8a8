"""The admin audit page on a long trail: p50 of ``/admin/audit/`` per filter (numbers, not a test).

    .venv/bin/python scripts/bench_audit.py                  # 500k events, SQLite
    .venv/bin/python scripts/bench_audit.py --events 2000000
    .venv/bin/python scripts/bench_audit.py --analyze        # with SQLite's statistics

Every write records audit events, so the trail grows with everything else. It migrates an empty
SQLite database in a temporary folder, seeds the events in one ``INSERT ... SELECT`` (30 s apart,
three kinds, a seventh by the admin), then requests the page in-process as the admin for each
filter, once to warm up and ``--runs`` times measured. Huddle never runs ``ANALYZE``; an operator
may (or ``PRAGMA optimize``), and ``--analyze`` times the page with the statistics it writes.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_sql import sequence  # noqa: E402

from core.extensions import db  # noqa: E402
from core.models import User  # noqa: E402
from dashboard import create_app  # noqa: E402
from tests.support.web import CsrfClient  # noqa: E402


def seed(count: int, admin_id: int) -> None:
    db.session.execute(
        sa.text(
            "INSERT INTO audit_events (at, actor_id, entity_type, entity_id, action, details) "
            "SELECT strftime('%Y-%m-%d %H:%M:%S', '2025-01-01', printf('+%d seconds', n * 30)), "
            f"CASE WHEN n % 7 = 0 THEN {admin_id} END, "
            "CASE n % 3 WHEN 0 THEN 'complaint' WHEN 1 THEN 'client' ELSE 'wish' END, n, "
            "CASE n % 5 WHEN 0 THEN 'opened' ELSE 'status_changed' END, '{}' "
            f"FROM {sequence('sqlite', count)}"
        )
    )
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=500_000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--analyze", action="store_true", help="run ANALYZE after seeding")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})
        app.test_client_class = CsrfClient
        with app.app_context():
            upgrade()
            admin = User(email="admin@bench.example", name="Admin", role="admin")
            db.session.add(admin)
            db.session.commit()
            seed(options.events, admin.id)
            if options.analyze:
                db.session.execute(sa.text("ANALYZE"))
                db.session.commit()
            db.session.refresh(admin)
            db.session.expunge(admin)
        client = app.test_client()
        client.log_in(admin)
        filters = {
            "all": "",
            "a kind": "entity_type=client",
            "a kind's action": "action=complaint.opened",
            "a person": f"actor={admin.id}",
            "one day": "since=2025-03-01&until=2025-03-01",
        }
        analyzed = "with statistics" if options.analyze else "no statistics"
        print(
            f"sqlite, {options.events:,} audit events, {analyzed}, {options.runs} runs each",
            flush=True,
        )
        for label, query in filters.items():
            url = f"/admin/audit/?{query}"
            assert client.get(url).status_code == 200, url
            times = []
            for _ in range(options.runs):
                started = time.perf_counter()
                client.get(url)
                times.append(time.perf_counter() - started)
            print(f"  {label:<16} p50 {statistics.median(times) * 1000:7.1f} ms", flush=True)


if __name__ == "__main__":
    main()
