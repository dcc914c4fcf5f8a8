"""A check-in's "blockers" that say there are none, in any of Huddle's languages, are not blockers."""

import pytest

from standup.rules import is_blocker


@pytest.mark.parametrize(
    "text",
    [
        "",
        "  ",
        "None",
        "none.",
        "Nothing",
        "—",
        "-",
        "n/a",
        "Nada",
        "nenhum",
        "Ninguno",
        "Нет",
        "ничего",
    ],
)
def test_none_in_any_language_is_no_blocker(text):
    assert not is_blocker(text)


@pytest.mark.parametrize(
    "text", ["Waiting for the warehouse", "Нет доступа к CRM", "no VPN access"]
)
def test_a_real_blocker_counts(text):
    assert is_blocker(text)
