"""Jinja filters and URL converters every feature's templates and routes may use.

They format values (instants, dates, durations) and parse URL parts; nothing here knows a feature.
"""

import re
from datetime import date, datetime, time

from flask import Flask
from flask_babel import format_date, format_time, get_locale
from markupsafe import Markup
from werkzeug.routing import BaseConverter, IntegerConverter, ValidationError

from core.i18n import (
    for_our_clients,
    format_day,
    format_heading_day,
    format_moment,
    language_name,
)
from core.inputs import MAX_ID, date_in_range
from core.kept_html import kept_navigation
from core.money import format_money
from core.timezones import timezone_place
from core.urls import id_url


class IdConverter(IntegerConverter):
    """Flask's ``int``, bounded to what an id column holds (2³¹-1): beyond is a 404, not a 500.

    Registered as ``int``, so every ``<int:...>`` route of every feature gets it. 0 still matches
    (a step's index starts there); as an id it is simply not found.
    """

    def __init__(self, map, min: int = 0, max: int = MAX_ID, **kwargs):
        super().__init__(map, min=min, max=max, **kwargs)


class IsoDateConverter(BaseConverter):
    """``YYYY-MM-DD`` in the URL, a ``date`` in the view; an impossible date is a 404, not a 500.

    So is a date near year 1 or 9999: pages look at the days and weeks around it, which overflow.
    """

    regex = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"

    def to_python(self, value: str) -> date:
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise ValidationError() from None
        if not date_in_range(day):
            raise ValidationError()
        return day

    def to_url(self, value) -> str:
        return value.isoformat() if isinstance(value, date) else str(value)


def from_iso(value: str | None) -> datetime | None:
    """ISO timestamps kept in JSON snapshots, back as datetimes for Babel's filters."""
    return datetime.fromisoformat(value) if value else None


def from_iso_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def epoch_ms(value: datetime) -> int:
    """Instants for the browser's clocks, as milliseconds since the epoch (no timezone to parse)."""
    return int(value.timestamp() * 1000)


def mmss(seconds) -> str:
    seconds = max(0, int(seconds or 0))
    return f"{seconds // 60}:{seconds % 60:02d}"


def spoken_day(value: date) -> str:
    """A day as people say it, weekday in full and no year, in the order and with the words the
    viewer's language uses: "Tuesday, December 1", "terça-feira, 1 de dezembro", "вторник, 1 декабря".

    The locale's own "MMMMEd" pattern with its weekday written out: a fixed pattern such as
    ``EEEE d MMMM`` drops the "de" Portuguese and Spanish need and puts English in the wrong order.
    """
    pattern = get_locale().datetime_skeletons["MMMMEd"].pattern
    return format_date(value, re.sub(r"E+|c+", lambda weekday: weekday[0][0] * 4, pattern))


def wall_clock(value: time) -> str:
    """A time of day as its own place's clock shows it (a team's stand-up time, next to the team's
    timezone), in the reader's language: never moved to the reader's timezone."""
    return format_time(value, "short", rebase=False)


def scroll_region(label: str) -> Markup:
    """The attributes of the box a wide table scrolls in on a phone: a keyboard reaches it with Tab
    and scrolls it with the arrow keys (WCAG 2.1.1, axe's scrollable-region-focusable: a box with
    no link in it could not be scrolled without a pointer), and a screen reader names it."""
    return Markup('class="table-scroll" tabindex="0" role="region" aria-label="{}"').format(label)


def bdi(text) -> Markup:
    """Text people typed (a client's name, a summary, a comment), isolated from the sentence or the
    digits around it: an Arabic or Hebrew name in an English line took its neighbours' parenthesis
    and number into its own direction ("Call مريم (3 days)"). ``<bdi>`` lets it keep its own
    direction and leaves left-to-right text as it was; nothing when there is no text."""
    return Markup("<bdi>%s</bdi>") % text if text else Markup()


def isolated(text) -> str:
    """``bdi`` where no markup can go (a page's ``<title>``, an SVG chart's label): the text between
    FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE, which the bidi algorithm treats alike."""
    return f"\u2068{text}\u2069" if text else ""


FILTERS = {
    "from_iso": from_iso,
    "from_iso_date": from_iso_date,
    "epoch_ms": epoch_ms,
    "mmss": mmss,
    "spoken_day": spoken_day,
    "wall_clock": wall_clock,
    "money": format_money,
    "language_name": language_name,
    "timezone_place": timezone_place,
    "bdi": bdi,
    "isolated": isolated,
    # The three date styles (``core.i18n``): use these, not ``dateformat``/``datetimeformat``.
    "day": format_day,
    "moment": format_moment,
    "heading_day": format_heading_day,
}


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["isodate"] = IsoDateConverter
    app.jinja_env.filters.update(FILTERS)
    app.jinja_env.globals["id_url"] = id_url
    app.jinja_env.globals["kept_navigation"] = kept_navigation
    app.jinja_env.globals["scroll_region"] = scroll_region
    app.jinja_env.globals["for_our_clients"] = for_our_clients
