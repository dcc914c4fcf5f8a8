"""Cells for CSV exports that a spreadsheet shows as text and never runs as a formula (CSV injection).

A cell starting with ``= + - @`` (or tab / carriage return) is evaluated by Excel, LibreOffice and
Google Sheets. So is any *part* of a cell that the reader's locale splits off: pt, es and ru
spreadsheets separate cells with ``;`` and may re-split a cell at ``,`` or a tab, so
``Ana;=HYPERLINK(...)`` is harmless text in one locale and a live formula in another. Every such part
gets the apostrophe that tells a spreadsheet "text", not only the first character of the cell.
"""

import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A separator any locale may split a cell at, then (optionally) spaces, then a formula start.
_INNER_FORMULA = re.compile(r"([;,\t\r\n] *)(?=[=+\-@])")


def neutralise(value) -> str:
    """``value`` as text in which no cell or locale-split part of one can start a formula."""
    text = "" if value is None else str(value)
    text = _INNER_FORMULA.sub(r"\1'", text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
