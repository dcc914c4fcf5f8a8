"""Time the CSV import of past ratings: generate N rows, check them, import them in one transaction.

The preview is the only parse; the import writes the staged rows with set-based statements. A
small import runs first, as a running server has compiled its statements long before. Each step
prints its wall time and the CPU time it used: this process's (SQLite works inside it) and, with
``--postgres``, the server's processes' (on a busy machine, CPU time says what an idle one takes). After the import the script also times the *floor*: the
same rating tuples appended by the bare driver (``executemany`` on SQLite, ``COPY`` on PostgreSQL)
to a scratch copy of ``ratings`` with the same indexes, without its foreign keys, with
``client_id``'s, with both, so the import's rows/s can be read against what the database itself
allows on this machine, and what each key's per-row check costs.

    .venv/bin/python scripts/bench_import.py                      # 100k rows, fresh SQLite in /tmp
    .venv/bin/python scripts/bench_import.py --rows 20000
    .venv/bin/python scripts/bench_import.py --postgres           # a throw-away PostgreSQL server
    .venv/bin/python scripts/bench_import.py --database-url postgresql://user@host/db   # migrated db
    .venv/bin/python scripts/bench_import.py --profile            # cProfile of preview and import
                                  # (the calling thread's: csv_copy's rows thread does not show)
    .venv/bin/python scripts/bench_import.py --reimport           # then a file of the same clients
    .venv/bin/python scripts/bench_import.py --again              # then the first file once more
                                  # (every rating stored already: all of them checked, none written)

Not a timed test: machines differ. It prints each phase so a regression shows where it is.
"""

import argparse
import random
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_cpu import cpu_seconds

HEADER = "external_id,name,email,phone,score,comment,order_ref,occurred_at\n"
COMMENTS = [
    "",
    "",
    "Ótimo atendimento",
    "Llegó tarde",
    "Курьер опоздал",
    "Great, thanks",
    "Cold food",
]


def generate(rows: int, clients: int, seed: int = 7) -> bytes:
    """Ratings from the last year, a few from today (those open complaints), many clients repeating."""
    rng = random.Random(seed)  # noqa: S311  (made-up test data, not secrets)
    now = datetime.now(UTC)
    lines = [HEADER]
    for n in range(rows):
        client = rng.randrange(clients)
        age = (
            timedelta(hours=rng.uniform(0.1, 6))
            if n % 1000 == 0
            else timedelta(days=rng.uniform(1, 365))
        )
        score = rng.choices((1, 2, 3, 4, 5), weights=(5, 5, 10, 30, 50))[0]
        comment = rng.choice(COMMENTS).replace(",", " ")
        email = f"client{client}@example.com" if client % 3 else ""
        lines.append(
            f"crm-{client},Client {client},{email},,{score},{comment},ORD-{n},"
            f"{(now - age).isoformat(timespec='seconds')}\n"
        )
    return "".join(lines).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=30_000)
    parser.add_argument(
        "--database-url", help="an existing database (default: a fresh SQLite file)"
    )
    parser.add_argument(
        "--postgres", action="store_true", help="a throw-away PostgreSQL server (like the tests')"
    )
    parser.add_argument(
        "--again",
        action="store_true",
        help="then upload the first file again (every rating stored: the check, nothing written)",
    )
    parser.add_argument("--profile", action="store_true", help="print the top cProfile entries")
    parser.add_argument(
        "--reimport",
        action="store_true",
        help="then import another file about the same clients (about a third renamed)",
    )
    args = parser.parse_args()
    server = None
    if args.postgres:
        from tests.support.postgres import ThrowAwayPostgres, find_pg_ctl, free_port

        server = ThrowAwayPostgres(find_pg_ctl(), free_port()).start()
    workdir = Path(tempfile.mkdtemp(prefix="huddle-bench-"))
    try:
        run(args, server, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if server is not None:
            server.stop()


def profiled(enabled: bool, call, *args, **kwargs):
    """``call(*args, **kwargs)``, under cProfile when ``enabled`` (the top entries printed)."""
    if not enabled:
        return call(*args, **kwargs)
    import cProfile
    import pstats

    profile = cProfile.Profile()
    result = profile.runcall(call, *args, **kwargs)
    pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
    pstats.Stats(profile).sort_stats("tottime").print_stats(15)
    return result


def server_cpu(server) -> float:
    """CPU seconds the throw-away PostgreSQL server's processes have used so far (0 without one):
    on a busy machine, the work itself, apart from the waiting for a core."""
    if server is None:
        return 0.0
    postmaster = int((server.datadir / "postmaster.pid").read_text().split()[0])
    return cpu_seconds(postmaster, with_parent=True)


def run(args, server, workdir: Path) -> None:

    from flask_migrate import upgrade

    from complaints.intake import csv_import
    from core.extensions import db
    from dashboard import create_app

    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    if server is not None:
        url = server.create_database("bench_import")
    app = create_app(
        {
            "ENV_NAME": "development",
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": url,
            "IMPORT_DIR": str(workdir / "imports"),
        }
    )
    with app.app_context():
        if not args.database_url:
            upgrade()
        started = time.perf_counter()
        data = generate(args.rows, args.clients)
        print(
            f"generated {args.rows:,} rows ({len(data) / 1e6:.1f} MB) in {time.perf_counter() - started:.2f}s"
        )

        # A running server has compiled its statements and configured its mappers long before:
        # import a small file first, so the timings below do not include that one-off cost.
        warm = generate(200, 50).replace(b"crm-", b"warm-").replace(b"ORD-", b"WARM-")
        csv_import.run_import(csv_import.stage_upload(warm, "warm.csv", user_id=None), None)

        started = end_to_end = time.perf_counter()
        cpu, server_before = time.process_time(), server_cpu(server)
        job = profiled(args.profile, csv_import.stage_upload, data, "bench.csv", user_id=None)
        preview = csv_import.read_status(job)["preview"]
        print(
            f"preview (check every line, nothing written): {time.perf_counter() - started:.2f}s "
            f"(CPU: {time.process_time() - cpu:.2f}s here"
            f"{f', {server_cpu(server) - server_before:.2f}s server' if server else ''}), "
            f"{preview['error_count']} errors, {preview['recent_low_ratings']} recent low ratings"
        )

        started = time.perf_counter()
        cpu, server_before = time.process_time(), server_cpu(server)
        phases = []
        original = csv_import._write_status

        def timed_status(job_id, **changes):
            phases.append(
                (time.perf_counter() - started, changes.get("phase"), changes.get("done"))
            )
            return original(job_id, **changes)

        csv_import._write_status = timed_status
        status = profiled(args.profile, csv_import.run_import, job, None)
        total = time.perf_counter() - started
        cpu = time.process_time() - cpu
        server_used = server_cpu(server) - server_before
        both = time.perf_counter() - end_to_end
        for at, phase, done in phases:
            if phase in ("checking", "clients", "saving") or (done and done % 25_000 == 0):
                print(f"  {at:6.2f}s {phase or status['state']} {done or ''}")
        print(
            f"import ({status['state']}): {total:.2f}s for {args.rows:,} rows "
            f"→ {args.rows / total:,.0f} rows/s (CPU: {cpu:.2f}s here"
            f"{f', {server_used:.2f}s server' if server else ''}); "
            f"result {status.get('result')}"
        )
        print(f"upload to done (preview + import): {both:.2f}s → {args.rows / both:,.0f} rows/s")
        if args.reimport:
            reimport(args, server)
        if args.again:
            again(data, server)
        print(
            "floor (bare driver appending the same ratings, same indexes): "
            f"{floor(args.rows, ()):,.0f} rows/s; with the client_id foreign key: "
            f"{floor(args.rows, ('client_id',)):,.0f} rows/s; with both foreign keys: "
            f"{floor(args.rows, ('client_id', 'complaint_id')):,.0f} rows/s"
        )
        db.engine.dispose()


def reimport(args, server) -> None:
    """Time the import of a second file about the same clients: nearly all are known, those
    whose number starts with 1 (about a third) get a new name (updated and audited), the rest
    are unchanged."""
    from complaints.intake import csv_import
    from core.extensions import db

    data = generate(args.rows, args.clients, seed=8)
    data = data.replace(b"ORD-", b"AGAIN-").replace(b",Client 1", b",Client One 1")
    started = time.perf_counter()
    job = csv_import.stage_upload(data, "again.csv", user_id=None)
    db.session.rollback()
    print(f"re-import's preview: {time.perf_counter() - started:.2f}s")
    started = time.perf_counter()
    cpu, server_before = time.process_time(), server_cpu(server)
    status = profiled(args.profile, csv_import.run_import, job, None)
    total = time.perf_counter() - started
    print(
        f"re-import ({status['state']}): {total:.2f}s for {args.rows:,} rows "
        f"→ {args.rows / total:,.0f} rows/s (CPU: {time.process_time() - cpu:.2f}s here"
        f"{f', {server_cpu(server) - server_before:.2f}s server' if server else ''}); "
        f"result {status.get('result')}"
    )


def again(data: bytes, server) -> None:
    """Time the preview of the first file uploaded again: every line's client is known and every
    rating is stored, so each is checked (``csv_stored``) and none is offered for import."""
    from complaints.intake import csv_import
    from core.extensions import db

    started = time.perf_counter()
    cpu, server_before = time.process_time(), server_cpu(server)
    job = csv_import.stage_upload(data, "same.csv", user_id=None)
    db.session.rollback()  # the preview's read ends with its request (here: no request)
    preview = csv_import.read_status(job)["preview"]
    print(
        f"same file again, preview: {time.perf_counter() - started:.2f}s (CPU: "
        f"{time.process_time() - cpu:.2f}s here"
        f"{f', {server_cpu(server) - server_before:.2f}s server' if server else ''}); "
        f"{preview['stored']:,} of {preview['valid_rows']:,} stored already"
    )


def floor(rows: int, foreign_keys: tuple[str, ...]) -> float:
    """Rows/s of the bare driver appending ``rows`` ratings, in the file's order, to a scratch table
    like ``ratings`` (its indexes; of its foreign keys, those named), in one transaction. SQLite
    gets the page cache the import gets (``csv_bulk.CACHE_KIB``). The steps from none to
    ``client_id``'s to both say what each key's per-row check costs (``complaint_id``'s fires on
    every row, though nearly all of them hold NULL)."""
    from complaints.intake.csv_bulk import CACHE_KIB
    from core.extensions import db

    connection = db.engine.raw_connection()
    postgresql = db.engine.dialect.name == "postgresql"
    cursor = connection.cursor()
    cursor.execute("DROP TABLE IF EXISTS ratings_floor")
    if postgresql:
        cursor.execute("CREATE TABLE ratings_floor (LIKE ratings INCLUDING ALL)")
        for column in foreign_keys:
            cursor.execute(
                f"ALTER TABLE ratings_floor ADD FOREIGN KEY ({column}) "
                f"REFERENCES {column.removesuffix('_id')}s (id)"
            )
    else:
        references = tuple(
            f"REFERENCES {column.removesuffix('_id')}s (id)" if column in foreign_keys else ""
            for column in ("client_id", "complaint_id")
        )
        cursor.execute(
            f"CREATE TABLE ratings_floor (id INTEGER PRIMARY KEY, client_id INTEGER NOT NULL "
            f"{references[0]}, score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5), "
            "comment TEXT, channel VARCHAR(20) NOT NULL, order_ref VARCHAR(120), "
            "occurred_at DATETIME NOT NULL, received_at DATETIME NOT NULL, "
            f"complaint_id INTEGER {references[1]})"
        )
        cursor.execute("CREATE INDEX ix_floor_1 ON ratings_floor (received_at, score)")
        cursor.execute("CREATE INDEX ix_floor_2 ON ratings_floor (client_id, received_at, score)")
        cursor.execute("CREATE INDEX ix_floor_4 ON ratings_floor (occurred_at, client_id)")
        cursor.execute(
            "CREATE INDEX ix_floor_3 ON ratings_floor (complaint_id) WHERE complaint_id IS NOT NULL"
        )
        cursor.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    cursor.execute("SELECT client_id, score, comment, channel, order_ref, occurred_at FROM ratings")
    values = [(*row, row[5], None) for row in cursor.fetchall() if row[4].startswith("ORD-")]
    values.sort(key=lambda value: int(value[4][4:]))  # the file's order
    values = values[:rows]
    connection.commit()
    started = time.perf_counter()
    columns = (
        "client_id, score, comment, channel, order_ref, occurred_at, received_at, complaint_id"
    )
    if postgresql:
        with cursor.copy(f"COPY ratings_floor ({columns}) FROM STDIN") as copy:
            for value in values:
                copy.write_row(value)
    else:
        cursor.execute("BEGIN")
        cursor.executemany(
            f"INSERT INTO ratings_floor ({columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", values
        )
    connection.commit()
    took = time.perf_counter() - started
    cursor.execute("DROP TABLE ratings_floor")
    connection.commit()
    connection.close()
    return len(values) / took


if __name__ == "__main__":
    main()
