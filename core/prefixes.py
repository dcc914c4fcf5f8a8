"""Prefix search from plain indexes: "starts with", in any letter case, as index ranges.

A trigram index (SQLite FTS5, PostgreSQL pg_trgm) needs three characters; a shorter query can still
be answered from a plain b-tree index when it means "starts with". The client directory searches
this way, and the complaint list does for queries under three characters.
"""

import sqlalchemy as sa


def starts_with(column, variants: set[str], lowered: str):
    """``column`` starts with ``lowered`` in one of the spellings it is likely stored in.

    Each spelling (``mar``, ``Mar``, ``MAR``) is one range (``>= 'Mar' AND < 'Mas'``) that the
    column's plain index answers, checked by a ``LIKE 'Mar%'`` on the few rows found (a linguistic
    collation lets other strings into a range). The check compares the spelling as typed, not
    ``lower()`` of the column: SQLite's ``lower()`` folds only ASCII, so Cyrillic or accented names
    would never match.
    """
    return sa.or_(
        *(
            sa.and_(column >= text, *_below(column, text), column.startswith(text, autoescape=True))
            for text in sorted(variants | {lowered})
        )
    )


def _below(column, text: str) -> list:
    """The range's upper end: the prefix with its last character raised by one (none after the
    last code point, where nothing can sort higher)."""
    last = ord(text[-1])
    return [column < text[:-1] + chr(last + 1)] if last < 0x10FFFF else []


def name_starts_with(column, q: str):
    """A person's name starts with ``q`` as people type it: ``ana``, ``Ana``, ``ANA``, ``Ana Li``."""
    lowered = q.lower()
    return starts_with(column, {q, lowered, q.capitalize(), q.title(), q.upper()}, lowered)
