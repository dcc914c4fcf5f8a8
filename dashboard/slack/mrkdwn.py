"""People's text in Slack mrkdwn, shown exactly as typed: never a ping, a link, bold or a quote.

Slack's mrkdwn escapes ``&``, ``<`` and ``>`` (so a client named ``<!channel>`` pings nobody) but
has no escape for its formatting markers: a client named ``*Maria*`` showed bold, a summary
``~refund~ not _ever_ received`` struck through and in italics, a backtick started code, a line
starting with ``>`` became a quote. So, as jsx-slack does (its "about escape and exact mode"):

* a marker is written as the fallback of a date token with an invalid format,
  ``<!date^00000000^{_}|*>``, which Slack always shows as plain text;
* a ``&gt;`` that starts a line gets an invisible soft hyphen (U+00AD) before it (a token's
  fallback does not read entities, so ``&gt;`` cannot go in one); a full-width ``＞`` can, and does;
* in a link's label (``<url|label>``) a token cannot go either, so the markers become look-alikes
  (``∗ ˍ ˋ ∼``); so they do in a message's notification text (``notice``), which phones and screen
  readers show where Slack's documentation does not say a token's fallback is what they get. These
  are the two places where the text shown is not quite the text typed.

Only the markers Slack could read as formatting are escaped. Each costs 22 characters, and Slack
refuses a section over 3,000 (slack_sdk raises at build time: the message would be lost), so
escaping the ``_`` of every ``order_id_123`` and the ``*`` of ``2*3`` would clip people's text
many times sooner for nothing: Slack formats ``*``, ``_`` and ``~`` only at a word's edge
(``Super_cali_fragilistic`` stays as typed). A marker between two ASCII letters or digits therefore
stays as it is; next to anything else (a space, punctuation, the start or end of the text, which
may sit anywhere in a message, another marker, a letter of another script, which Slack might not
count as part of a word) it is escaped. Backticks are escaped wherever they are: nothing says
Slack's code spans keep to word edges. Emoji shortcodes keep their underscores (``:white_check_mark:``,
``:チェックマーク_緑:``), as Slack reads them as an emoji first.

Cutting: ``fit`` clips the *plain* text so that its escaped form stays within the room the block
gives it, then escapes; ``cut`` shortens built mrkdwn only where no token or entity is open.
Neither ever cuts an escape in half.
"""

import re

# The date token whose fallback Slack shows as plain text (the format ``{_}`` is invalid).
PLAIN_DATE = "<!date^00000000^{{_}}|{}>"
SOFT_HYPHEN = "\u00ad"
# Characters that format only at a word's edge; full-width ones as Slack reads them too.
EDGE_MARKERS = "*_~＊＿"
CODE_MARKERS = "`｀"
LOOK_ALIKES = str.maketrans(
    {"*": "∗", "＊": "﹡", "_": "ˍ", "＿": "⸏", "`": "ˋ", "｀": "ˋ", "~": "∼"}
)
# What one character can cost escaped, at most: clipping counts this, so the result always fits.
WORST = {"&": 5, "<": 4, ">": 4, "＞": len(PLAIN_DATE.format("＞"))} | dict.fromkeys(
    EDGE_MARKERS + CODE_MARKERS, len(PLAIN_DATE.format("*"))
)

_MARKER = re.compile(
    r":[\w+'-]+:"  # an emoji shortcode: its underscores are looked at apart
    rf"|[{CODE_MARKERS}]"
    rf"|(?<![A-Za-z0-9])[{EDGE_MARKERS}]"
    rf"|[{EDGE_MARKERS}](?![A-Za-z0-9])"
)
# Inside a shortcode, an underscore between two letters or digits (any script) is the emoji's.
_SHORTCODE_EDGE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")
_QUOTE = re.compile(rf"^([ \t]*{SOFT_HYPHEN}*)(?=&gt;)", re.MULTILINE)
_WIDE_QUOTE = re.compile(rf"^([ \t]*{SOFT_HYPHEN}*)＞", re.MULTILINE)


def entities(text: object) -> str:
    """Slack's three escapes only: for Huddle's own words and where a token cannot go."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _markers(text: str, write) -> str:
    def one(match: re.Match) -> str:
        found = match.group()
        if len(found) == 1:
            return write(found)
        return _SHORTCODE_EDGE.sub(lambda edge: write(edge.group()), found)

    return _MARKER.sub(one, text)


def _look_alikes(text: str) -> str:
    """The markers Slack could format as their look-alikes, where a token cannot go."""
    return _markers(text, lambda marker: marker.translate(LOOK_ALIKES))


def escape(text: object) -> str:
    """Text someone wrote, as mrkdwn that shows it exactly as typed (see the module's docstring)."""
    escaped = _markers(entities(text), PLAIN_DATE.format)
    if "&gt;" in escaped:  # checked first: a long digest escapes thousands of names
        escaped = _QUOTE.sub(rf"\g<1>{SOFT_HYPHEN}", escaped)
    if "＞" in escaped:
        escaped = _WIDE_QUOTE.sub(lambda match: match.group(1) + PLAIN_DATE.format("＞"), escaped)
    return escaped


def link_label(text: object) -> str:
    """Text for a link's label, where no token can go: look-alikes for the markers, and ``¦`` for
    the ``|`` that would end the URL."""
    found = _look_alikes(entities(text))
    return found.replace("|", "¦")


def notice(text: object, limit: int) -> str:
    """A message's notification and fallback text: clipped to ``limit`` characters before it is
    escaped, its markers as look-alikes (no token: a push notification or a screen reader might
    show the token itself), a quote's ``&gt;`` behind a soft hyphen. Look-alikes cost nothing, and
    an entity at most five: the result stays within five times ``limit``, never a cut escape."""
    shown = _look_alikes(entities(clip(text, limit)))
    return _QUOTE.sub(rf"\g<1>{SOFT_HYPHEN}", shown) if "&gt;" in shown else shown


def clip(text: object, limit: int) -> str:
    """One line of plain text of at most ``limit`` characters, "…" where it was cut."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def fit(text: object, chars: int, room: int) -> str:
    """``text`` escaped, as one line: at most ``chars`` of its characters and ``room`` characters
    once escaped (the block's share it may take). The plain text is clipped first, never the
    escaped one, so no token or entity is cut in half."""
    shown = clip(text, chars)
    escaped = escape(shown)
    return escaped if len(escaped) <= room else escape(_within(shown, room))


def fitting(text: object, chars: int, room: int) -> str:
    """What ``fit`` shows, as plain text: for a name set into a sentence that is escaped whole."""
    shown = clip(text, chars)
    return shown if len(escape(shown)) <= room else _within(shown, room)


def _within(shown: str, room: int) -> str:
    """The longest start of ``shown``, with "…", that fits ``room`` escaped, counting each
    character at the most it can cost (so it fits whatever its neighbours)."""
    budget, used, end = room - 2, 0, 0  # room for the "…" and a quote's soft hyphen
    for char in shown:
        used += WORST.get(char, 1)
        if used > budget:
            break
        end += 1
    return shown[:end] + "…"


def cut(mrkdwn: str, limit: int) -> str:
    """Built mrkdwn shortened to ``limit`` characters ("…" included) where no ``<…>`` (a link, a
    mention, a token) and no entity is left open. A safety net: the builders give each part of a
    block its room, so this cuts only what they did not foresee."""
    if len(mrkdwn) <= limit:
        return mrkdwn
    end = limit - 1
    opened = mrkdwn.rfind("<", 0, end)
    if opened > mrkdwn.rfind(">", 0, end):
        end = opened
    amp = mrkdwn.rfind("&", max(0, end - 5), end)
    if amp != -1 and ";" not in mrkdwn[amp:end]:
        end = amp
    return mrkdwn[:end] + "…"
