"""The date styles are written from patterns and texts kept per language and timezone (issue
#16), exactly as Flask-Babel writes them: in each language, in the reader's timezone or a
``speaking`` block's, across DST."""

from datetime import UTC, date, datetime, timedelta

import pytest
from babel.dates import DateTimePattern
from flask_babel import format_date, format_time, get_locale

from core import i18n
from core.i18n import format_day, format_heading_day, format_moment, reads_the_clock_only, speaking

# Every 7 h 13 min for a week, then the same instants a day and a week on: the later rounds meet
# clock times the first already wrote (kept per hour and minute), across the DST changes.
FIRST = [datetime(2026, 3, 28, 23, 30, tzinfo=UTC) + timedelta(minutes=433 * n) for n in range(24)]
INSTANTS = [
    *FIRST,
    *(v + timedelta(days=1) for v in FIRST),
    *(v + timedelta(weeks=1) for v in FIRST),
]
VALUES = [*INSTANTS, INSTANTS[3].replace(tzinfo=None), date(2026, 2, 28), date(2026, 10, 25)]


def test_date_styles_write_what_flask_babel_writes(app):
    with app.test_request_context("/"):
        for language in ("en", "pt_BR", "es", "ru"):
            for timezone in (None, "America/Sao_Paulo", "Europe/Moscow", "Pacific/Chatham"):
                with speaking(language, timezone):
                    joined = get_locale().datetime_formats["medium"]
                    for value in VALUES:
                        day = format_date(value, "medium")
                        assert format_day(value) == day
                        assert format_heading_day(value) == format_date(value, "full")
                        if isinstance(value, datetime):
                            time = format_time(value, "short")
                            expected = joined.replace("{1}", day).replace("{0}", time)
                            assert format_moment(value) == expected, (language, timezone, value)


@pytest.mark.parametrize(
    ("pattern", "kept"),
    [
        ("HH:mm", True),
        ("h:mm a", True),
        ("'at' H:mm", True),
        ("HH:mm:ss", False),
        ("HH:mm z", False),
    ],
)
def test_a_clock_text_is_kept_only_when_the_hour_and_minute_decide_it(pattern, kept):
    assert reads_the_clock_only(pattern) is kept


def test_a_text_written_for_one_request_is_not_written_again_for_the_next(app, monkeypatch):
    """The texts are kept per language and timezone, not per request: a list's next reader meets
    its days and clock times already written. Another timezone writes its own."""
    monkeypatch.setattr(i18n, "_KEPT_STYLES", {})  # what earlier tests wrote is not kept here
    value = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)
    with app.test_request_context("/"), speaking("pt_BR", "America/Sao_Paulo"):
        first = format_moment(value)
    written = []
    original = DateTimePattern.apply
    monkeypatch.setattr(
        DateTimePattern, "apply", lambda *args, **kw: written.append(args) or original(*args, **kw)
    )
    with app.test_request_context("/"), speaking("pt_BR", "America/Sao_Paulo"):
        assert format_moment(value) == first
    assert written == []
    with app.test_request_context("/"), speaking("pt_BR", "Europe/Moscow"):
        assert format_moment(value) != first
    assert written  # Moscow's day and clock time were written afresh
