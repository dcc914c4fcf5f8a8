"""Whatever a person or another system sends, read in one place so that no input can answer 500.

The database sets the limits: ids are PostgreSQL ``integer`` columns (1..2³¹-1), money is
``numeric(12, 2)``, text cannot hold NUL, and dates near year 1 or 9999 overflow as soon as a page
looks at the day before or after. Numbers in URLs and query strings are read by ``parse_int`` /
``int_arg`` (ASCII digits only: ``"²".isdigit()`` is true but ``int("²")`` fails), ids in URL paths
by the app-wide ``int`` converter (``core.templating``), money by ``finite_decimal``, instants typed
into forms by ``plausible_datetime``, and text anywhere is checked once, before any view, by
``refuse_unstorable_text`` (a page's form comes back with the message next to the field).
"""

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from flask import Flask, current_app, g, has_request_context, request
from flask_babel import lazy_gettext as _l
from wtforms.validators import StopValidation, ValidationError
from wtforms.widgets import HiddenInput

from core.access import sent_to_self_authenticating
from core.database import READ_METHODS, refuse_writes
from core.errors import error_answer
from core.extensions import db

MAX_ID = 2**31 - 1  # PostgreSQL ``integer``: every id and foreign key
FIRST_YEAR, LAST_YEAR = 1900, 9998  # dates people type or put in URLs; the neighbours stay valid
_ASCII_DIGITS = re.compile(r"[0-9]{1,19}")
# NUL cannot be stored in PostgreSQL text; a lone surrogate cannot be encoded to UTF-8 at all.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# An e-mail address as another system may send one (the API, the CSV import): one "@", a dot in
# the domain, no white space. Letters of any script are fine (ivan@почта.рф); a line break is not,
# as a recipient holding one is a mail header Python refuses to write.
EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def form_values(form, *names: str) -> dict:
    """The typed values of the named fields, as keyword arguments for the service the form feeds."""
    return {name: form[name].data for name in names}


def parse_int(raw, low: int = 1, high: int = MAX_ID) -> int | None:
    """``raw`` as an int when it is ASCII digits (an optional minus) within low..high, else None."""
    if raw is None:
        return None
    text = str(raw).strip()
    digits = text[1:] if text.startswith("-") else text
    if not _ASCII_DIGITS.fullmatch(digits):
        return None
    value = int(text)
    return value if low <= value <= high else None


def int_arg(name: str, default=None, low: int = 1, high: int = MAX_ID, args=None):
    """A number from the query string; missing, garbage or out of range is ``default``.

    Pages read filters and page numbers leniently (an old bookmark still opens the page); the API
    refuses with a 400 instead (see ``complaints.intake.api``), using ``parse_int`` directly.
    """
    value = parse_int((request.args if args is None else args).get(name), low, high)
    return default if value is None else value


def id_coerce(value) -> int:
    """``coerce`` for a select of ids: an id that cannot exist is an invalid choice, not a 500."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value if 0 <= value <= MAX_ID else None
    else:
        number = parse_int(value, 0)
    if number is None:
        raise ValueError(value)
    return number


def date_in_range(value: date) -> bool:
    return FIRST_YEAR <= value.year <= LAST_YEAR


def parse_day(raw) -> date | None:
    """A ``YYYY-MM-DD`` day within FIRST_YEAR..LAST_YEAR, else None."""
    try:
        day = date.fromisoformat(str(raw).strip())
    except ValueError:
        return None
    return day if date_in_range(day) else None


def plausible_datetime(form, field) -> None:
    """Validator for dates and instants people type: outside 1900–9998 is a typo, said next to it."""
    if field.data is not None and not date_in_range(field.data):
        raise ValidationError(
            _l("Enter a date between %(first)d and %(last)d.", first=FIRST_YEAR, last=LAST_YEAR)
        )


def finite_decimal(max_digits: int = 12, places: int = 2):
    """Validator for money: refuses NaN, sNaN, Infinity and anything the column cannot hold.

    WTForms' ``DecimalField`` takes all of these, and ``NumberRange`` even lets NaN through (every
    comparison with it is false) or fails on sNaN with an exception.
    """
    limit = Decimal(10) ** (max_digits - places)

    def validate(form, field) -> None:
        value = field.data
        if value is None:
            return
        try:
            fits = value.is_finite() and abs(value) < limit
        except InvalidOperation:
            fits = False
        if not fits:  # and stop: NumberRange after us would compare a signalling NaN and fail
            raise StopValidation(_l("Enter a number like 12.50."))

    return validate


def _unstorable(pairs) -> str | None:
    """The name of the first (name, text) pair holding a NUL or a lone surrogate, else None."""
    for name, value in pairs:
        if isinstance(value, str) and (_UNSTORABLE.search(value) or _UNSTORABLE.search(name)):
            return name or "body"
    return None


def _json_strings(data):
    """Every key and string of a parsed JSON document as (path, text) pairs (no recursion)."""
    stack = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            yield path, value
        elif isinstance(value, dict):
            for key, item in value.items():
                yield path, str(key)
                stack.append((f"{path}.{key}" if path else str(key), item))
        elif isinstance(value, list):
            stack.extend((f"{path}[{index}]", item) for index, item in enumerate(value))


def unstorable_json_field(data) -> str | None:
    """Where a parsed JSON body holds a NUL or a lone surrogate (``core.api.json_body`` asks)."""
    return _unstorable(_json_strings(data))


UNSTORABLE_MESSAGE = _l(
    "Remove the control characters (such as NUL) from what you sent and try again."
)
# Said next to a page's field, whose text comes back cleaned (``refuse_unstorable_text``).
UNSTORABLE_FIELD_MESSAGE = _l(
    "This held characters that cannot be saved (such as NUL); we took them out or replaced them."
    " Check the text and send it again."
)
_CLEANED_FIELDS = "unstorable_fields"  # on ``g``: the page form's fields whose text was cleaned
_FORM_BODIES = ("application/x-www-form-urlencoded", "multipart/form-data")


class UnstorableText(Exception):
    """A request holding text the database cannot store tried to write: answered as a 400."""

    def __init__(self, field: str):
        super().__init__(field)
        self.field = field


def _unstorable_answer(field: str):
    return error_answer(400, "bad_request", str(UNSTORABLE_MESSAGE), {field: "invalid characters"})


def _storable(text: str) -> str:
    """``text`` without NUL, a lone surrogate shown as U+FFFD: what a page can show again."""
    return _UNSTORABLE.sub(lambda found: "" if found.group() == "\x00" else "\ufffd", text)


def refuse_unstorable_text():
    """``before_request``: a NUL byte or a lone surrogate in the path, query or form is refused.

    In the path or query string, in the API's or Slack's form body, or in a body sent to no page,
    it is a 400, before any view: nothing of the request reaches the database, so a rating sent
    with one is refused whole and can be sent again, instead of being lost to a 500 half way
    through. JSON bodies are checked where the API reads them (``core.api.json_body``), after the
    endpoint has set its size limit.

    A page's form post keeps what the person typed: ``request.form`` is replaced by its cleaned
    values (``_storable``), every page form's ``validate()`` says ``UNSTORABLE_FIELD_MESSAGE`` next
    to the fields that held one (``say_unstorable``, through ``core.forms.PageForm``), and the view
    answers the form again as for any refusal. Whatever the view does instead (a field read from
    ``request.form`` directly, a field the form does not have), no statement that writes may run
    until the request ends (``core.database.refuse_writes``): the first one answers this 400.
    """
    field = _unstorable([*(request.view_args or {}).items(), *request.args.items(multi=True)])
    if field is not None:
        return _unstorable_answer(field)
    if request.mimetype not in _FORM_BODIES:
        return None
    # Only a form body is read here: any other (JSON) stays unread, so the API can still lower
    # the size limit. The raw form body is kept for views that check its signature (Slack).
    if request.mimetype == "application/x-www-form-urlencoded":
        request.get_data(cache=True)
    pairs = list(request.form.items(multi=True))
    field = _unstorable(pairs)
    if field is None:
        return None
    if request.endpoint is None or request.method in READ_METHODS or sent_to_self_authenticating():
        return _unstorable_answer(field)
    cleaned = [(_storable(name), _storable(value)) for name, value in pairs]
    held = [_storable(name) for name, value in pairs if _unstorable([(name, value)]) is not None]
    request.form = request.parameter_storage_class(cleaned)
    request.__dict__.pop("values", None)  # args and form together, if read already: the old form
    setattr(g, _CLEANED_FIELDS, frozenset(held))
    refuse_writes(lambda: UnstorableText(held[0] or "body"))
    return None


def say_unstorable(form) -> bool:
    """Put ``UNSTORABLE_FIELD_MESSAGE`` next to each field of ``form`` whose text was cleaned:
    whether there was none. ``core.forms.PageForm.validate`` asks.

    A hidden field has no place to say it, and nobody typed into it: the request is refused
    whole, with the 400 the other inputs get.
    """
    held = g.get(_CLEANED_FIELDS) if has_request_context() else None
    if not held:
        return True
    clean = True
    for field in form:
        if field.name not in held:
            continue
        if isinstance(field.widget, HiddenInput):
            raise UnstorableText(field.name)
        field.errors = [str(UNSTORABLE_FIELD_MESSAGE), *field.errors]
        clean = False
    return clean


FORM_BODY_MESSAGE = _l("This page accepts form data only, not JSON.")


def refuse_json_to_forms():
    """``before_request``: the pages' forms are read from form bodies only; JSON sent to one is a 415.

    Flask-WTF reads a JSON body as the form (``ImmutableMultiDict(request.get_json())``), and a
    number, a list, a pair of the wrong length or nesting deeper than Python's parser goes each
    answered 500. Huddle's pages never post JSON; the API and Slack, which read their own bodies,
    are left to do so (``core.access.sent_to_self_authenticating``).
    """
    if request.method in ("GET", "HEAD", "OPTIONS") or not request.is_json:
        return None
    if request.endpoint is None:  # no such page: routing answers 404 or 405 as for any other body
        return None
    if sent_to_self_authenticating():
        return None
    return error_answer(415, "unsupported_media_type", str(FORM_BODY_MESSAGE))


FILE_MESSAGE = _l("This form takes text here, not a file.")


def takes_files(*names: str):
    """Decorate a view whose form has these file fields: only there may a file be posted."""

    def mark(view):
        view.file_fields = frozenset(names)
        return view

    return mark


def refuse_misplaced_files():
    """``before_request``: a file posted where a form has no file field is a 400.

    Flask-WTF puts a multipart body's files among the form's data, so a text field that came as a
    file held an upload object: the login page, "write to us" and 54 other forms answered 500 to
    ``curl -F name=@x``, with no login or CSRF token needed. Only the fields a view names with
    ``@takes_files`` (the CSV import's) may carry one.
    """
    # Only a multipart body is parsed here (as ``refuse_unstorable_text`` does): a JSON body stays
    # unread, for the API to lower its size limit first.
    if request.mimetype != "multipart/form-data" or request.endpoint is None:
        return None
    if not request.files:
        return None
    view = current_app.view_functions.get(request.endpoint)
    expected = getattr(view, "file_fields", frozenset())
    misplaced = next((name for name in request.files if name not in expected), None)
    if misplaced is None:
        return None
    return error_answer(400, "bad_request", str(FILE_MESSAGE), {misplaced: "a file"})


def init_app(app: Flask) -> None:
    app.before_request(refuse_json_to_forms)
    app.before_request(refuse_misplaced_files)
    app.before_request(refuse_unstorable_text)

    @app.errorhandler(UnstorableText)
    def unstorable_written(error: UnstorableText):
        db.session.rollback()
        return _unstorable_answer(error.field)

    @app.teardown_request
    def _forget_cleaned_fields(_error=None):
        g.pop(_CLEANED_FIELDS, None)
