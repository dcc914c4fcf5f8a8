"""The pieces every API model is built from: the base model, texts, timestamps, the client object.

A field is declared once, here or in a feature's ``schemas.py``; the same declaration checks what
arrives and becomes the OpenAPI document (``core.api.openapi``). The rules the declarations encode:

- JSON types are exact: ``"5"`` is not a score, ``true`` is not a number, a number is not a text.
- Texts are trimmed. A blank optional text means "none", the same as leaving the field out; a blank
  required one is missing. ``null`` is refused everywhere: leave an optional field out instead.
- Unknown fields are ignored, so other systems may send more than we read.
"""

from datetime import UTC, datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    StringConstraints,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from core.i18n import known_language
from core.inputs import EMAIL_SHAPE
from core.timestamps import CLOCK_SKEW, parse_timestamp


class ApiModel(BaseModel):
    """What the API reads or answers: exact JSON types, unknown fields ignored."""

    model_config = ConfigDict(strict=True, extra="ignore")


class ParamsModel(BaseModel):
    """Query, path or header parameters: they arrive as text, so numbers are read from it."""

    model_config = ConfigDict(extra="ignore")


def _blank_is_none(value: str) -> str | None:
    return value or None


def text(max_length: int):
    """An optional trimmed text of at most ``max_length`` characters; blank means none."""
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, max_length=max_length),
        AfterValidator(_blank_is_none),
    ]


def required_text(max_length: int):
    """A trimmed text of 1 to ``max_length`` characters; blank counts as missing.

    The pattern says so in the document (at least one character that is not a space); here the
    trimming alone already refuses a blank one.
    """
    return Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=1, max_length=max_length, pattern=r"\S"
        ),
    ]


def field_error(field: str, message: str) -> PydanticCustomError:
    """An error a model validator raises about one field (``core.api.contract`` puts it there)."""
    return PydanticCustomError("field_rule", message, {"field": field})


def _timestamp(value) -> datetime:
    parsed = parse_timestamp(value)
    if parsed is None:
        raise PydanticCustomError(
            "timestamp", "must be an ISO 8601 date and time, e.g. 2026-03-01T09:30:00Z"
        )
    return parsed


def _not_future(value: datetime) -> datetime:
    if value > datetime.now(UTC) + CLOCK_SKEW:
        raise PydanticCustomError("future", "cannot be in the future")
    return value


TIMESTAMP_RULES = (
    "ISO 8601; without an offset it is taken as UTC, a date alone as its midnight UTC; "
    "years 1900 to 9998."
)
# An instant another system sends (see ``core.timestamps``).
Timestamp = Annotated[
    datetime,
    PlainValidator(_timestamp),
    WithJsonSchema({"type": "string", "format": "date-time", "description": TIMESTAMP_RULES}),
]
# ... that cannot lie more than ``CLOCK_SKEW`` ahead of our clock.
PastTimestamp = Annotated[
    Timestamp,
    AfterValidator(_not_future),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "description": f"{TIMESTAMP_RULES} Not in the future "
            f"(up to {CLOCK_SKEW.seconds // 60} minutes of clock drift are tolerated).",
        }
    ),
]
# An instant Huddle answers with, written as Python's isoformat (``+00:00``, never ``Z``).
Instant = Annotated[
    datetime,
    PlainSerializer(lambda value: value.isoformat(), return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


def _language(value: str | None) -> str | None:
    if value is None:
        return None
    known = known_language(value)
    if known is None:
        raise PydanticCustomError("language", "must be a language Huddle speaks: en, pt-BR, es, ru")
    return known


# A language tag as other systems write it (pt-BR, pt_BR, pt, es-ES...), stored as ours (pt_BR).
Language = Annotated[text(16), AfterValidator(_language)]


def _email(value: str | None) -> str | None:
    if value is not None and not EMAIL_SHAPE.match(value):
        raise PydanticCustomError("email", "must be an e-mail address such as ana@example.com")
    return value


# Checked as the CSV import checks it: an address that is no address (a line break, no "@") was
# stored, shown on the client's page, and mailed to until the server refused it.
Email = Annotated[text(254), AfterValidator(_email)]


class ClientIn(ApiModel):
    """One of our clients, identified by the id your system gave them."""

    external_id: required_text(120)
    name: required_text(200)
    email: Email = Field(
        None,
        description="An e-mail address: one @, a dot in the domain, no spaces. A domain in "
        "another script (почта.рф) is fine; it is mailed to in its ASCII form.",
    )
    phone: text(40) = None
    locale: Language = Field(
        None,
        description="The language the client reads (pt-BR, es, ru, en): their survey page and "
        "anything Huddle sends them use it. A language Huddle has no translation for is refused.",
    )


class ErrorBody(ApiModel):
    code: str = Field(description="What went wrong, for programs: invalid, bad_request, ...")
    message: str = Field(description="What went wrong, for people")
    fields: dict[str, str] = Field(
        description="Each field (dotted when nested: client.name) or header that was refused, "
        "with what is wrong with it"
    )


class Error(ApiModel):
    """Every error the API answers with, whatever the status."""

    error: ErrorBody
