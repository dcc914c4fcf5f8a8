"""Which existing wishes look like the one being typed, so an agent adds a client instead of a duplicate.

Why this approach: every wish title is cut into normalised word tokens, stored one row per token in
``wish_tokens`` (indexed by token). A suggestion is one SQL statement: count, per wish, how many of the
typed tokens it shares (an indexed ``IN`` lookup and a ``GROUP BY``), then rank the best few dozen by
the Dice coefficient ``2·shared / (typed + wish tokens)`` so that long titles do not win by size
alone. It runs the same on SQLite and PostgreSQL, needs no extension (pg_trgm, full-text
configurations differ per language and are absent on SQLite) and no heavy library, and it stays fast
because only wishes sharing at least one word are ever read.

Normalising: case-folded, accents stripped (so "exportação" meets "exportacao"), words shorter than
three letters and the most common little words in our clients' languages dropped, and each word cut to
its first five letters, a crude stem that makes "report", "reports" and "reporting" meet, and often
the Portuguese, Spanish and English forms too ("export", "exportar").
"""

import re
import unicodedata

STEM_LENGTH = 5
MIN_WORD_LENGTH = 3
CANDIDATES = 40  # the most-overlapping wishes ranked in Python; bounded, whatever the table size
MIN_SCORE = 0.3

# The little words that say nothing about what a wish is, in English, Portuguese, Spanish and Russian.
STOPWORDS = frozenset(
    """
    the and for with from that this you your can could would should want wants need needs please
    able add into our not are was but all any have has more some when what which there their them
    they then than also just like make new get use using its via
    que para com uma por como mais dos das nos nas ser ter sem sua seu isso esta este pelo pela
    quer queria gostaria poder precisa precisam cliente clientes
    los las del una con por para como mas sus este esta ese esa quiere quieren puede poder
    что как для или это при без все его она они так уже нам нас вас нужно можно чтобы хотят хочет
    хотим клиент клиенты
    """.split()  # noqa: SIM905  (a word list reads better as text)
)

_WORD = re.compile(r"\w+", re.UNICODE)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokens(text: str | None) -> set[str]:
    """The normalised tokens of ``text`` (see the module docstring for why each step)."""
    if not text:
        return set()
    found = set()
    for word in _WORD.findall(_fold(text)):
        if len(word) < MIN_WORD_LENGTH or word.isdigit() or word in _FOLDED_STOPWORDS:
            continue
        found.add(word[:STEM_LENGTH])
    return found


def title_key(title: str) -> str:
    """The title with case, accents, punctuation and spacing folded away: an exact-duplicate check."""
    return " ".join(_WORD.findall(_fold(title)))


def dice(shared: int, typed: int, stored: int) -> float:
    if typed + stored == 0:
        return 0.0
    return 2 * shared / (typed + stored)


_FOLDED_STOPWORDS = frozenset(_fold(word) for word in STOPWORDS)
