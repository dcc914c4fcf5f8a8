"""The SVG charts and the CSV writer, as plain markup and text (no database needed)."""

import csv
import io
import re
from datetime import date
from decimal import Decimal

import pytest

from dashboard.insights.charts import (
    Column,
    Table,
    bar_chart,
    csv_text,
    line_chart,
    neutralise,
    pareto_chart,
)


def _rect_widths(svg: str) -> list[float]:
    return [float(w) for w in re.findall(r'<rect class="bar[^"]*"[^>]*width="([0-9.]+)"', svg)]


def test_bar_chart_is_accessible_and_has_no_inline_styles():
    svg = str(
        bar_chart(
            "demo",
            "Complaints <by> channel",
            "Phone leads",
            ["Phone", "<script>alert(1)</script>"],
            [("This period", [4, 2]), ("Previous", [1, 0])],
        )
    )
    assert svg.startswith('<svg class="chart" id="demo-svg"') and 'role="img"' in svg
    assert 'aria-labelledby="demo-title demo-desc"' in svg
    assert '<title id="demo-title">Complaints &lt;by&gt; channel</title>' in svg
    assert '<desc id="demo-desc">Phone leads</desc>' in svg
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "style=" not in svg
    widths = _rect_widths(svg)
    assert widths[0] == pytest.approx(390) and widths[2] == pytest.approx(195)  # 4 and 2 of max 4
    assert widths[1] == pytest.approx(97.5) and widths[3] == 0
    assert svg.count('class="bar series-0"') == 2 and svg.count('class="bar series-1"') == 2


def test_charts_without_data_say_so():
    for svg in (
        bar_chart("a", "T", "D", [], [("x", [])], empty="Nothing yet"),
        bar_chart("b", "T", "D", ["Phone"], [("x", [0])], empty="Nothing yet"),
        pareto_chart("c", "T", "D", [], [], [], empty="Nothing yet"),
        line_chart("d", "T", "D", [], [], empty="Nothing yet"),
    ):
        assert 'role="img"' in svg and "Nothing yet" in svg and "<rect" not in svg


def test_line_chart_draws_each_series_and_a_single_day():
    svg = str(
        line_chart(
            "l", "T", "D", ["1 Mar", "2 Mar", "3 Mar"], [("A", [0, 5, 10]), ("B", [1, 1, 1])]
        )
    )
    assert svg.count("<polyline") == 2 and svg.count("<circle") == 6
    points = re.search(r'class="line series-0" points="([^"]+)"', svg).group(1).split()
    ys = [float(p.split(",")[1]) for p in points]
    assert ys[0] > ys[1] > ys[2]  # higher values are drawn higher up
    single = str(line_chart("s", "T", "D", ["1 Mar"], [("A", [3])]))
    assert single.count("<circle") == 1 and "style=" not in single


def test_pareto_chart_bars_and_cumulative_line_reach_100_percent():
    svg = str(
        pareto_chart(
            "p", "Causes", "D", ["Late", "Billing", "Rude"], [5, 3, 2], [0.5, 0.8, 1.0],
            names=("Complaints", "Cumulative share"),
        )
    )  # fmt: skip
    assert svg.count('<rect class="bar series-0"') == 3
    heights = [
        float(h) for h in re.findall(r'<rect class="bar series-0"[^>]*height="([0-9.]+)"', svg)
    ]
    assert heights[0] > heights[1] > heights[2]
    points = re.search(r'class="line series-1" points="([^"]+)"', svg).group(1).split()
    assert float(points[-1].split(",")[1]) == pytest.approx(26)  # the top of the plot: 100 %
    assert "\u2068Late\u2069: 5 · 50%" in svg and "style=" not in svg  # the name isolated


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_neutralise_formula_starts(start):
    assert neutralise(f"{start}SUM(A1)") == f"'{start}SUM(A1)"
    assert neutralise(f"a{start}") == f"a{start}"


def test_csv_text_writes_raw_values_and_neutralises_text():
    table = Table(
        [
            Column("=Name"),
            Column("Day", "date"),
            Column("Count", "int"),
            Column("Share", "percent"),
            Column("Money", "money"),
            Column("Time", "seconds"),
        ],
        [
            ("@evil", date(2024, 3, 1), 3, 0.25, Decimal("1.5"), 3600.4),
            ("-ok", date(2024, 3, 2), -2, None, Decimal("-4.10"), None),
        ],
    )
    text = csv_text(table)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows == [
        ["'=Name", "Day", "Count", "Share", "Money", "Time"],
        ["'@evil", "2024-03-01", "3", "0.2500", "1.50", "3600"],
        ["'-ok", "2024-03-02", "-2", "", "-4.10", ""],
    ]


def test_csv_text_neutralises_a_formula_after_a_locales_separator():
    table = Table([Column("Category"), Column("Count", "int")], [("Late;=HYPERLINK(1)", 2)])
    rows = list(csv.reader(io.StringIO(csv_text(table).lstrip("\ufeff"))))
    assert rows[1] == ["Late;'=HYPERLINK(1)", "2"]


def _ticks(svg: str) -> dict[str, float]:
    """Each count's tick label (written by ``_count``) and the height it is drawn at."""
    found = re.findall(r'<text class="tick" [^>]*y="([0-9.]+)"[^>]*>(n[0-9.]+)<', svg)
    return {label: float(y) for y, label in found}


def _count(value) -> str:
    return f"n{value:g}"


def test_a_count_axis_labels_its_lines_where_their_whole_counts_are():
    """A line at 2.5 was labelled "2", and a Pareto's at 1.5 "2" too: fmt rounded the half."""
    svg = str(line_chart("l", "T", "D", ["1 Mar", "2 Mar"], [("A", [0, 5])], fmt=_count))
    ticks = _ticks(svg)
    assert set(ticks) == {"n0", "n2", "n5"}
    assert ticks["n2"] == pytest.approx(ticks["n0"] - (ticks["n0"] - ticks["n5"]) * 2 / 5)
    pareto = str(pareto_chart("p", "T", "D", ["A", "B"], [3, 1], [0.75, 1.0], fmt=_count))
    assert set(_ticks(pareto)) == {"n0", "n3"}  # nothing halfway up, where 1.5 was "2"


def test_a_bar_with_no_data_says_so_as_its_format_does():
    """The previous period's missing "time to reach" was drawn and labelled as "0 seconds"."""
    svg = str(bar_chart("b", "T", "D", ["Phone"], [("Now", [30]), ("Before", [None])],
                        fmt=lambda v: "—" if v is None else f"{v} s"))  # fmt: skip
    assert "\u2068Phone\u2069 · Before: —" in svg and "Before: 0 s" not in svg
