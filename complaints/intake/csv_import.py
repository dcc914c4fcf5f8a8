"""Importing past ratings from a CSV file: check everything first, then write all of it or nothing.

The flow is upload → preview → import. The upload is checked line by line (``csv_parse``) and
staged as a file under ``IMPORT_DIR`` (default ``instance/imports``) with a small JSON status next
to it; the preview lists every bad line by its line number and writes nothing to the database. The import re-reads the staged file and runs in a
background thread with its own app context and session, in ONE transaction: clients are upserted in
bulk (``INSERT … ON CONFLICT``), ratings are inserted in bulk chunks, and the status file records
progress after each chunk so that the page can poll it. Any failure rolls everything back.

Which imported low ratings open complaints? Past ratings are history: a complaint is a promise of a
personal call within FOLLOW_UP_HOURS, and opening thousands of them for last year's ratings would
bury today's. So only low ratings that occurred within the last ``IMPORT_COMPLAINT_WINDOW_HOURS``
(default: FOLLOW_UP_HOURS) open a complaint — or join the client's open one, as any low rating
does; older ones are recorded with no complaint. Imported ratings keep ``received_at`` equal to
``occurred_at`` so the stand-up's "low ratings overnight" does not count a backfill as news, and
they send no ``rating_received`` signal (no Slack alert per historic rating).

Status files live on the local disk, so the progress of an import is visible from every worker of
one host (not across hosts). Imports on SQLite hold the write lock for their few seconds.
"""

import json
import logging
import os
import re
import secrets
import threading
import time
from collections.abc import Iterable
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite

from complaints import events
from complaints.intake import services as intake
from complaints.intake.csv_parse import ImportFileError, Parsed, Row, parse
from complaints.models import OPEN_STATUSES, Complaint, Rating
from core.database import utcnow, writing
from core.extensions import db
from core.models import Client

log = logging.getLogger(__name__)

CHUNK = 5000
ID_CHUNK = 500  # ids per IN (...) list: well under every backend's parameter limit
STALE_SECONDS = 15 * 60  # a "running" import not heard of for this long died with its process
KEEP_SECONDS = 2 * 24 * 3600  # staged files older than this are removed at the next upload
JOB_ID = re.compile(r"^[0-9a-f]{32}$")


# --- The preview -----------------------------------------------------------------------------------


def complaint_cutoff(now: datetime) -> datetime:
    hours = (
        current_app.config.get("IMPORT_COMPLAINT_WINDOW_HOURS")
        or current_app.config["FOLLOW_UP_HOURS"]
    )
    return now - timedelta(hours=hours)


def _opens_complaint(row: Row, cutoff: datetime, low_max: int) -> bool:
    return row.score <= low_max and row.occurred_at >= cutoff


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def summarize(parsed: Parsed, now: datetime | None = None) -> dict:
    """What the preview shows: counts, the bad lines, and how many clients are new to Huddle."""
    now = now or utcnow()
    cutoff = complaint_cutoff(now)
    low_max = current_app.config["LOW_RATING_MAX"]
    external_ids = sorted({row.external_id for row in parsed.rows})
    known = 0
    for chunk in _chunks(external_ids, ID_CHUNK):
        known += db.session.scalar(
            sa.select(sa.func.count()).select_from(Client).where(Client.external_id.in_(chunk))
        )
    return {
        "rows": len(parsed.rows) + parsed.lines_with_errors,
        "valid_rows": len(parsed.rows),
        "lines_with_errors": parsed.lines_with_errors,
        "error_count": parsed.error_count,
        "errors": [asdict(error) for error in parsed.errors],
        "clients": len(external_ids),
        "new_clients": len(external_ids) - known,
        "low_ratings": sum(1 for row in parsed.rows if row.score <= low_max),
        "recent_low_ratings": sum(
            1 for row in parsed.rows if _opens_complaint(row, cutoff, low_max)
        ),
    }


# --- Staging and status ----------------------------------------------------------------------------


def import_dir() -> Path:
    path = Path(current_app.config.get("IMPORT_DIR") or Path(current_app.instance_path) / "imports")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _paths(job_id: str) -> tuple[Path, Path, Path]:
    if not JOB_ID.match(job_id):
        raise KeyError(job_id)
    base = import_dir()
    return base / f"{job_id}.csv", base / f"{job_id}.json", base / f"{job_id}.lock"


def read_status(job_id: str) -> dict | None:
    """The job's status, or None for an unknown id; a silent "running" job is reported as failed."""
    try:
        _csv, status_path, _lock = _paths(job_id)
        status = json.loads(status_path.read_text())
    except (KeyError, FileNotFoundError, json.JSONDecodeError):
        return None
    if status["state"] in ("queued", "running") and time.time() - status["beat"] > STALE_SECONDS:
        status["state"] = "failed"
        status["message"] = _("The import stopped before it finished. Nothing was imported.")
    return status


def _write_status(job_id: str, **changes) -> dict:
    _csv, status_path, _lock = _paths(job_id)
    try:
        status = json.loads(status_path.read_text())
    except FileNotFoundError:
        status = {}
    status.update(changes, beat=time.time())
    temporary = status_path.with_suffix(f".{secrets.token_hex(4)}.tmp")
    temporary.write_text(json.dumps(status))
    os.replace(temporary, status_path)  # readers see the old or the new status, never half of one
    return status


def _clean_old_files() -> None:
    cutoff = time.time() - KEEP_SECONDS
    for path in import_dir().iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            pass


def stage_upload(data: bytes, filename: str, user_id: int, now: datetime | None = None) -> str:
    """Check the upload and keep it for the import; returns the job id (raises ImportFileError).

    Nothing goes into the database: the preview is built from the status file this writes.
    """
    # End the request's transaction first: on SQLite an upload (a POST) holds the write lock from
    # its first query, and the parse is slow work that must not make every other writer wait.
    db.session.commit()
    parsed = parse(data, now)
    summary = summarize(parsed, now)
    _clean_old_files()
    job_id = secrets.token_hex(16)
    csv_path, _status, _lock = _paths(job_id)
    csv_path.write_bytes(data)
    _write_status(
        job_id,
        state="previewed",
        filename=filename[:200],
        user_id=user_id,
        preview=summary,
        total=summary["valid_rows"],
        done=0,
        phase="",
        result={},
        message="",
    )
    return job_id


# --- Importing -------------------------------------------------------------------------------------


class ImportNotReady(ValueError):
    """The job cannot start: unknown, already started, or its file has errors."""


def start_import(job_id: str, user_id: int) -> None:
    """Claim the job (once, even with a double click) and run it in the background.

    With config ``IMPORT_INLINE`` the import runs in the calling request instead: tests use it to
    stay inside their rolled-back transaction.
    """
    status = read_status(job_id)
    if status is None or status["state"] != "previewed" or status["preview"]["error_count"]:
        raise ImportNotReady(job_id)
    _csv, _status, lock_path = _paths(job_id)
    try:
        os.close(os.open(lock_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        raise ImportNotReady(job_id) from None
    _write_status(job_id, state="queued", started_by=user_id)
    app = current_app._get_current_object()
    if app.config.get("IMPORT_INLINE"):
        run_import(job_id, user_id)
        return
    thread = threading.Thread(
        target=_run_in_thread, args=(app, job_id, user_id), name=f"import-{job_id}", daemon=True
    )
    thread.start()


def _run_in_thread(app, job_id: str, user_id: int) -> None:
    # Its one transaction writes, so on SQLite it takes the write lock at its start (after the
    # parse, which touches no table): nothing it read can go stale under another writer.
    with app.app_context(), writing():
        try:
            run_import(job_id, user_id)
        finally:
            db.session.remove()


def run_import(job_id: str, user_id: int | None, now: datetime | None = None) -> dict:
    """Import the staged file in one transaction; returns the final status (never raises)."""
    now = now or utcnow()
    csv_path, _status, _lock = _paths(job_id)
    started = time.monotonic()
    try:
        _write_status(job_id, state="running", phase="checking", done=0)
        parsed = parse(csv_path.read_bytes(), now)
        if parsed.error_count:
            raise ImportFileError(_("The file has errors; nothing was imported."))
        result = import_rows(
            parsed.rows,
            actor_id=user_id,
            now=now,
            progress=lambda phase, done: _write_status(job_id, phase=phase, done=done),
        )
        db.session.commit()
    except Exception as problem:  # whatever it was, nothing may stay half-written
        db.session.rollback()
        if isinstance(problem, ImportFileError):
            message = problem.message
        else:
            log.exception("rating import %s failed", job_id)
            message = _("The import failed and nothing was imported. Try again or tell an admin.")
        return _write_status(job_id, state="failed", message=message)
    result["seconds"] = round(time.monotonic() - started, 2)
    csv_path.unlink(missing_ok=True)
    return _write_status(job_id, state="done", phase="", done=len(parsed.rows), result=result)


def _client_insert():
    """``INSERT … ON CONFLICT (external_id) DO UPDATE`` for the backend in use."""
    dialect = db.session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    statement = module.insert(Client.__table__)
    table = Client.__table__
    return statement.on_conflict_do_update(
        index_elements=[table.c.external_id],
        set_={
            "name": statement.excluded.name,
            # empty details in the file never erase what Huddle knows
            "email": sa.func.coalesce(statement.excluded.email, table.c.email),
            "phone": sa.func.coalesce(statement.excluded.phone, table.c.phone),
            "locale": sa.func.coalesce(statement.excluded.locale, table.c.locale),
        },
    )


def _copy_ratings(values: list[dict]) -> None:
    """Append ratings in bulk, inside the session's transaction.

    On PostgreSQL this is ``COPY … FROM STDIN`` on the session's own connection (several times
    faster than any INSERT); elsewhere a Core executemany (the ORM's bulk insert would split the
    batch wherever a value is None).
    """
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        db.session.execute(sa.insert(Rating.__table__), values)
        return
    columns = list(values[0])
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        with cursor.copy(f"COPY ratings ({', '.join(columns)}) FROM STDIN") as copy:
            for value in values:
                copy.write_row([value[column] for column in columns])
    finally:
        cursor.close()


def _upsert_clients(rows: list[Row], now: datetime) -> dict[str, int]:
    """Every client in the file, created or updated in bulk; returns external_id → id."""
    latest: dict[str, dict] = {}
    for row in rows:  # the last line about a client wins, but an empty e-mail keeps an earlier one
        known = latest.get(row.external_id)
        latest[row.external_id] = {
            "external_id": row.external_id,
            "name": row.name,
            "email": row.email or (known["email"] if known else None),
            "phone": row.phone or (known["phone"] if known else None),
            "locale": row.locale or (known["locale"] if known else None),
            "created_at": now,
        }
    values = list(latest.values())
    statement = _client_insert()
    for chunk in _chunks(values, CHUNK):
        db.session.execute(statement, chunk)
    ids: dict[str, int] = {}
    for chunk in _chunks(list(latest), ID_CHUNK):
        query = sa.select(Client.external_id, Client.id).where(Client.external_id.in_(chunk))
        ids.update(db.session.execute(query).all())
    return ids


def _complaints_for(rows: list[Row], client_ids: dict[str, int], actor_id, now) -> tuple:
    """Open (or join) one complaint per client with a recent low rating; returns (map, opened)."""
    by_client: dict[int, Row] = {}
    for row in rows:  # the most recent low rating speaks for the client
        client_id = client_ids[row.external_id]
        if client_id not in by_client or row.occurred_at >= by_client[client_id].occurred_at:
            by_client[client_id] = row
    complaint_of: dict[int, int] = {}
    for chunk in _chunks(list(by_client), ID_CHUNK):
        open_ones = db.session.execute(
            sa.select(Complaint.client_id, Complaint.id)
            .where(Complaint.client_id.in_(chunk), Complaint.status.in_(OPEN_STATUSES))
            .order_by(Complaint.opened_at, Complaint.id)
        ).all()
        complaint_of.update(open_ones)  # ordered oldest first: the newest open one wins
    clients = {}
    missing = [client_id for client_id in by_client if client_id not in complaint_of]
    for chunk in _chunks(missing, ID_CHUNK):
        query = sa.select(Client).where(Client.id.in_(chunk))
        clients.update((client.id, client) for client in db.session.scalars(query))
    opened = 0
    for client_id, row in by_client.items():
        if client_id in complaint_of:
            events.record(actor_id, complaint_of[client_id], "rating_added", now, score=row.score)
            continue
        complaint = intake.open_complaint(
            clients[client_id],
            **intake.rating_summary(row.score, row.comment),
            details=row.comment,
            channel="import",
            actor_id=actor_id,
            now=now,
        )
        complaint_of[client_id] = complaint.id
        opened += 1
    return complaint_of, opened


def import_rows(rows: list[Row], *, actor_id: int | None, now: datetime, progress=None) -> dict:
    """Write checked rows in bulk inside the caller's transaction (the caller commits)."""
    progress = progress or (lambda phase, done: None)
    progress("clients", 0)
    clients_before = db.session.scalar(sa.select(sa.func.count()).select_from(Client))
    client_ids = _upsert_clients(rows, now)
    clients_after = db.session.scalar(sa.select(sa.func.count()).select_from(Client))
    cutoff = complaint_cutoff(now)
    low_max = current_app.config["LOW_RATING_MAX"]
    recent_low = [row for row in rows if _opens_complaint(row, cutoff, low_max)]
    complaint_of, opened = _complaints_for(recent_low, client_ids, actor_id, now)
    done = 0
    for chunk in _chunks(rows, CHUNK):
        values = []
        for row in chunk:
            client_id = client_ids[row.external_id]
            values.append(
                {
                    "client_id": client_id,
                    "score": row.score,
                    "comment": row.comment,
                    "channel": "import",
                    "order_ref": row.order_ref,
                    "occurred_at": row.occurred_at,
                    "received_at": row.occurred_at,
                    "complaint_id": complaint_of.get(client_id)
                    if _opens_complaint(row, cutoff, low_max)
                    else None,
                }
            )
        _copy_ratings(values)
        done += len(chunk)
        progress("ratings", done)
    progress("saving", done)
    return {
        "ratings": len(rows),
        "clients_created": clients_after - clients_before,
        "clients_updated": len(client_ids) - (clients_after - clients_before),
        "complaints_opened": opened,
        "complaints_joined": len(complaint_of) - opened,
    }
