"""Money as people read and type it: in the installation's one currency and the viewer's language.

Shown through Babel's ``format_currency`` (``HUDDLE_CURRENCY``, default USD), so a Brazilian reads
"US$ 35,90" and an English reader "$35.90". Typed amounts are read with the viewer's
decimal separator: in Portuguese, Spanish and Russian both "35,90" and "35.90" mean 35.90, in
English only "35.90" does. "3,590" (or "3.590") in those languages is refused instead of guessed:
an English writer means three thousand, a Brazilian three and a half, and once a compensation was
saved as 3590 that way. Amounts are ``Decimal`` from the text on, never a float.
"""

import re
from decimal import Decimal, InvalidOperation

from babel import numbers
from flask import current_app
from flask_babel import format_currency, format_decimal, get_locale
from flask_babel import lazy_gettext as _l
from wtforms import DecimalField
from wtforms.widgets import TextInput

_SPACES = re.compile(r"[\s\u00a0\u202f']")
_DIGITS = re.compile(r"[0-9]+")
_GROUPED = re.compile(r"[0-9]{1,3}([.,][0-9]{3})+")


CENT = Decimal("0.01")  # Huddle's amounts are in one currency with two decimals (#12)


def in_cents(amount) -> bool:
    """Whether ``amount`` is a finite ``Decimal`` with at most the currency's two decimals.

    A float cannot hold 0.10 exactly, and a third decimal would be rounded silently by the
    database's ``NUMERIC(12, 2)``: both are refused where an amount enters (#12).
    """
    if not isinstance(amount, Decimal):
        raise TypeError(f"money must be a Decimal, not {type(amount).__name__}")
    return amount.is_finite() and amount == amount.quantize(CENT)


class AmountError(ValueError):
    """An amount that cannot be read, or could be read two ways; the message says how to write it."""


def currency() -> str:
    return current_app.config["CURRENCY"]


def format_money(value) -> str:
    """An amount with the currency, as the viewer writes it; "—" for none."""
    if value is None:
        return "—"
    return format_currency(Decimal(value), currency())


def format_amount(value) -> str:
    """An amount without the currency, as the viewer types it (for a form field shown again)."""
    if value is None:
        return ""
    return format_decimal(Decimal(value), format="0.00")


def parse_amount(text: str, locale=None) -> Decimal | None:
    """What a person typed as an amount, as a Decimal; empty is None; unreadable raises AmountError.

    A group separator is accepted only where it groups thousands ("1.234,50", "1,234.50"); one
    separator followed by exactly three digits is ambiguous unless the language writes decimals with
    a point (English), where it groups.
    """
    text = _SPACES.sub("", text or "")
    if not text:
        return None
    sign = ""
    if text[0] in "+-":
        sign, text = ("-" if text[0] == "-" else ""), text[1:]
    locale = locale or get_locale()
    point = numbers.get_decimal_symbol(locale)
    comma_decimals = point == ","
    example = numbers.format_decimal(Decimal("35.90"), format="0.00", locale=locale)
    invalid = AmountError(_l("Enter an amount like %(example)s.", example=example))
    last = max(text.rfind(","), text.rfind("."))
    if last < 0:
        whole, decimals = text, ""
    else:
        whole, decimals = text[:last], text[last + 1 :]
        separator = text[last]
        if separator == "," and not comma_decimals:
            # English: a comma only groups thousands.
            if not _GROUPED.fullmatch(text) or "." in text:
                raise invalid
            whole, decimals = text.replace(",", ""), ""
        elif len(decimals) == 3 and separator not in whole:
            if not comma_decimals and separator == ".":
                raise AmountError(_l("Enter at most two decimals."))
            raise AmountError(
                _l(
                    "“%(typed)s” can be read two ways: write %(whole)s for thousands, or at most "
                    "two decimals for cents.",
                    typed=text,
                    whole=whole + decimals,
                )
            )
        elif len(decimals) == 3:
            whole, decimals = text.replace(separator, ""), ""  # "1.234.567": groups only
            if not _GROUPED.fullmatch(text):
                raise invalid
        elif len(decimals) > 3:
            raise invalid
        if whole and not _DIGITS.fullmatch(whole):
            if not _GROUPED.fullmatch(whole) or separator in whole:
                raise invalid
            whole = whole.replace(",", "").replace(".", "")
    if not _DIGITS.fullmatch(whole or "0") or (decimals and not _DIGITS.fullmatch(decimals)):
        raise invalid
    if len(decimals) > 2:
        raise AmountError(_l("Enter at most two decimals."))
    try:
        return Decimal(f"{sign}{whole or '0'}.{decimals or '0'}")
    except InvalidOperation:
        raise invalid from None


class AmountField(DecimalField):
    """A money input: a text box that takes the viewer's decimal separator (see ``parse_amount``)."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        render_kw = {"inputmode": "decimal", "autocomplete": "off", **kwargs.pop("render_kw", {})}
        super().__init__(label, validators, places=2, render_kw=render_kw, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = parse_amount(valuelist[0])
        except AmountError as error:
            self.data = None
            raise ValueError(str(error.args[0])) from None

    def _value(self):
        if self.raw_data is not None:
            return self.raw_data[0] if self.raw_data else ""
        return format_amount(self.data)
