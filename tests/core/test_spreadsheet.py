"""CSV cells: no cell, and no part a locale's separator splits off, can start a formula (#12)."""

import pytest

from core.spreadsheet import neutralise


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_starting_with_a_formula_character_becomes_text(start):
    assert neutralise(f"{start}SUM(A1)") == f"'{start}SUM(A1)"


@pytest.mark.parametrize("separator", [";", ",", "\t", "\n", "; ", ",  "])
@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_a_part_after_any_locales_separator_becomes_text(separator, start):
    cell = f'Ana{separator}{start}HYPERLINK("http://evil")'
    assert neutralise(cell) == f'Ana{separator}\'{start}HYPERLINK("http://evil")'


def test_plain_text_and_empty_values_stay_as_they_are():
    assert neutralise("Calls; refunds, 3 - 2 = 1") == "Calls; refunds, 3 - 2 = 1"
    assert neutralise(None) == "" and neutralise(12) == "12"
    assert neutralise("=a;=b") == "'=a;'=b"
