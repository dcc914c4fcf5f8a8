"""Prefix search from plain indexes: "starts with", in any letter case, as index ranges.

A trigram index (SQLite FTS5, PostgreSQL pg_trgm) needs three characters; a shorter query can still
be answered from a plain b-tree index when it means "starts with". The client directory searches
this way, and the complaint list does for queries under three characters.
"""

import sqlalchemy as sa


def spellings(variants: set[str], lowered: str) -> list[str]:
    """The spellings ``starts_with`` looks for, in a fixed order."""
    return sorted(variants | {lowered})


def name_spellings(q: str) -> list[str]:
    """How a person's name starting with ``q`` is likely stored: ``ana``, ``Ana``, ``ANA``."""
    lowered = q.lower()
    return spellings({q, lowered, q.capitalize(), q.title(), q.upper()}, lowered)


def starts_with_spelling(column, text: str):
    """``column`` starts with ``text`` as stored: one range of its plain index, checked by LIKE."""
    return sa.and_(column >= text, *_below(column, text), column.startswith(text, autoescape=True))


def starts_with(column, variants: set[str], lowered: str):
    """``column`` starts with ``lowered`` in one of the spellings it is likely stored in.

    Each spelling (``mar``, ``Mar``, ``MAR``) is one range (``>= 'Mar' AND < 'Mas'``) that the
    column's plain index answers, checked by a ``LIKE 'Mar%'`` on the few rows found (a linguistic
    collation lets other strings into a range). The check compares the spelling as typed, not
    ``lower()`` of the column: SQLite's ``lower()`` folds only ASCII, so Cyrillic or accented names
    would never match.
    """
    return sa.or_(*(starts_with_spelling(column, text) for text in spellings(variants, lowered)))


def _below(column, text: str) -> list:
    """The range's upper end: the prefix with its last character raised by one (none after the
    last code point, where nothing can sort higher)."""
    last = ord(text[-1])
    return [column < text[:-1] + chr(last + 1)] if last < 0x10FFFF else []


def name_starts_with(column, q: str):
    """A person's name starts with ``q`` as people type it: ``ana``, ``Ana``, ``ANA``, ``Ana Li``."""
    return sa.or_(*(starts_with_spelling(column, text) for text in name_spellings(q)))
