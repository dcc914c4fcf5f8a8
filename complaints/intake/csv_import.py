"""Importing past ratings from a CSV file: check everything first, then write all of it or nothing.

The flow is upload → preview → import. The upload is parsed and checked line by line once
(``csv_parse``); its checked rows are staged as JSON under ``IMPORT_DIR`` (default
``instance/imports``) with a small JSON status next to it; the preview lists every bad line by its
line number and writes nothing to the database. The import reads the staged rows back (no second
parse) and runs in a background thread with its own app context and session, in ONE short
transaction of set-based statements (``csv_bulk``): the new clients in one insert and the changed
ones in one update (their audit events in one more), the ratings a range of lines at a time
(SQLite: from a staging table filled once; PostgreSQL: by ``COPY`` of rows a second thread built
while the server wrote the clients, ``csv_copy``), the status file recording progress after each
range so that the page can poll it. Only this thread talks to the database. A rating Huddle holds
already (the same file twice, overlapping exports, one the API sent) is skipped and counted, in
the preview and in the result (``csv_stored``); a line repeating another is dropped by the parse,
or, when one names the client by an alias, once the aliases are read (``csv_stored``).
Any failure rolls everything back; a failed or stopped import says so at once and can be started
again (it wrote nothing, and a committed one is recognised by its audit event).

Which imported low ratings open complaints? Past ratings are history: a complaint is a promise of a
personal call within FOLLOW_UP_HOURS, and opening thousands of them for last year's ratings would
bury today's. So only low ratings that occurred within the last ``IMPORT_COMPLAINT_WINDOW_HOURS``
(default: FOLLOW_UP_HOURS) open a complaint — or join the client's open one, as any low rating
does; older ones are recorded with no complaint. Imported ratings keep ``received_at`` equal to
``occurred_at`` so the stand-up's "low ratings overnight" does not count a backfill as news, and
they send no ``rating_received`` signal (no Slack alert per historic rating).

Status files live on the local disk, so the progress of an import is visible from every worker of
one host (not across hosts). Imports on SQLite hold the write lock for their few seconds (about
two seconds per 100,000 ratings on a 2-core machine; ``scripts/bench_import.py``).
"""

import json
import logging
import os
import re
import secrets
import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from complaints import events
from complaints.intake import csv_bulk as bulk
from complaints.intake import csv_stored
from complaints.intake import services as intake
from complaints.intake.csv_parse import ImportFileError, Parsed, collector_paused, parse
from complaints.models import OPEN_STATUSES, Complaint
from core import audit
from core.audit import AuditEvent
from core.database import utcnow, writing
from core.extensions import db
from core.models import Client, ClientAlias

log = logging.getLogger(__name__)

CHUNK = 25_000  # ratings per INSERT … SELECT: the progress bar's steps
ID_CHUNK = 500  # ids per IN (...) list: well under every backend's parameter limit
STALE_SECONDS = 15 * 60  # a "running" import not heard of for this long died with its process
KEEP_SECONDS = 2 * 24 * 3600  # staged files older than this are removed at the next upload
JOB_ID = re.compile(r"^[0-9a-f]{32}$")
LOCK_FLAGS = os.O_CREAT | os.O_EXCL | os.O_WRONLY
AUDIT_ENTITY = "rating_import"


# --- The preview -----------------------------------------------------------------------------------


def complaint_cutoff(now: datetime) -> datetime:
    hours = (
        current_app.config.get("IMPORT_COMPLAINT_WINDOW_HOURS")
        or current_app.config["FOLLOW_UP_HOURS"]
    )
    return now - timedelta(hours=hours)


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _known(external_ids: list[str]) -> tuple[dict[str, int], set[str]]:
    """external id → client id, of these ids Huddle knows: a client's own, or an alias a merge
    left (which finds the client it joined); and which of them are aliases. The ids go as one
    JSON parameter: two queries for any file."""
    if db.session.get_bind().dialect.name == "postgresql":
        ids = sa.select(sa.func.json_array_elements_text(sa.cast(sa.bindparam("ids"), sa.JSON)))
    else:
        ids = sa.select(sa.column("value")).select_from(sa.func.json_each(sa.bindparam("ids")))
    values = {"ids": json.dumps(external_ids)}

    def found(external_id, client_id) -> dict[str, int]:
        query = sa.select(external_id, client_id).where(external_id.in_(ids))
        return dict(db.session.execute(query, values).all())

    aliases = found(ClientAlias.external_id, ClientAlias.client_id)
    return found(Client.external_id, Client.id) | aliases, set(aliases)


def summarize(parsed: Parsed, now: datetime | None = None) -> dict:
    """What the preview shows: counts, the bad lines, and how many clients are new to Huddle."""
    now = now or utcnow()
    cutoff = bulk.stored_text(complaint_cutoff(now))
    low_max = current_app.config["LOW_RATING_MAX"]
    rows = parsed.rows
    external_ids = sorted({row[bulk.EXTERNAL_ID] for row in rows})
    known, aliased = _known(external_ids)
    # The parse knew no aliases: a line by a client's alias repeating a line by its own id
    repeated = csv_stored.repeated_lines(rows, aliased, lambda i: known.get(i, i))
    if repeated:
        rows = [row for row in rows if row[bulk.LINE] not in repeated]
    stored = csv_stored.stored_lines(db.session.connection(), rows, known)
    low = [
        row[bulk.OCCURRED]
        for row in rows
        if row[bulk.SCORE] <= low_max and row[bulk.LINE] not in stored
    ]
    return {
        "rows": len(parsed.rows) + parsed.repeated + parsed.lines_with_errors,
        "valid_rows": len(rows),
        "lines_with_errors": parsed.lines_with_errors,
        "error_count": parsed.error_count,
        "errors": [asdict(error) for error in parsed.errors],
        "clients": len({known.get(i, i) for i in external_ids}),  # an alias is its client
        "new_clients": len(external_ids) - len(known),
        # lines repeating an earlier line (by the same id, or an alias of it): imported once
        "repeated": parsed.repeated + len(repeated),
        "stored": len(stored),  # ratings Huddle holds already: skipped
        "new_ratings": len(rows) - len(stored),  # what the import writes
        "low_ratings": len(low),
        "recent_low_ratings": sum(1 for occurred in low if occurred >= cutoff),
    }


# --- Staging and status ----------------------------------------------------------------------------


def import_dir() -> Path:
    path = Path(current_app.config.get("IMPORT_DIR") or Path(current_app.instance_path) / "imports")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _paths(job_id: str) -> tuple[Path, Path, Path]:
    """The staged rows, the status, and the base name of the attempt locks of ``job_id``."""
    if not JOB_ID.match(job_id):
        raise KeyError(job_id)
    base = import_dir()
    return base / f"{job_id}.rows.json", base / f"{job_id}.json", base / f"{job_id}.lock"


def _process_gone(status: dict) -> bool:
    """Whether the process running the import (on this host) has ended: it died mid-import."""
    pid = status.get("pid")
    if not pid or status.get("host") != socket.gethostname():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def read_status(job_id: str) -> dict | None:
    """The job's status, or None for an unknown id.

    A "running" import whose process has ended (or that has not been heard of for
    ``STALE_SECONDS``, on another host) is reported as failed at once: its one transaction was
    rolled back with it, so nothing was imported and it may be run again.
    """
    try:
        _rows, status_path, _lock = _paths(job_id)
        status = json.loads(status_path.read_text())
    except (KeyError, FileNotFoundError, json.JSONDecodeError):
        return None
    if status["state"] in ("queued", "running") and (
        _process_gone(status) or time.time() - status["beat"] > STALE_SECONDS
    ):
        status["state"] = "failed"
        status["message"] = _("The import stopped before it finished. Nothing was imported.")
    status["can_retry"] = status["state"] == "failed" and _paths(job_id)[0].exists()
    return status


def _write_status(job_id: str, **changes) -> dict:
    _rows, status_path, _lock = _paths(job_id)
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
    """Check the upload and stage its rows for the import; returns the job id.

    This is the only parse: the import writes exactly the rows the preview showed, read back from
    the staged JSON (no second CSV parse). Nothing goes into the database. Raises ImportFileError.
    """
    # End the request's transaction first: on SQLite an upload (a POST) holds the write lock from
    # its first query, and the parse is slow work that must not make every other writer wait.
    db.session.commit()
    parsed = parse(data, now)
    if not parsed.rows and not parsed.error_count:  # "Import 0 ratings" is no choice to offer
        raise ImportFileError(_("The file holds no ratings: only the line naming the columns."))
    summary = summarize(parsed, now)
    _clean_old_files()
    job_id = secrets.token_hex(16)
    rows_path, _status, _lock = _paths(job_id)
    if not parsed.error_count:
        rows_path.write_text(json.dumps(parsed.rows, ensure_ascii=False, separators=(",", ":")))
    _write_status(
        job_id,
        state="previewed",
        filename=filename[:200],
        user_id=user_id,
        preview=summary,
        total=summary["new_ratings"],
        done=0,
        phase="",
        result={},
        message="",
        attempt=0,
    )
    return job_id


# --- Importing -------------------------------------------------------------------------------------


class ImportNotReady(ValueError):
    """The job cannot start: unknown, already started or done, or its file has errors."""


def start_import(job_id: str, user_id: int) -> None:
    """Claim the job (once per attempt, even with a double click) and run it in the background.

    A failed or stopped import may be started again: it was all-or-nothing, so a new attempt
    cannot double anything. Each attempt is claimed by creating its own lock file exclusively.
    With config ``IMPORT_INLINE`` the import runs in the calling request instead: tests use it to
    stay inside their rolled-back transaction.
    """
    status = read_status(job_id)
    if status is None or status["preview"]["error_count"]:
        raise ImportNotReady(job_id)
    if status["preview"].get("new_ratings") == 0:  # every rating of the file is stored already
        raise ImportNotReady(job_id)
    if status["state"] != "previewed" and not status["can_retry"]:
        raise ImportNotReady(job_id)
    attempt = status.get("attempt", 0) + 1
    _rows, _status, lock_path = _paths(job_id)
    try:
        os.close(os.open(lock_path.with_suffix(f".{attempt}.lock"), LOCK_FLAGS))
    except FileExistsError:
        raise ImportNotReady(job_id) from None
    _write_status(
        job_id,
        state="queued",
        started_by=user_id,
        attempt=attempt,
        pid=os.getpid(),
        host=socket.gethostname(),
        done=0,
        phase="",
        message="",
    )
    app = current_app._get_current_object()
    if app.config.get("IMPORT_INLINE"):
        run_import(job_id, user_id)
        return
    thread = threading.Thread(
        target=_run_in_thread, args=(app, job_id, user_id), name=f"import-{job_id}", daemon=True
    )
    thread.start()


def _run_in_thread(app, job_id: str, user_id: int) -> None:
    # Its one transaction writes, so on SQLite it takes the write lock at its start (after reading
    # the staged rows, which touches no table): nothing it read can go stale under another writer.
    with app.app_context(), writing():
        try:
            run_import(job_id, user_id)
        finally:
            db.session.remove()


def _already_imported(job_id: str) -> dict | None:
    """The result an earlier attempt committed (its process died before saying so), if any."""
    for details in db.session.scalars(
        sa.select(AuditEvent.details).where(
            AuditEvent.entity_type == AUDIT_ENTITY, AuditEvent.entity_id == _audit_id(job_id)
        )
    ):
        if details.get("job") == job_id:
            return details["result"]
    return None


def _audit_id(job_id: str) -> int:
    return int(job_id[:7], 16)  # fits any integer column; the job id itself is in the details


def run_import(job_id: str, user_id: int | None, now: datetime | None = None) -> dict:
    """Import the staged rows in one short transaction; returns the final status (never raises).

    The transaction also records the import in the audit trail, so an attempt that finds it there
    (the process died between the commit and the status file) says "done" instead of importing twice.
    """
    now = now or utcnow()
    rows_path, _status, _lock = _paths(job_id)
    started = time.monotonic()
    try:
        _write_status(job_id, state="running", phase="checking", done=0)
        with collector_paused():  # a hundred thousand lists, none of them in a cycle
            rows = json.loads(rows_path.read_text())
            result = _already_imported(job_id)
            if result is None:
                result = import_rows(
                    rows,
                    actor_id=user_id,
                    now=now,
                    progress=lambda phase, done: _write_status(job_id, phase=phase, done=done),
                )
                audit.record(
                    user_id, AUDIT_ENTITY, _audit_id(job_id), "imported", job=job_id, result=result
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
    result = {**result, "seconds": round(time.monotonic() - started, 2)}
    rows_path.unlink(missing_ok=True)
    return _write_status(job_id, state="done", phase="", done=len(rows), result=result)


def _complaints_for(lows: dict[int, list], actor_id, now) -> tuple[dict[int, int], int]:
    """Open (or join) one complaint per client with a recent low rating.

    ``lows`` maps a client id to its staged recent low ratings; returns the complaint of each of
    those lines, and how many complaints were opened.
    """
    latest = {  # the most recent low rating speaks for the client
        client_id: max(rows, key=lambda row: (row[bulk.OCCURRED], row[bulk.LINE]))
        for client_id, rows in lows.items()
    }
    complaint_of: dict[int, int] = {}
    for chunk in _chunks(list(latest), ID_CHUNK):
        open_ones = db.session.execute(
            sa.select(Complaint.client_id, Complaint.id)
            .where(Complaint.client_id.in_(chunk), Complaint.status.in_(OPEN_STATUSES))
            .order_by(Complaint.opened_at, Complaint.id)
        ).all()
        complaint_of.update(open_ones)  # ordered oldest first: the newest open one wins
    clients = {}
    missing = [client_id for client_id in latest if client_id not in complaint_of]
    for chunk in _chunks(missing, ID_CHUNK):
        query = sa.select(Client).where(Client.id.in_(chunk))
        clients.update((client.id, client) for client in db.session.scalars(query))
    opened = 0
    for client_id, row in latest.items():
        score, comment = row[bulk.SCORE], row[bulk.COMMENT]
        if client_id in complaint_of:
            events.record(actor_id, complaint_of[client_id], "rating_added", now, score=score)
            continue
        complaint = intake.open_complaint(
            clients[client_id],
            **intake.rating_summary(score, comment),
            details=comment,
            channel="import",
            actor_id=actor_id,
            now=now,
        )
        complaint_of[client_id] = complaint.id
        opened += 1
    by_line = {row[bulk.LINE]: complaint_of[c] for c, rows in lows.items() for row in rows}
    return by_line, opened


def import_rows(rows: list[list], *, actor_id: int | None, now: datetime, progress=None) -> dict:
    """Write staged rows set-based inside the caller's transaction (the caller commits).

    A fixed number of statements whatever the size of the file, plus a few per complaint opened:
    the rows staged in the database once (SQLite), the new clients in one insert and the changed
    ones in one update, the ratings in a few ``INSERT … SELECT`` / ``COPY`` (the progress bar), the
    rollup and the milestones in one statement each.
    """
    progress = progress or (lambda phase, done: None)
    progress("clients", 0)
    if rows and len(rows[0]) == bulk.LOCALE:  # staged before files had a language column
        rows = [[*row, None] for row in rows]
    cutoff = bulk.stored_text(complaint_cutoff(now))
    low_max = current_app.config["LOW_RATING_MAX"]
    with bulk.roomy_cache():
        aliases = bulk.aliases_of(rows)
        # A line with an alias giving a rating a line with the client's own id gives: one rating
        repeated = csv_stored.repeated_lines(rows, set(aliases), lambda i: aliases.get(i, i))
        if repeated:
            rows = [row for row in rows if row[bulk.LINE] not in repeated]
        recent_low = [
            row for row in rows if row[bulk.SCORE] <= low_max and row[bulk.OCCURRED] >= cutoff
        ]
        bulk.stage(rows)
        held = {row[bulk.LINE] for row in recent_low}  # their complaints come after the clients
        clients = bulk.upsert_clients(rows, actor_id, now, held, CHUNK, aliases)
        stored = clients.stored  # already in Huddle (``csv_stored``): no rating, no complaint
        try:
            if stored:
                recent_low = [row for row in recent_low if row[bulk.LINE] not in stored]
            client_of = bulk.client_ids_of_lines(recent_low, clients.aliases)
            lows: dict[int, list] = {}
            for row in recent_low:
                lows.setdefault(client_of[row[bulk.LINE]], []).append(row)
            complaint_of_line, opened = _complaints_for(lows, actor_id, now)
            progress("ratings", 0)
            written = bulk.insert_ratings(
                rows, clients, complaint_of_line, CHUNK, lambda done: progress("ratings", done)
            )
        finally:
            clients.close()  # PostgreSQL: the rows' thread, if a failure left it building
        if written != len(rows) - len(stored):  # every new row has its client, or it is a bug
            raise RuntimeError(f"{written} ratings written of {len(rows) - len(stored)} new")
        progress("saving", written)
        bulk.finish()
    return {
        "ratings": written,
        "stored": len(stored),  # skipped: Huddle held them already
        "clients_created": clients.created,
        "clients_updated": clients.updated,
        "complaints_opened": opened,
        "complaints_joined": len(lows) - opened,
    }
