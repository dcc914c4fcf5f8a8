"""Reading and checking a CSV file of past ratings: every problem by its line number, nothing written.

A file is read whole before anything is imported (``complaints.intake.csv_import``): the preview
lists every bad line, and an import only starts from a file without one. UTF-8 (with or without a
byte-order mark), comma-, semicolon- or tab-separated, as spreadsheets in pt/es/ru save it.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _

from core.database import utcnow
from core.errors import RuleError
from core.i18n import known_language
from core.timestamps import CLOCK_SKEW, parse_timestamp

COLUMNS = (
    "external_id",
    "name",
    "email",
    "phone",
    "score",
    "comment",
    "order_ref",
    "occurred_at",
    "language",
)
REQUIRED_COLUMNS = ("external_id", "name", "score", "occurred_at")
LIMITS = {
    "external_id": 120,
    "name": 200,
    "email": 254,
    "phone": 40,
    "comment": 5000,
    "order_ref": 120,
    "language": 16,
}
ERRORS_SHOWN = 100
SCORES = {"1", "2", "3", "4", "5"}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ImportFileError(RuleError):
    """The file as a whole cannot be read (encoding, header): said next to the upload field."""

    def __init__(self, message: str):
        super().__init__(message, "file")


@dataclass(slots=True)
class Row:
    line: int
    external_id: str
    name: str
    email: str | None
    phone: str | None
    score: int
    comment: str | None
    order_ref: str | None
    occurred_at: datetime
    locale: str | None = None  # the client's language (column "language"), one of ours


@dataclass(slots=True)
class LineError:
    line: int
    column: str
    message: str


@dataclass
class Parsed:
    rows: list[Row] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    error_count: int = 0
    lines_with_errors: int = 0


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            _("The file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again.")
        ) from None


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    """Comma by default; semicolon or tab when the header says so (spreadsheets in pt/es/ru do)."""
    header = text.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(header, delimiters=",;\t")
    except csv.Error:
        return csv.excel


def parse(data: bytes, now: datetime | None = None) -> Parsed:
    """Check every line; collect rows that are fine and every problem with its line number."""
    now = now or utcnow()
    latest = now + CLOCK_SKEW
    text = _decode(data)
    if not text.strip():
        raise ImportFileError(_("The file is empty."))
    reader = csv.reader(io.StringIO(text, newline=""), dialect=_dialect(text))
    try:
        header = [name.strip().lower() for name in next(reader)]
    except csv.Error:
        raise ImportFileError(_("The first line is not a CSV header.")) from None
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise ImportFileError(
            _(
                "The first line must name the columns: %(columns)s. Missing: %(missing)s.",
                columns=", ".join(COLUMNS),
                missing=", ".join(missing),
            )
        )
    position = {name: header.index(name) for name in COLUMNS if name in header}
    width = len(header)
    parsed = Parsed()
    languages = current_app.config["LANGUAGES"]

    def error(line: int, column: str, message: str) -> None:
        parsed.error_count += 1
        if len(parsed.errors) < ERRORS_SHOWN:
            parsed.errors.append(LineError(line, column, message))

    line = reader.line_num + 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as problem:
            error(line, "", _("This line cannot be read as CSV (%(problem)s).", problem=problem))
            parsed.lines_with_errors += 1
            line = reader.line_num + 1
            continue
        start, line = line, reader.line_num + 1
        if not values or all(not value.strip() for value in values):
            continue  # blank lines (often the last one) are not data
        if len(values) != width:
            error(
                start,
                "",
                _("This line has %(n)s values; the header has %(m)s.", n=len(values), m=width),
            )
            parsed.lines_with_errors += 1
            continue
        row = _check_row(start, values, position, latest, error, languages)
        if row is None:
            parsed.lines_with_errors += 1
        else:
            parsed.rows.append(row)
    return parsed


def _check_row(
    line: int, values: list[str], position: dict, latest: datetime, error, languages: list[str]
) -> Row | None:
    def get(name: str) -> str:
        return values[position[name]].strip() if name in position else ""

    found = {}
    ok = True
    for name, limit in LIMITS.items():
        value = get(name)
        if len(value) > limit:
            error(line, name, _("At most %(n)s characters.", n=limit))
            ok = False
        found[name] = value or None
    for name in ("external_id", "name"):
        if not found[name]:
            error(line, name, _("This value is required."))
            ok = False
    if found["email"] and not EMAIL.match(found["email"]):
        error(line, "email", _("This e-mail address does not look right."))
        ok = False
    locale = known_language(found["language"], languages)
    if found["language"] and locale is None:
        error(
            line,
            "language",
            _("Write a language Huddle speaks: %(languages)s.", languages=", ".join(languages)),
        )
        ok = False
    raw_score = get("score")
    score = int(raw_score) if raw_score in SCORES else 0
    if not score:
        error(line, "score", _("The score must be a whole number from 1 to 5."))
        ok = False
    occurred_at = parse_timestamp(get("occurred_at"))
    if occurred_at is None:
        error(line, "occurred_at", _("Write a date and time like 2026-03-01T09:30:00Z."))
        ok = False
    elif occurred_at > latest:
        error(line, "occurred_at", _("This date is in the future."))
        ok = False
    if not ok:
        return None
    return Row(
        line,
        found["external_id"],
        found["name"],
        found["email"],
        found["phone"],
        score,
        found["comment"],
        found["order_ref"],
        occurred_at,
        locale,
    )
