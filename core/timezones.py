"""Timezones as people choose them: a menu of places in the viewer's language, not codes.

``zoneinfo`` knows some 600 names, a third of them old aliases (``Brazil/East``, ``W-SU``), fixed
offsets whose sign reads backwards (``Etc/GMT+3`` is three hours *behind*) and files that are no
place at all (``localtime``, ``Factory``). A menu of them all, as codes, was what the set-up page
showed a new team first. The menu offers the places CLDR names (Babel's ``zone_territories``: one
IANA name per place, ~420 of them) plus ``UTC``, each as "(GMT-03:00) Brasil — São Paulo" in the
viewer's language, ordered by today's offset from UTC. Everything zoneinfo knows is still accepted
(``timezone_names``): a stored alias stays valid and keeps its place in its own form's menu.
"""

import functools
import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, available_timezones

from babel import Locale
from babel.core import get_global
from babel.dates import get_timezone_gmt, get_timezone_location, get_timezone_name
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.utils import unset_value
from wtforms.validators import ValidationError

NOWHERE = {"001", "ZZ"}  # CLDR's "world" and "unknown region": fixed offsets and POSIX rules
UTC_NAME = "UTC"
# The areas of the names a browser reports (ICU's), not "US/…" or "Brazil/…" style aliases.
AREAS = ("Africa/", "America/", "Antarctica/", "Asia/", "Atlantic/", "Australia/", "Europe/")
AREAS += ("Indian/", "Pacific/")


@functools.cache
def timezone_names() -> frozenset[str]:
    """Every timezone this machine knows: what a form accepts. Read once per process:
    ``zoneinfo.available_timezones()`` walks the timezone database's files on each call (21 ms),
    and the people page built a menu for each person (235 ms for 11)."""
    return frozenset(available_timezones())


@functools.cache
def _places() -> tuple[str, ...]:
    territories = get_global("zone_territories")
    known = timezone_names()
    return tuple(
        sorted(
            zone for zone, where in territories.items() if where not in NOWHERE and zone in known
        )
    )


@functools.cache
def browser_aliases() -> str:
    """JSON: the older name a browser may report for a place of the menu, and the menu's name.

    Chrome's ICU still says ``Asia/Calcutta``, ``Asia/Saigon`` or ``Europe/Kiev``, where the menu
    (and Firefox) says ``Asia/Kolkata``; huddle.js looks a guess up here when the menu lacks it.
    """
    places = set(_places())
    aliases = get_global("zone_aliases")
    return json.dumps(
        {
            old: new
            for old, new in sorted(aliases.items())
            if new in places and old.startswith(AREAS)
        },
        separators=(",", ":"),
    )


def timezone_choices(current: str | None = None) -> list[tuple[str, str]]:
    """The menu, ``(name, label)``, in the viewer's language; ``current`` (a stored value that is
    no place of the menu, such as an alias) is kept in it under its own name, so that saving the
    form unchanged does not change it."""
    menu, places = _menu(str(get_locale()), datetime.now(UTC).date())
    if current and current in timezone_names() and current not in places:
        return [(current, current), *menu]
    return list(menu)


def timezone_place(name: str | None) -> str:
    """A timezone as its place, "Brasil — São Paulo", in the viewer's language (its own name when
    it is no place the menu knows)."""
    if not name:
        return ""
    _, places = _menu(str(get_locale()), datetime.now(UTC).date())
    return places.get(name, name)


@functools.lru_cache(maxsize=16)
def _menu(locale: str, day) -> tuple[tuple[tuple[str, str], ...], dict[str, str]]:
    """The menu, and each name's place, built once a day per language (27 ms: Babel reads each
    place's names), as the offsets move with summer time."""
    language = Locale.parse(locale)
    noon = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    rows = []
    for zone in (UTC_NAME, *_places()):
        moment = noon.astimezone(ZoneInfo(zone))
        place = _place(zone, moment, language)
        label = f"({get_timezone_gmt(moment, locale=language)}) {place}"  # "(GMT-03:00) Brasil — …"
        rows.append((moment.utcoffset(), label, zone, place))
    rows.sort(key=lambda row: (row[0], row[1]))
    return tuple((zone, label) for _, label, zone, _ in rows), {row[2]: row[3] for row in rows}


def _place(zone: str, moment: datetime, language: Locale) -> str:
    """ "Brasil — São Paulo"; UTC by its name, "Всемирное координированное время"."""
    if zone == UTC_NAME:
        return get_timezone_name(moment, locale=language)
    where = get_global("zone_territories")[zone]
    city = get_timezone_location(moment.tzinfo, locale=language, return_city=True)
    country = language.territories.get(where, where)
    return country if city == country else f"{country} — {city}"  # "Ниуэ", not "Ниуэ — Ниуэ"


class TimezoneField(SelectField):
    """A timezone chosen from the menu. Any name zoneinfo knows is accepted, so a stored alias
    stays valid; anything else gets "Choose a timezone from the list." next to the field.
    ``blank``: the label of an empty choice, where none means the team's timezone."""

    def __init__(self, label=None, validators=None, blank=None, **kwargs):
        super().__init__(label, validators, choices=[], validate_choice=False, **kwargs)
        self.blank = blank
        self.guessed = False

    def process(self, formdata, data=unset_value, extra_filters=None):
        super().process(formdata, data, extra_filters)
        menu = timezone_choices(self.data)
        self.choices = [("", self.blank), *menu] if self.blank is not None else menu
        # Showing its default, not a stored or posted value: huddle.js may put the browser's
        # own timezone in its place (a new team's; nobody's choice is overwritten).
        self.guessed = data is unset_value and not formdata

    def __call__(self, **kwargs):
        if self.guessed:
            kwargs.setdefault("data-guess-timezone", browser_aliases())
        return super().__call__(**kwargs)

    def pre_validate(self, form):
        if self.data in timezone_names() or (not self.data and self.blank is not None):
            return
        raise ValidationError(_l("Choose a timezone from the list."))
