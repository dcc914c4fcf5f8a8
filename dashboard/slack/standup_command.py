"""What ``/standup`` reads and says: the inline check-in's rule, its help, and the answer that
shows what was recorded.

The rule, simple enough for the help to state: a field starts with its word and a colon
(``yesterday:``, ``today:``, ``blockers:``, ``mood:``, or the person's language's words), at the
start of the text or right after a ``|``. Text before any such word is today's plan. A ``|`` that
no field's word follows is part of the text (a second thought, a link that holds one), and a
field named twice keeps both parts. Nothing typed is dropped: splitting at every ``|`` and keeping
one piece per field stored "refunds" of "today: refunds | follow up with Ana", and answered
"checked in". The answer lists what each field now holds, so text filed where the person did not
mean it is seen at once, not at the meeting.
"""

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from dashboard.slack.mrkdwn import entities, fit
from standup.models import CheckIn

# The words that start each field, in the language the person reads (the English ones are
# understood in every language). A translation may list several, separated by commas, as the
# blockers' does; they are matched in any case.
FIELD_WORDS = {
    "yesterday": _l("yesterday"),
    "today": _l("today"),
    "blockers": _l("blockers, blocker"),
    "mood": _l("mood"),
}
ENGLISH_WORDS = {
    "yesterday": "yesterday",
    "today": "today",
    "blockers": "blockers, blocker",
    "mood": "mood",
}
# Joins two parts of a field named twice, as a "|" joined them in what was typed.
PARTS_JOINED = " | "
# A field's word (letters, maybe several words: "что мешает") and its colon, at a piece's start.
_WORD = re.compile(r"\s*([^\W\d_]+(?:\s+[^\W\d_]+)*)\s*:")


# What asks for the help instead of checking in, besides "help" and "?" in any language.
HELP_WORDS = _l("help")


def asks_for_help(text: str) -> bool:
    """``help``, ``?`` or the word in the person's language ("помощь", "ajuda", "ayuda"): taken as
    today's plan, a Russian's "помощь" checked them in with it."""
    return text.casefold() in {"help", "?", *_words(str(HELP_WORDS))}


def _words(listed: str) -> list[str]:
    return [" ".join(word.split()).casefold() for word in listed.split(",") if word.strip()]


def field_of_word() -> dict[str, str]:
    """Each word understood, in English and in the language in force, with its field."""
    found = {}
    for words in (ENGLISH_WORDS, {field: str(text) for field, text in FIELD_WORDS.items()}):
        for field, listed in words.items():
            found.update(dict.fromkeys(_words(listed), field))
    return found


def parse_inline_check_in(text: str) -> dict[str, str]:
    """``yesterday: calls | today: refunds | follow up`` → {"yesterday": "calls", "today":
    "refunds | follow up"}, by the rule above."""
    fields_by_word = field_of_word()
    parts: list[list[str]] = []  # [field, text] in the order typed
    for piece in text.split("|"):
        match = _WORD.match(piece)
        field = match and fields_by_word.get(" ".join(match.group(1).split()).casefold())
        if field:
            parts.append([field, piece[match.end() :]])
        elif parts:
            parts[-1][1] += "|" + piece  # not a field's start: the text goes on, "|" and all
        else:
            parts.append(["today", piece])
    values: dict[str, str] = {}
    for field, said in parts:
        said = said.strip().strip("|").strip()  # a "|" left at an end separated nothing
        kept = values.get(field, "")
        values[field] = f"{kept}{PARTS_JOINED}{said}" if kept and said else kept or said
    return values


def usage() -> str:
    """What ``/standup help`` answers, as mrkdwn (its `code` is Huddle's): the form, the inline
    check-in and its rule, in the words of the language in force."""
    words = {field: _words(str(text))[0] for field, text in FIELD_WORDS.items()}
    return entities(
        _(
            "`/standup` opens the check-in form. Or check in at once: "
            "`/standup %(yesterday)s: … | %(today)s: … | %(blockers)s: … | %(mood)s: 🙂` "
            "(mood: 1 to 5 or 🙂 😐 😟). Text before the first of these words is today's plan. "
            "After a | that none of them follows, the text goes on in the same field, and a word "
            "given twice adds to its field.",
            **words,
        )
    )


def recorded(check_in: CheckIn) -> str:
    """The answer to an inline check-in, as mrkdwn: done, and what each field holds now, as typed
    (escaped: a ``*refunds*`` stays text), each at most 3,000 characters once escaped."""
    shown = (
        (_("Yesterday"), check_in.yesterday),
        (_("Today"), check_in.today),
        (_("Blockers"), check_in.blockers),
        (_("Mood"), f"{check_in.mood}/5" if check_in.mood else ""),
    )
    lines = [entities(_("✅ You are checked in for today's stand-up."))]
    lines += [
        _("%(field)s: %(text)s", field=entities(label), text=fit(text, 2000, 3000))
        for label, text in shown
        if text
    ]
    return "\n".join(lines)
