"""Reading and checking a CSV file of past ratings: every problem by its line number, nothing written.

A file is read whole before anything is imported (``complaints.intake.csv_import``): the preview
lists every bad line, and an import only starts from a file without one. UTF-8 (with or without a
byte-order mark), comma-, semicolon- or tab-separated, as spreadsheets in pt/es/ru save it.

The parse is the only one (the import writes what it staged), and it is lean: a good line is
checked by one fast test and becomes a plain list in the staged layout below, its time already the
UTC text the database stores; only a line that fails is checked again field by field
(``_check_row``) to word its errors. Nothing here builds an object per row.

A line repeating a rating an earlier line of the file said (same client id, time, score and order
reference: ``csv_stored``'s identity) is staged once and counted (``Parsed.repeated``): two exports
pasted together, or a line copied twice, would otherwise be two ratings, counted twice by Insights.
The parse compares ids as written: a line naming the client by an alias is compared with the
others once the aliases are known (``csv_stored.repeated_lines``).
"""

import csv
import gc
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask import current_app
from flask_babel import format_number, ngettext
from flask_babel import gettext as _

from core.database import utcnow
from core.errors import RuleError
from core.i18n import known_language
from core.inputs import EMAIL_SHAPE
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
NUL = "\x00"  # text the databases cannot store (PostgreSQL refuses it; SQLite would keep it)
SCORES = {"1", "2", "3", "4", "5"}
SCORE_OF = {text: int(text) for text in SCORES}
# A checked row, staged (``csv_import``) and imported (``csv_bulk``) as a list in this order.
LINE, EXTERNAL_ID, NAME, EMAIL_, PHONE, SCORE, COMMENT, ORDER_REF, OCCURRED, LOCALE = range(10)
STORED_FORMAT = "%Y-%m-%d %H:%M:%S.%f"  # how a staged row carries its time (UTC, naive)


class ImportFileError(RuleError):
    """The file as a whole cannot be read (encoding, header): said next to the upload field."""

    def __init__(self, message: str):
        super().__init__(message, "file")


@dataclass(slots=True)
class LineError:
    line: int
    column: str
    message: str


@dataclass
class Parsed:
    rows: list[list] = field(default_factory=list)  # staged rows (the layout above)
    errors: list[LineError] = field(default_factory=list)
    error_count: int = 0
    lines_with_errors: int = 0
    repeated: int = 0  # good lines saying a rating an earlier line said (imported once)


def stored_text(instant: datetime) -> str:
    """An aware datetime as the UTC text staged rows carry."""
    return instant.astimezone(UTC).strftime(STORED_FORMAT)


def stored_instant(text: str) -> str | None:
    """``stored_text(parse_timestamp(text))``, without an aware datetime or ``strftime`` per row.

    ``text`` is already stripped. The same reading as ``core.timestamps.parse_timestamp`` (a test
    compares them on many inputs): ISO 8601, no offset meaning UTC, years 1900–9998 as written.
    A time in UTC written the usual way ("2026-03-01T09:30:00Z", "… 09:30:00.5") keeps its own
    digits once ``fromisoformat`` has checked them; any other form is converted.
    """
    if not 10 <= len(text) <= 40:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if not 1900 <= parsed.year <= 9998:
        return None
    zone = parsed.tzinfo
    if (
        (zone is None or zone is UTC)
        and text[4:5] == text[7:8] == "-"
        and text[10:11] in ("T", " ")
        and text[13:14] == text[16:17] == ":"
        and text[11:13] != "24"
        and text.isascii()
    ):
        return f"{text[:10]} {text[11:19]}.{parsed.microsecond:06d}"
    if zone is not None:
        parsed = parsed.replace(tzinfo=None) - parsed.utcoffset()
    stored = parsed.isoformat(" ")
    return stored if parsed.microsecond else stored + ".000000"


@contextmanager
def collector_paused() -> Iterator[None]:
    """Build a hundred thousand small lists without the cyclic garbage collector walking all of
    them again and again (none is part of a cycle; reference counting frees them as usual)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            _("The file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again.")
        ) from None


# Excel's first line naming the separator ("sep=;"), which it writes and reads before the header.
_SEPARATOR_LINE = re.compile(r'^"?sep=(.)"?\r?$')


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    """Comma by default; semicolon or tab when the header says so (spreadsheets in pt/es/ru do),
    or what Excel's ``sep=`` line names."""
    header = text.split("\n", 1)[0]
    if named := _SEPARATOR_LINE.match(header):

        class Named(csv.excel):
            delimiter = named[1]

        return Named
    try:
        return csv.Sniffer().sniff(header, delimiters=",;\t")
    except csv.Error:
        return csv.excel


def parse(data: bytes, now: datetime | None = None) -> Parsed:
    """Check every line; collect rows that are fine (staged lists) and every problem by line."""
    now = now or utcnow()
    latest = now + CLOCK_SKEW
    text = _decode(data)
    if not text.strip():
        raise ImportFileError(_("The file is empty."))
    reader = csv.reader(io.StringIO(text, newline=""), dialect=_dialect(text))
    try:
        if _SEPARATOR_LINE.match(text.split("\n", 1)[0]):
            next(reader)  # Excel's "sep=" line; the columns follow (lines keep their numbers)
        header = [name.strip().lower() for name in next(reader, [])]
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

    with collector_paused():
        _read_lines(reader, position, width, latest, error, languages, parsed, NUL in text)
    return parsed


def _unreadable(problem: csv.Error) -> str:
    """The csv module's complaint, in the viewer's language (its own words are English)."""
    if "field limit" in str(problem):
        limit = csv.field_size_limit()
        return ngettext(
            "This line holds a value longer than %(n)s character.",
            "This line holds a value longer than %(n)s characters.",
            limit,
            n=format_number(limit),
        )
    return _("This line cannot be read as CSV.")


def _read_lines(reader, position, width, latest, error, languages, parsed, nul_in_file) -> None:
    # A missing optional column reads the empty value appended at index ``width``.
    (ext_at, name_at, email_at, phone_at, score_at, comment_at, ref_at, at_at, language_at) = (
        position.get(name, width) for name in COLUMNS
    )
    latest_text = stored_text(latest)
    locales: dict[str, str | None] = {"": None}
    seen: set[tuple] = set()  # the ratings said so far: ``identity``
    remember = seen.add
    rows = parsed.rows
    append = rows.append
    match_email = EMAIL_SHAPE.match
    line = reader.line_num + 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as problem:
            error(line, "", _unreadable(problem))
            parsed.lines_with_errors += 1
            line = reader.line_num + 1
            continue
        start, line = line, reader.line_num + 1
        if len(values) != width:
            if not values or all(not value.strip() for value in values):
                continue  # blank lines (often the last one) are not data
            error(
                start,
                "",
                _("Values in this line: %(n)s; in the header: %(m)s.", n=len(values), m=width),
            )
            parsed.lines_with_errors += 1
            continue
        values.append("")
        external_id = values[ext_at].strip()
        name = values[name_at].strip()
        email = values[email_at].strip()
        phone = values[phone_at].strip()
        comment = values[comment_at].strip()
        order_ref = values[ref_at].strip()
        language = values[language_at].strip()
        score = SCORE_OF.get(values[score_at].strip())
        occurred = stored_instant(values[at_at].strip())
        if language in locales:
            locale = locales[language]
        else:
            locale = locales[language] = known_language(language, languages)
        if (
            external_id
            and name
            and score
            and occurred is not None
            and occurred <= latest_text
            and len(external_id) <= LIMITS["external_id"]
            and len(name) <= LIMITS["name"]
            and len(email) <= LIMITS["email"]
            and len(phone) <= LIMITS["phone"]
            and len(comment) <= LIMITS["comment"]
            and len(order_ref) <= LIMITS["order_ref"]
            and len(language) <= LIMITS["language"]
            and (not email or match_email(email))
            and (not language or locale)
            and not (
                nul_in_file
                and NUL in external_id + name + email + phone + comment + order_ref + language
            )
        ):
            identity = (external_id, occurred, score, order_ref)
            if identity in seen:
                parsed.repeated += 1
                continue
            remember(identity)
            append(
                [
                    start,
                    external_id,
                    name,
                    email or None,
                    phone or None,
                    score,
                    comment or None,
                    order_ref or None,
                    occurred,
                    locale,
                ]
            )
            continue
        if all(not value.strip() for value in values):
            continue  # a line of empty values only (",,,,") is blank too
        _check_row(start, values, position, latest, error, languages)
        parsed.lines_with_errors += 1


def _check_row(
    line: int, values: list[str], position: dict, latest: datetime, error, languages: list[str]
) -> None:
    """Word every problem of a line the fast test refused, field by field, in column order."""

    def get(name: str) -> str:
        return values[position[name]].strip() if name in position else ""

    found = {}
    for name, limit in LIMITS.items():
        value = get(name)
        if NUL in value:
            error(line, name, _("This value holds a NUL character, which cannot be stored."))
        if len(value) > limit:
            error(line, name, _("At most %(n)s characters.", n=format_number(limit)))
        found[name] = value or None
    for name in ("external_id", "name"):
        if not found[name]:
            error(line, name, _("This value is required."))
    if found["email"] and not EMAIL_SHAPE.match(found["email"]):
        error(line, "email", _("This e-mail address does not look right."))
    if found["language"] and known_language(found["language"], languages) is None:
        error(
            line,
            "language",
            _("Write a language Huddle speaks: %(languages)s.", languages=", ".join(languages)),
        )
    if get("score") not in SCORES:
        error(line, "score", _("The score must be a whole number from 1 to 5."))
    occurred_at = parse_timestamp(get("occurred_at"))
    if occurred_at is None:
        error(line, "occurred_at", _("Write a date and time like 2026-03-01T09:30:00Z."))
    elif occurred_at > latest:
        error(line, "occurred_at", _("This date is in the future."))
