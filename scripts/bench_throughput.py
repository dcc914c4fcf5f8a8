"""Throughput of a page under gunicorn against a bare Flask app replaying the page's very SQL.

Used by ``bench.py --throughput`` (run as a script, so this folder is on the path). For a page it
has measured in-process, ``bench.py`` hands over the statements one request ran, with the parameters
the driver got. Then, for the real app and for the bare one in turn, gunicorn starts with 2 sync
workers and ``--clients`` threads of this process send GETs (``http.client``, one connection
each, opened again after every response: gunicorn's sync workers close it, for both apps alike)
for ``--seconds``; what is printed is requests/s, errors (a status other than 200, or a dropped
connection) and the app's share of the bare app's requests/s.

The bare app (``bare_app()``, the gunicorn target) is what the page costs at the least through the
same database: per request it replays the statements raw through the driver on one connection per
worker (SQLite with the app's pragmas; psycopg), fetches every row, ends the read transaction, and
answers a body of the same shape built from the largest result: JSON objects for the API, an HTML
table row per row for a page.

The stack floor (``stack_app()``) is the same replay through the parts every Huddle request stands
on and nothing of Huddle's own: a Flask-SQLAlchemy session on an engine tuned as the app's
(``core.database``'s listeners: the pragmas, the deferred ``BEGIN``), the statements run on its
connection, and for a page Flask-Login loading the logged-in user through the ORM from the
session cookie; the body is the bare app's (no template). What it costs over the bare app is the
stack's, which no page of the app can go below; what the app costs over it is Huddle's own work.

Each server's CPU time per request is printed too: what its gunicorn workers used (user and system,
read from ``/proc``, so Linux only) over the requests they answered. The load's clients run on the
same cores and cost every server alike, so they pull the rates' ratio towards 1; the ratio of the
CPU per request is the one the page would show if its clients cost nothing.
"""

import html
import http.client
import json
import os
import pickle
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench_cpu import cpu_seconds

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = Path(__file__).resolve().parent
TRANSACTION_CONTROL = {"BEGIN", "BEGIN IMMEDIATE", "COMMIT", "ROLLBACK"}
READS = ("SELECT", "WITH")  # what the statements of a page that only reads begin with
SQLITE_PRAGMAS = (  # as core.database._tune_sqlite sets them
    "PRAGMA journal_mode=WAL",
    "PRAGMA busy_timeout=10000",
    "PRAGMA foreign_keys=ON",
    "PRAGMA synchronous=NORMAL",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- the bare app (runs inside gunicorn's workers) -------------------------------------------


def _connect(url: str):
    if url.startswith("sqlite"):
        import sqlite3

        connection = sqlite3.connect(url.split("///", 1)[1], isolation_level=None)
        for pragma in SQLITE_PRAGMAS:
            connection.execute(pragma)
        return connection, "sqlite"
    import psycopg

    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")), "postgresql"


def _body(kind: str, columns: list[str], rows: list) -> tuple[bytes, str]:
    if kind == "json":
        items = [dict(zip(columns, row, strict=True)) for row in rows]
        return json.dumps({"items": items}, default=str).encode(), "application/json"
    cells = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(value))}</td>" for value in row) + "</tr>\n"
        for row in rows
    )
    page = f"<!doctype html><html><body><table>\n{cells}</table></body></html>"
    return page.encode(), "text/html; charset=utf-8"


def _plan() -> dict:
    """What the bare app and the stack floor replay: ``BENCH_BARE_PLAN`` names a pickle of
    {path: (kind, calls)}."""
    with open(os.environ["BENCH_BARE_PLAN"], "rb") as plan_file:
        return pickle.load(plan_file)  # noqa: S301  (written by bench.py a moment ago)


def bare_app():
    """The gunicorn target of the bare app (``_plan``, ``BENCH_BARE_URL``)."""
    from flask import Flask, Response, request

    plan = _plan()
    url = os.environ["BENCH_BARE_URL"]
    app = Flask("bare")
    state: dict = {}

    @app.get("/", defaults={"path": ""})
    @app.get("/<path:path>")
    def replay(path):
        if "connection" not in state:  # one per worker, opened after the fork
            state["connection"], state["dialect"] = _connect(url)
        connection = state["connection"]
        kind, calls = plan[request.full_path.rstrip("?")]
        cursor = connection.cursor()
        if state["dialect"] == "sqlite":
            cursor.execute("BEGIN")
        largest: tuple[list, list] = ([], [])
        for statement, parameters in calls:
            cursor.execute(statement, parameters)
            if cursor.description is not None:
                rows = cursor.fetchall()
                if len(rows) >= len(largest[1]):
                    largest = ([d[0] for d in cursor.description], rows)
        cursor.close()
        connection.rollback() if state["dialect"] == "postgresql" else connection.execute(
            "ROLLBACK"
        )
        body, mimetype = _body(kind, *largest)
        return Response(body, mimetype=mimetype)

    return app


def stack_app():
    """The gunicorn target of the stack floor: ``BENCH_BARE_PLAN`` as for ``bare_app``, with
    ``BENCH_SECRET_KEY`` the app's key, so that the app's session cookie logs the user in here
    (its user maps three of the row's columns: a lighter object than the app's, so the floor errs
    on the fast side)."""
    from flask import Flask, Response, request
    from flask_login import LoginManager, current_user
    from flask_sqlalchemy import SQLAlchemy
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

    import core.database  # noqa: F401  (its engine listeners tune SQLite as the app's engine)

    class Base(DeclarativeBase):
        pass

    class User(Base):  # the columns loading a user reads; the app's ``User`` maps the whole row
        __tablename__ = "users"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str]
        session_version: Mapped[int]
        is_active, is_authenticated, is_anonymous = True, True, False

        def get_id(self) -> str:
            return f"{self.id}.{self.session_version}"

    plan = _plan()
    app = Flask("stack")
    app.config.update(
        SECRET_KEY=os.environ["BENCH_SECRET_KEY"],
        SQLALCHEMY_DATABASE_URI=os.environ["BENCH_BARE_URL"],
    )
    db = SQLAlchemy(app, model_class=Base)
    logins = LoginManager(app)
    logins.session_protection = "strong"  # as the app's

    @logins.user_loader
    def load_user(user_id: str):
        user_part, _, version = user_id.partition(".")
        user = db.session.get(User, int(user_part))
        return user if user is not None and user.session_version == int(version) else None

    @app.get("/", defaults={"path": ""})
    @app.get("/<path:path>")
    def replay(path):
        kind, calls = plan[request.full_path.rstrip("?")]
        if kind == "html" and not current_user.is_authenticated:
            return Response("not logged in", status=401)
        connection = db.session.connection()
        largest: tuple[list, list] = ([], [])
        for statement, parameters in calls:
            result = connection.exec_driver_sql(statement, parameters)
            if result.returns_rows:
                rows = result.all()
                if len(rows) >= len(largest[1]):
                    largest = (list(result.keys()), rows)
        body, mimetype = _body(kind, *largest)
        return Response(body, mimetype=mimetype)

    return app


# --- gunicorn and the load ---------------------------------------------------------------------


class Server:
    """gunicorn -w 2 serving ``target`` on a free port, stopped on exit."""

    def __init__(self, target: str, env: dict, cwd: Path, log: Path):
        self.port = free_port()
        command = [sys.executable, "-m", "gunicorn", "--workers", "2", "--worker-class", "sync"]
        command += ["--bind", f"127.0.0.1:{self.port}", "--log-level", "warning", target]
        self.log = open(log, "a")  # noqa: SIM115  (closed on exit)
        self.process = subprocess.Popen(
            command, cwd=cwd, env={**os.environ, **env}, stdout=self.log, stderr=self.log
        )

    def __enter__(self):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                if self.process.poll() is not None:
                    raise SystemExit(f"gunicorn stopped, see {self.log.name}") from None
                time.sleep(0.2)
        raise SystemExit("gunicorn did not answer")

    def cpu_seconds(self) -> float:
        """The CPU time (user and system) the master's worker processes have used so far."""
        return cpu_seconds(self.process.pid)

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def load(
    port: int, path: str, headers: dict, clients: int, seconds: float
) -> tuple[float, int, int]:
    """Requests/s, errors and requests of ``clients`` connections for ``seconds`` (re-opened after
    each response: gunicorn's sync workers close them)."""
    counts = [[0, 0] for _ in range(clients)]  # per client: ok, errors
    stop = threading.Event()
    go = threading.Barrier(clients + 1)

    def client(n: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        go.wait()
        while not stop.is_set():
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            counts[n][0 if ok else 1] += 1
        connection.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    go.wait()
    started = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    elapsed = time.perf_counter() - started
    for thread in threads:
        thread.join()
    answered = sum(ok for ok, _ in counts)
    errors = sum(errors for _, errors in counts)
    return answered / elapsed, errors, answered + errors


def compare(url: str, pages: dict, app_env: dict, options, rounds: int = 5) -> dict[str, float]:
    """Print and return, per label, the app's req/s over the bare app's; print the stack floor's.

    ``pages`` maps a label to (path, kind, calls, headers); ``app_env`` configures the real app
    (database, secret key) so that the cookie or token in ``headers``, made in-process, is valid.
    The three servers run at once and take turns in ``rounds`` short loads, so that a change in
    what else the machine does falls on all of them alike.
    """
    folder = Path(tempfile.mkdtemp(prefix="huddle-throughput-"))
    plan = {
        path: (kind, [(s, p) for s, p in calls if s.strip().upper() not in TRANSACTION_CONTROL])
        for path, kind, calls, _headers in pages.values()
    }
    for label, (path, _kind, _calls, _headers) in pages.items():
        written = [s for s, _ in plan[path][1] if not s.lstrip().upper().startswith(READS)]
        if written:  # replayed under load by the bare app, a write only measures its lock
            print(
                f"  {label}: its recorded request wrote ({written[0].split()[0]}, ...): "
                "the bare app's and the stack floor's figures replay that write",
                flush=True,
            )
    with open(folder / "plan.pickle", "wb") as plan_file:
        pickle.dump(plan, plan_file)
    bare_env = {"BENCH_BARE_PLAN": str(folder / "plan.pickle"), "BENCH_BARE_URL": url}
    stack_env = {
        **bare_env,
        "BENCH_SECRET_KEY": app_env["HUDDLE_SECRET_KEY"],
        "PYTHONPATH": str(ROOT),
    }
    log = folder / "gunicorn.log"
    app_env = {**app_env, "PYTHONPATH": str(ROOT)}
    ratios = {}
    with (
        Server("dashboard:create_app()", app_env, ROOT, log) as app,
        Server("bench_throughput:bare_app()", bare_env, SCRIPTS, log) as bare,
        Server("bench_throughput:stack_app()", stack_env, SCRIPTS, log) as stack,
    ):
        servers = {"app": app, "bare": bare, "stack": stack}
        for label, (path, _kind, _calls, headers) in pages.items():
            served = {name: [0.0, 0] for name in servers}  # requests/s, errors
            used = {name: [0.0, 0] for name in servers}  # workers' CPU seconds, requests
            for server in servers.values():
                load(server.port, path, headers, options.clients, 1.0)  # warm up
            for _ in range(rounds):
                for name, server in servers.items():
                    before = server.cpu_seconds()
                    rate, errors, requests = load(
                        server.port, path, headers, options.clients, options.seconds / rounds
                    )
                    used[name][0] += server.cpu_seconds() - before
                    used[name][1] += requests
                    served[name][0] += rate / rounds
                    served[name][1] += errors
            (app_rate, app_errors), (bare_rate, bare_errors), (stack_rate, stack_errors) = (
                served.values()
            )
            app_cpu, bare_cpu, stack_cpu = (
                seconds / max(requests, 1) * 1e6 for seconds, requests in used.values()
            )
            ratios[label] = app_rate / max(bare_rate, 1e-6)
            print(
                f"  {label:<26} app {app_rate:7.1f} req/s ({app_errors} errors)  "
                f"bare {bare_rate:7.1f} req/s ({bare_errors} errors)  x{ratios[label]:.2f}\n"
                f"  {'':<26} stack floor {stack_rate:7.1f} req/s ({stack_errors} errors): "
                f"x{stack_rate / max(bare_rate, 1e-6):.2f} of the bare app, "
                f"the app x{app_rate / max(stack_rate, 1e-6):.2f} of it\n"
                f"  {'':<26} CPU per request: app {app_cpu:5.0f} us, bare {bare_cpu:5.0f} us, "
                f"stack floor {stack_cpu:5.0f} us: bare/app x{bare_cpu / max(app_cpu, 1e-6):.2f}, "
                f"stack floor/app x{stack_cpu / max(app_cpu, 1e-6):.2f}",
                flush=True,
            )
    return ratios
