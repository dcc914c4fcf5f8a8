"""Load benchmark: Huddle as deployed (gunicorn -w 4 plus ``huddle scheduler``) under 16 clients.

Prints numbers, it is not a test. On a fresh database (an SQLite file by default; ``--database-url``
for an existing PostgreSQL database, or ``--postgres`` for a throw-away server started from this
machine's ``pg_ctl``) it seeds the demo teams and an API token, then for ``--seconds`` drives
``--clients`` concurrent clients doing API writes (POST /api/v1/ratings), logins, page reads (/ and
/complaints/) and stand-up check-ins. It prints requests/s, p50/p95 latency, errors per kind, and
checks that every rating the API acknowledged (201) is in the database.

    .venv/bin/python scripts/bench_load.py --seconds 30
    .venv/bin/python scripts/bench_load.py --seconds 30 --postgres
    .venv/bin/python scripts/bench_load.py --code-dir /tmp/huddle-main   # another checkout's code
"""

import argparse
import http.client
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "huddle-demo"  # the demo people's password (core.demo.DEMO_PASSWORD)
PEOPLE = [  # (e-mail, team slug, team timezone): demo people who check in
    ("agent@huddle.example", "sao-paulo", "America/Sao_Paulo"),
    ("agent2@huddle.example", "sao-paulo", "America/Sao_Paulo"),
    ("agent.msk@huddle.example", "moscow", "Europe/Moscow"),
    ("agent2.msk@huddle.example", "moscow", "Europe/Moscow"),
    ("manager@huddle.example", "sao-paulo", "America/Sao_Paulo"),
    ("manager.msk@huddle.example", "moscow", "Europe/Moscow"),
]
# What a client does next, with weights.
ACTIONS = [("rating", 40), ("home", 15), ("complaints", 15), ("check-in", 15), ("login", 10)]
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|"X-CSRFToken": "([^"]+)"')
RANDOM = random.Random()  # noqa: S311  (made-up traffic, not secrets)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def huddle(env: dict, code_dir: Path, *args: str, capture: bool = True) -> str:
    command = [sys.executable, "-c", "from dashboard.console import main; main()", *args]
    done = subprocess.run(
        command, cwd=code_dir, env=env, capture_output=capture, text=True, check=True
    )
    return done.stdout


class Client:
    """One browser-like client: its own cookies and CSRF token, one connection per request."""

    def __init__(self, port: int, token: str, email: str, slug: str, zone: str, record):
        self.port, self.token, self.email, self.slug = port, token, email, slug
        self.zone = ZoneInfo(zone)
        self.record = record
        self.cookies: dict[str, str] = {}
        self.csrf = None
        self.ratings: list[int] = []

    def request(self, kind: str, method: str, path: str, body=None, headers=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.monotonic()
        try:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            connection.close()
        except Exception as error:
            self.record(kind, type(error).__name__, time.monotonic() - started)
            return None, b""
        self.record(kind, response.status, time.monotonic() - started)
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, data

    def remember_csrf(self, data: bytes) -> None:
        match = CSRF.search(data.decode("utf-8", "replace"))
        if match:
            self.csrf = match.group(1) or match.group(2)

    def login(self) -> None:
        self.cookies = {}
        _status, page = self.request("login-page", "GET", "/auth/login")
        self.remember_csrf(page)
        form = f"csrf_token={self.csrf}&email={self.email}&password={PASSWORD}"
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        self.request("login", "POST", "/auth/login", form.encode(), headers)

    def page(self, kind: str, path: str) -> None:
        status, data = self.request(kind, "GET", path)
        if status == 200:
            self.remember_csrf(data)

    def rate(self) -> None:
        n = RANDOM.randint(1, 400)
        body = {
            "client": {"external_id": f"bench-{n}", "name": f"Bench client {n}"},
            "score": RANDOM.randint(1, 5),
            "comment": "load benchmark",
        }
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        status, data = self.request("rating", "POST", "/api/v1/ratings", json.dumps(body), headers)
        if status == 201:
            self.ratings.append(json.loads(data)["id"])

    def check_in(self) -> None:
        today = datetime.now(self.zone).date().isoformat()
        form = f"csrf_token={self.csrf}&today=Load+testing&mood=4"
        headers = {"Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true"}
        self.request(
            "check-in", "POST", f"/standup/{self.slug}/{today}/check-in", form.encode(), headers
        )

    def run(self, until: float) -> None:
        self.login()
        self.page("home", "/")
        kinds, weights = zip(*ACTIONS, strict=True)
        while time.monotonic() < until:
            kind = RANDOM.choices(kinds, weights)[0]
            if kind == "rating":
                self.rate()
            elif kind == "home":
                self.page("home", "/")
            elif kind == "complaints":
                self.page("complaints", "/complaints/")
            elif kind == "check-in":
                self.check_in()
            else:
                self.login()
                self.page("home", "/")


def wait_for(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/auth/login")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer")


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--database-url", help="an empty database (default: a new SQLite file)")
    parser.add_argument("--postgres", action="store_true", help="a throw-away PostgreSQL server")
    parser.add_argument("--code-dir", type=Path, default=ROOT, help="the Huddle checkout to run")
    parser.add_argument("--no-scheduler", action="store_true")
    options = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="huddle-bench-"))
    server = None
    url = options.database_url
    if options.postgres:
        sys.path.insert(0, str(ROOT))
        from tests.support.postgres import ThrowAwayPostgres, find_pg_ctl

        server = ThrowAwayPostgres(find_pg_ctl(), free_port()).start()
        url = server.create_database("huddle_bench")
    url = url or f"sqlite:///{workdir / 'bench.db'}"
    code_dir = options.code_dir.resolve()
    env = {
        **os.environ,
        "PYTHONPATH": str(code_dir),
        "HUDDLE_DATABASE_URL": url,
        "HUDDLE_SECRET_KEY": "bench-" + "x" * 60,
        "HUDDLE_ENV": "production",
        "HUDDLE_BASE_URL": "http://127.0.0.1",  # production requires it; no link is followed
    }
    processes = []
    try:
        huddle(env, code_dir, "db", "upgrade")
        huddle({**env, "HUDDLE_ENV": "development"}, code_dir, "demo")  # demo data: development
        token = huddle(env, code_dir, "tokens", "create", "bench").strip().splitlines()[-1]
        port = free_port()
        gunicorn = [sys.executable, "-m", "gunicorn", "--workers", str(options.workers)]
        gunicorn += ["--bind", f"127.0.0.1:{port}", "--log-level", "warning"]
        log = open(workdir / "server.log", "w")  # noqa: SIM115  (closed with the processes)
        processes.append(
            subprocess.Popen(
                [*gunicorn, "dashboard:create_app()"], cwd=code_dir, env=env, stderr=log
            )
        )
        if not options.no_scheduler:
            scheduler = [sys.executable, "-c", "from dashboard.console import main; main()"]
            processes.append(
                subprocess.Popen(
                    [*scheduler, "scheduler"], cwd=code_dir, env=env, stdout=log, stderr=log
                )
            )
        wait_for(port)

        results: list[tuple[str, object, float]] = []
        lock = threading.Lock()

        def record(kind, status, seconds):
            with lock:
                results.append((kind, status, seconds))

        clients = [
            Client(port, token, *PEOPLE[n % len(PEOPLE)], record) for n in range(options.clients)
        ]
        started = time.monotonic()
        until = started + options.seconds
        threads = [threading.Thread(target=client.run, args=(until,)) for client in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        time.sleep(1)
        show(results, elapsed, options, url)
        verify(url, [rating for client in clients for rating in client.ratings])
        log.flush()
        locked = (workdir / "server.log").read_text(errors="replace").count("database is locked")
        print(f"'database is locked' in the server and scheduler logs: {locked}")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
        if server is not None:
            server.stop()


def show(results, elapsed: float, options, url: str) -> None:
    by_kind = defaultdict(list)
    errors = Counter()
    for kind, status, seconds in results:
        by_kind[kind].append(seconds)
        if not (isinstance(status, int) and status < 400) and not (
            kind == "check-in" and status == 422  # a rule said no (not a workday...): not a fault
        ):
            errors[(kind, status)] += 1
    backend = url.split(":", 1)[0]
    print(f"{backend}, {options.clients} clients, gunicorn -w {options.workers}, {elapsed:.0f} s")
    total = len(results)
    all_seconds = [seconds for _kind, _status, seconds in results]
    print(
        f"  {total} requests, {total / elapsed:.1f} req/s, "
        f"p50 {percentile(all_seconds, 0.5) * 1000:.0f} ms, "
        f"p95 {percentile(all_seconds, 0.95) * 1000:.0f} ms, "
        f"errors {sum(errors.values())} ({sum(errors.values()) / max(total, 1):.1%})"
    )
    for kind, seconds in sorted(by_kind.items()):
        kind_errors = {status: n for (k, status), n in errors.items() if k == kind}
        statuses = Counter(status for k, status, _s in results if k == kind)
        print(
            f"  {kind:<11} {len(seconds):>6} req  p95 {percentile(seconds, 0.95) * 1000:>6.0f} ms"
            f"  errors {kind_errors or 0}  statuses {dict(statuses)}"
        )


def verify(url: str, acknowledged: list[int]) -> None:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        stored = set()
        for start in range(0, len(acknowledged), 500):
            chunk = acknowledged[start : start + 500]
            query = sa.text("SELECT id FROM ratings WHERE id IN :ids").bindparams(
                sa.bindparam("ids", expanding=True)
            )
            stored.update(connection.execute(query, {"ids": chunk}).scalars())
        runs = connection.execute(
            sa.text("SELECT status, count(*) FROM job_runs GROUP BY status")
        ).all()
    engine.dispose()
    missing = len(set(acknowledged) - stored)
    print(f"  acknowledged ratings: {len(acknowledged)}, missing from the database: {missing}")
    print(f"  job runs by status: {dict(runs)}")


if __name__ == "__main__":
    main()
