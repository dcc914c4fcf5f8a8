"""Issue #16: an agenda item's details are written once for their snapshot and kept
(``standup.kept_details``): a kept one is always what ``_item_refs.html`` writes for the same facts."""

import copy

import pytest
from flask import render_template, render_template_string

from core.i18n import speaking
from standup import kept_details as kept_module

ANA = {
    "id": 7,
    "client_name": "Ana Lima",
    "summary": "Parcel lost",
    "owner_name": "Rita",
    "owner_away": False,
    "due_at": "2025-03-04T10:00:00+00:00",
    "overdue": False,
    "age_days": 2,
}
FOLLOW_UPS = {"complaints": [ANA], "more": False}


def changed(**fields) -> dict:
    return {"complaints": [{**ANA, **fields}], "more": False}


# Each changes one thing the details show: (kind, refs, language, timezone)
CHANGES = {
    "client": ("follow_ups", changed(client_name="Ana Souza"), "en", "UTC"),
    "complaint id": ("follow_ups", changed(id=8), "en", "UTC"),
    "summary": ("follow_ups", changed(summary="Parcel lost twice"), "en", "UTC"),
    "owner": ("follow_ups", changed(owner_name="Bruno"), "en", "UTC"),
    "owner away": ("follow_ups", changed(owner_away=True), "en", "UTC"),
    "deadline": ("follow_ups", changed(due_at="2025-03-05T10:00:00+00:00"), "en", "UTC"),
    "overdue": ("follow_ups", changed(overdue=True), "en", "UTC"),
    "age": ("follow_ups", changed(age_days=3), "en", "UTC"),
    "more": ("follow_ups", {**FOLLOW_UPS, "more": True}, "en", "UTC"),
    "kind": (
        "overnight",
        {
            **FOLLOW_UPS,
            "complaints_opened": 1,
            "low_ratings": 0,
            "since": "2025-03-03T18:00:00+00:00",
        },
        "en",
        "UTC",
    ),
    "language": ("follow_ups", FOLLOW_UPS, "pt_BR", "UTC"),
    "timezone": ("follow_ups", FOLLOW_UPS, "en", "Asia/Tokyo"),
}
KEPT = (
    '{% macro item_refs(kind, refs) %}{% include "standup/_item_refs.html" %}{% endmacro %}'
    "{{ kept_item_details(kind, refs, item_refs) }}"
)


@pytest.fixture
def write(app):
    """(kept, fresh): the details through the kept ones, and written by the template itself."""
    with app.test_request_context("/standup/"):

        def both(kind, refs, locale="en", timezone="UTC"):
            with speaking(locale, timezone):
                kept = render_template_string(KEPT, kind=kind, refs=copy.deepcopy(refs))
                fresh = render_template("standup/_item_refs.html", kind=kind, refs=refs)
            return kept, fresh

        yield both


def test_kept_details_are_what_the_template_writes_for_each_change(write):
    kept_module._KEPT.clear()
    base, fresh = write("follow_ups", FOLLOW_UPS)
    assert base == fresh and "Ana Lima" in base and "/complaints/7" in base
    assert write("follow_ups", FOLLOW_UPS)[0] == base
    for change, (kind, refs, locale, timezone) in CHANGES.items():
        kept, fresh = write(kind, refs, locale, timezone)
        assert kept == fresh, change
        assert kept != base, change


def test_details_already_written_are_taken_from_the_kept_ones_which_are_bounded(write, monkeypatch):
    kept_module._KEPT.clear()
    first, _fresh = write("follow_ups", FOLLOW_UPS)
    [(key, html)] = kept_module._KEPT.items()
    kept_module._KEPT[key] = html.replace("Ana Lima", "Kept")
    assert "Kept" in write("follow_ups", FOLLOW_UPS)[0] and "Kept" not in first
    monkeypatch.setattr(kept_module, "DETAILS_KEPT", 3)
    kept_module._KEPT.clear()
    for number in range(8):
        kept, fresh = write("follow_ups", changed(id=number))
        assert kept == fresh
    assert len(kept_module._KEPT) <= 3


def test_client_words_in_kept_details_stay_escaped(write):
    kept_module._KEPT.clear()
    kept, _fresh = write("follow_ups", changed(client_name="<b>Ana</b>"))
    assert "&lt;b&gt;Ana&lt;/b&gt;" in kept and "<b>Ana" not in kept
    assert write("follow_ups", changed(client_name="<b>Ana</b>"))[0] == kept


def test_the_same_snapshot_under_another_kind_is_written_for_that_kind(write):
    kept_module._KEPT.clear()
    both = {**FOLLOW_UPS, "complaints_opened": 1, "low_ratings": 0, "since": ANA["due_at"]}
    follow_ups, overnight = write("follow_ups", both), write("overnight", both)
    assert follow_ups[0] == follow_ups[1] and overnight[0] == overnight[1]
    assert follow_ups[0] != overnight[0]
