"""The client directory at 100k clients: p50/p95 of ``/clients/?q=`` searches (numbers, not a test).

    .venv/bin/python scripts/bench_clients.py                     # 100k clients, SQLite
    .venv/bin/python scripts/bench_clients.py --clients 1000000 --runs 21

It migrates an empty SQLite database in a temporary folder, seeds the clients in one bulk
``INSERT ... SELECT`` (names, e-mails, phones and external ids are arithmetic on the row number, so
runs are comparable between branches), then requests the directory through the real app in-process
as a manager, once to warm up and ``--runs`` times measured. Per search it prints p50, p95, the
number of SQL statements the request ran and how many clients the page listed. The external id is
searched exactly: the directory answers a whole (former) id, not its start. Then it times how a
caller or a public message is matched to a known client by e-mail, else phone
(``core.clients._id_by_contact``, inside every such write's lock): for a known e-mail typed in
capitals, a known phone, and a new client (neither known, the costliest).
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench import Recorder  # noqa: E402
from bench_sql import sequence  # noqa: E402

from core.clients import _id_by_contact  # noqa: E402
from core.extensions import db  # noqa: E402
from core.models import User  # noqa: E402
from dashboard import create_app  # noqa: E402
from tests.support.web import CsrfClient  # noqa: E402

FIRST = ("Ana", "Bruno", "Carla", "Diego", "Elena", "Fábio", "Grace", "Hugo", "Inês", "João")
LAST = ("Lima", "Souza", "Pereira", "Gómez", "Ivanova", "Brooks", "Lopes", "Nunes", "Reis")


def _case(expression: str, values: tuple[str, ...]) -> str:
    whens = " ".join(f"WHEN {i} THEN '{value}'" for i, value in enumerate(values))
    return f"CASE {expression} {whens} END"


def seed(count: int) -> None:
    """``count`` clients named like people (a name shared by about 1 in 90), one bulk statement."""
    first = _case(f"n % {len(FIRST)}", FIRST)
    last = _case(f"(n / {len(FIRST)}) % {len(LAST)}", LAST)
    db.session.execute(
        sa.text(
            "INSERT INTO clients (external_id, name, email, phone, created_at) "
            f"SELECT 'crm-' || n, {first} || ' ' || {last} || ' ' || n, "
            "'client' || n || '@example.com', '+55 11 9' || printf('%08d', n), "
            f"'{datetime.now(UTC):%Y-%m-%d %H:%M:%S}' FROM {sequence('sqlite', count)}"
        )
    )
    db.session.add(User(email="bench@huddle.example", name="Bench", role="manager"))
    db.session.commit()
    with db.engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")


def searches(count: int) -> dict[str, str]:
    middle = count // 2
    tens = middle // 10 - (middle // 10) % len(LAST) + LAST.index("Lopes")
    return {
        "no search (first page)": "",
        "name prefix 'Car' (10%)": "Car",
        "name prefix 'carla lo'": "carla lo",
        "full name": f"Carla Lopes {tens * 10 + FIRST.index('Carla')}",
        "e-mail prefix": f"client{middle}@",
        "e-mail prefix of all": "client",
        "e-mail whole": f"client{middle}@example.com",
        "phone prefix": "+55 11 90001",
        "external id (exact)": f"crm-{middle}",
        "no match": "zzzz",
    }


def contacts(count: int) -> dict[str, tuple]:
    middle = count // 2
    return {
        "known e-mail, capitals": (f"CLIENT{middle}@EXAMPLE.COM", None),
        "known phone": (None, f"+55 11 9{middle:08d}"),
        "new client (no match)": ("nobody@example.com", "+1 555 0100"),
    }


def measured(action, engine, runs: int) -> tuple[float, float, int]:
    """p50 and p95 in seconds of ``runs`` calls of ``action``, and the statements one ran."""
    times = []
    with Recorder(engine) as recorder:
        for _ in range(runs):
            recorder.calls = []
            started = time.perf_counter()
            action()
            times.append(time.perf_counter() - started)
    p50 = statistics.median(times)
    return p50, statistics.quantiles(times, n=20)[-1] if runs > 1 else p50, len(recorder.calls)


def time_contact_lookups(app, engine, count: int, runs: int) -> None:
    """p50/p95 and statements of matching a caller to a client by e-mail, else phone."""
    with app.app_context():
        for label, (email, phone) in contacts(count).items():
            found = _id_by_contact(email, phone)
            p50, p95, statements = measured(partial(_id_by_contact, email, phone), engine, runs)
            print(
                f"  contact: {label:<26} p50 {p50 * 1000:7.2f} ms  p95 {p95 * 1000:7.2f} ms  "
                f"{statements:2d} stmts  found {found}",
                flush=True,
            )
        db.session.remove()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{os.path.join(folder, 'bench.db')}"
        app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})
        app.test_client_class = CsrfClient
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            seed(options.clients)
            print(
                f"sqlite, {options.clients:,} clients (seeded in "
                f"{time.perf_counter() - started:.1f} s), {options.runs} runs each",
                flush=True,
            )
            manager = db.session.scalar(sa.select(User).where(User.role == "manager"))
            db.session.expunge(manager)
            engine = db.engine
        client = app.test_client()
        client.log_in(manager)
        for label, q in searches(options.clients).items():
            path = "/clients/" + (f"?q={q.replace('+', '%2B').replace(' ', '+')}" if q else "")
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            listed = response.text.count("<tr><td><a href=")
            p50, p95, statements = measured(partial(client.get, path), engine, options.runs)
            print(
                f"  {label:<26} p50 {p50 * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms  "
                f"{statements:2d} stmts  {listed} listed",
                flush=True,
            )
        time_contact_lookups(app, engine, options.clients, options.runs)


if __name__ == "__main__":
    main()
