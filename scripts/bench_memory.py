"""A worker's memory over many requests: does it stay flat (numbers, not a test; issue #16).

    .venv/bin/python scripts/bench_memory.py                       # 10,000 requests, 100k complaints
    .venv/bin/python scripts/bench_memory.py --requests 2000 --complaints 10000
    .venv/bin/python scripts/bench_memory.py --db /tmp/bench.db    # seed once, reuse the next time

It migrates and seeds a SQLite database with ``bench.py``'s bulk seeding (kept with ``--db``, reused
when it exists) in a child process, so that the process measured holds only what a worker would
(seeded in it, the start was 6 MiB higher), then sends mixed requests through the real app
in-process, logged in as a manager (the open list, a search, a complaint page, the board, Today
and the API list, each with varying ids and terms, round robin), and prints the resident set size (``VmRSS`` in ``/proc/self/status``)
at the start, every ``--every`` requests and at the end, with the growth from the first report to the
last. The goal: at most 130 MiB and flat (what grows by a few MiB in the first thousand requests is
caches filling; what grows at every report after that is a leak).
"""

import argparse
import gc
import multiprocessing
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import WORDS, name_token, seed  # noqa: E402

from complaints.models import Complaint  # noqa: E402
from core.api.tokens import create_token  # noqa: E402
from core.extensions import db  # noqa: E402
from core.models import User  # noqa: E402
from dashboard import create_app  # noqa: E402
from tests.support.web import CsrfClient  # noqa: E402


def rss_mib() -> tuple[float, float]:
    """This process's resident set size now and at its peak, in MiB."""
    fields = {}
    with open("/proc/self/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            fields[key] = value
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def prepare(app, complaints: int, ratings: int, fresh: bool) -> tuple[int, str, list[int]]:
    """The manager's id, an API token and some complaint ids (seeding the database if ``fresh``)."""
    with app.app_context():
        if fresh:
            upgrade()
            started = time.perf_counter()
            seed(complaints, ratings, datetime.now(UTC).replace(microsecond=0))
            print(f"seeded {complaints:,} complaints in {time.perf_counter() - started:.1f} s")
        manager_id = db.session.scalar(
            sa.select(User.id).where(User.email == "owner0@bench.example")
        )
        count = db.session.scalar(sa.select(sa.func.count()).select_from(Complaint))
        step = max(1, count // 500)
        ids = list(db.session.scalars(sa.select(Complaint.id).where(Complaint.id % step == 0)))
        token = create_token(f"bench-memory-{time.time_ns()}")
        return manager_id, token, ids


def requests(ids: list[int], token: str):
    """An endless round of the mixed requests: (url, headers)."""
    api = {"Authorization": f"Bearer {token}"}
    n = 0
    while True:
        complaint_id = ids[n % len(ids)]
        term = WORDS[n % len(WORDS)] if n % 2 else name_token(complaint_id)
        yield from (
            ("/complaints/" + ("?sort=newest" if n % 2 else ""), {}),
            (f"/complaints/?q={term}", {}),
            (f"/complaints/{complaint_id}", {}),
            ("/standup/bench-0/", {}),
            ("/", {}),
            ("/api/v1/complaints?status=open" + (f"&page={n % 5 + 1}" if n % 3 else ""), api),
        )
        n += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--every", type=int, default=1_000)
    parser.add_argument("--complaints", type=int, default=100_000)
    parser.add_argument("--ratings", type=int, default=100_000)
    parser.add_argument(
        "--db", help="a SQLite file to seed once and reuse (default: a temporary one)"
    )
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = options.db or os.path.join(folder, "memory.db")
        fresh = not os.path.exists(path)
        app = create_app(
            {"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"}
        )
        app.test_client_class = CsrfClient
        if fresh:  # seeded by a child process: a worker never holds what seeding left behind
            seeding = multiprocessing.get_context("fork").Process(
                target=prepare, args=(app, options.complaints, options.ratings, True)
            )
            seeding.start()
            seeding.join()
            if seeding.exitcode:
                sys.exit(f"seeding failed (exit code {seeding.exitcode})")
        manager_id, token, ids = prepare(app, options.complaints, options.ratings, False)
        with app.app_context():
            manager = db.session.get(User, manager_id)
            db.session.expunge(manager)
        client = app.test_client()
        client.log_in(manager)
        gc.collect()
        first, _ = rss_mib()
        print(f"start: RSS {first:6.1f} MiB", flush=True)
        started, failures = time.perf_counter(), 0
        last = warm = first
        for done, (url, headers) in enumerate(requests(ids, token), start=1):
            if client.get(url, headers=headers).status_code != 200:
                failures += 1
            if done % options.every == 0 or done == options.requests:
                last, peak = rss_mib()
                warm = last if done == options.every else warm
                print(
                    f"{done:6,} requests: RSS {last:6.1f} MiB (peak {peak:6.1f})  "
                    f"{(time.perf_counter() - started) / done * 1000:5.1f} ms/request  "
                    f"{failures} failed",
                    flush=True,
                )
            if done == options.requests:
                break
        print(
            f"end: RSS {last:6.1f} MiB, {last - first:+.1f} MiB over {options.requests:,} requests, "
            f"{last - warm:+.1f} MiB after the first {options.every:,} (caches filled)"
        )
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
