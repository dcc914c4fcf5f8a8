"""Charts drawn on the server as inline SVG, each with the table behind it and a CSV of that table.

Why no chart library: the charts here are bars, lines and a Pareto chart, a few dozen shapes each.
Drawing them on the server keeps the page working without JavaScript, lets htmx swap a whole
section in one response, passes the Content Security Policy (no inline scripts or styles: colours
come from classes in ``insights.css``), and makes them testable as plain markup. Every SVG is
``role="img"`` with a ``<title>`` and ``<desc>`` so screen readers announce it, and every chart
carries the same numbers as an HTML table and a CSV download for those who need the figures.

Other packages reuse ``Column``, ``Table``, ``Chart``, ``bar_chart``, ``line_chart``,
``pareto_chart`` and ``csv_text``.
"""

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import wraps

from markupsafe import Markup, escape

from core.spreadsheet import neutralise
from core.templating import isolated

COLUMN_KINDS = ("text", "int", "money", "percent", "seconds", "date")

WIDTH = 640
MAX_LABEL = 22


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = "text"  # one of COLUMN_KINDS: how the table formats it and the CSV writes it


@dataclass(frozen=True)
class Table:
    columns: Sequence[Column]
    rows: Sequence[Sequence]


@dataclass(frozen=True)
class Chart:
    """One chart: its URL name (``/insights/<name>.csv``), words for people, the SVG and its data."""

    name: str
    title: str
    description: str
    svg: Markup
    table: Table


# --- CSV -------------------------------------------------------------------------------------


def csv_cell(value, kind: str) -> str:
    """Machine-readable values: ISO dates, plain decimals, shares as fractions, whole seconds."""
    if value is None:
        return ""
    if kind == "date" and isinstance(value, date):
        return value.isoformat()
    if kind == "money":
        return f"{Decimal(value):.2f}"
    if kind == "percent":
        return f"{float(value):.4f}"
    if kind in ("int", "seconds"):
        return str(round(value))
    return neutralise(str(value))


def csv_text(table: Table) -> str:
    """The table as CSV text (with a BOM so spreadsheet programs read accented names right)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(str(column.label)) for column in table.columns])
    for row in table.rows:
        writer.writerow(
            [csv_cell(value, column.kind) for value, column in zip(row, table.columns, strict=True)]
        )
    return "\ufeff" + out.getvalue()


# --- SVG helpers -----------------------------------------------------------------------------


def _number(value) -> str:
    """SVG coordinates: short and locale-independent."""
    return f"{float(value):.1f}".rstrip("0").rstrip(".")


def _short(label: str, limit: int = MAX_LABEL) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _svg(chart_id: str, title: str, description: str, height: float, body: list[str]) -> Markup:
    chart_id = escape(chart_id)
    # Safe: every piece of text that goes into ``body`` was passed through ``escape`` above.
    return Markup(  # noqa: S704
        f'<svg class="chart" id="{chart_id}-svg" viewBox="0 0 {WIDTH} {_number(height)}" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>' + "".join(body) + "</svg>"
    )


def _empty(chart_id: str, title: str, description: str, message: str) -> Markup:
    return _svg(
        chart_id,
        title,
        description,
        60,
        [
            f'<text class="chart-empty" x="{WIDTH / 2}" y="35" text-anchor="middle">'
            f"{escape(message)}</text>"
        ],
    )


def _legend(names: Sequence[str], y: float = 14) -> list[str]:
    parts, x = [], 0.0
    for index, name in enumerate(names):
        parts.append(
            f'<rect class="swatch series-{index}" x="{_number(x)}" y="{_number(y - 9)}" '
            f'width="10" height="10"></rect>'
            f'<text class="legend" x="{_number(x + 14)}" y="{_number(y)}">{escape(name)}</text>'
        )
        x += 24 + 7 * len(name)
    return parts


# --- the charts ------------------------------------------------------------------------------


Series = Sequence[tuple[str, Sequence]]  # (name, one value per label), e.g. this and last period


def _series_chart(plot: Callable) -> Callable:
    """A chart of named series over labels: ``chart(chart_id, title, description, labels,
    series, fmt=str, empty="")``. What every such chart shares is drawn here (the message when
    there is nothing to draw, the legend, the SVG with its words); ``plot(labels, series, fmt)``
    gives the height and the shapes of its own kind, or None when there is nothing to draw."""

    @wraps(plot)
    def chart(
        chart_id: str,
        title: str,
        description: str,
        labels: Sequence[str],
        series: Series,
        fmt: Callable = str,
        empty: str = "",
    ) -> Markup:
        drawn = plot(labels, series, fmt) if labels else None
        if drawn is None:
            return _empty(chart_id, title, description, empty)
        height, body = drawn
        legend = _legend([name for name, _ in series])
        return _svg(chart_id, title, description, height, legend + body)

    return chart


@_series_chart
def bar_chart(labels: Sequence[str], series: Series, fmt: Callable):
    """Horizontal bars, one group per label and one bar per series (e.g. this and last period)."""
    values = [float(v or 0) for _, vs in series for v in vs]
    if not any(values):
        return None
    label_width, value_width, bar, gap, top = 170.0, 80.0, 12.0, 10.0, 26.0
    plot = WIDTH - label_width - value_width
    biggest = max(values) or 1.0
    group = bar * len(series) + 2 * (len(series) - 1) + gap
    body = []
    for row, label in enumerate(labels):
        y = top + row * group
        body.append(
            f'<text class="label" x="{_number(label_width - 8)}" '
            f'y="{_number(y + (group - gap) / 2 + 4)}" text-anchor="end">'
            f"<title>{escape(isolated(label))}</title>{escape(isolated(_short(label)))}</text>"
        )
        for index, (name, series_values) in enumerate(series):
            value = series_values[row]  # None: no data, said as its format says it ("—")
            width = plot * float(value or 0) / biggest
            bar_y = y + index * (bar + 2)
            body.append(
                f'<rect class="bar series-{index}" x="{_number(label_width)}" y="{_number(bar_y)}" '
                f'width="{_number(width)}" height="{_number(bar)}">'
                f"<title>{escape(isolated(label))} · {escape(name)}: {escape(fmt(value))}</title></rect>"
                f'<text class="value" x="{_number(label_width + width + 4)}" '
                f'y="{_number(bar_y + bar - 2)}">{escape(fmt(value))}</text>'
            )
    return top + len(labels) * group, body


@_series_chart
def line_chart(x_labels: Sequence[str], series: Series, fmt: Callable):
    """One line per series over ``x_labels`` (e.g. days), with its y scale starting at zero."""
    left, right, top, bottom, height = 44.0, 12.0, 26.0, 28.0, 240.0
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    biggest = max([float(v or 0) for _, vs in series for v in vs] + [1.0])
    count = len(x_labels)

    def x_at(i: int) -> float:
        return left + (plot_w / 2 if count == 1 else plot_w * i / (count - 1))

    def y_at(value) -> float:
        return top + plot_h - plot_h * float(value or 0) / biggest

    body = [
        f'<line class="axis" x1="{_number(left)}" y1="{_number(top + plot_h)}" '
        f'x2="{_number(WIDTH - right)}" y2="{_number(top + plot_h)}"></line>'
    ]
    # Counts: the middle line where its whole number is (a half, 2.5, was labelled "2")
    for tick in sorted({0.0, float(biggest // 2), biggest}):
        body.append(
            f'<line class="grid" x1="{_number(left)}" y1="{_number(y_at(tick))}" '
            f'x2="{_number(WIDTH - right)}" y2="{_number(y_at(tick))}"></line>'
            f'<text class="tick" x="{_number(left - 6)}" y="{_number(y_at(tick) + 4)}" '
            f'text-anchor="end">{escape(fmt(tick))}</text>'
        )
    for i in sorted({0, count // 2, count - 1}):
        anchor = (
            "start" if i == 0 and count > 1 else "end" if i == count - 1 and count > 1 else "middle"
        )
        body.append(
            f'<text class="tick" x="{_number(x_at(i))}" y="{_number(height - 8)}" '
            f'text-anchor="{anchor}">{escape(x_labels[i])}</text>'
        )
    for index, (name, values) in enumerate(series):
        points = " ".join(f"{_number(x_at(i))},{_number(y_at(v))}" for i, v in enumerate(values))
        body.append(f'<polyline class="line series-{index}" points="{points}"></polyline>')
        for i, value in enumerate(values):
            body.append(
                f'<circle class="dot series-{index}" cx="{_number(x_at(i))}" '
                f'cy="{_number(y_at(value))}" r="2.5"><title>{escape(x_labels[i])} · '
                f"{escape(name)}: {escape(fmt(value))}</title></circle>"
            )
    return height, body


def pareto_chart(
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    counts: Sequence[int],
    cumulative: Sequence[float],
    names: tuple[str, str] = ("", ""),
    fmt: Callable = str,
    fmt_share: Callable = lambda share: f"{share:.0%}",
    empty: str = "",
) -> Markup:
    """Bars sorted largest first with the cumulative share as a line on a 0–100 % right axis.

    The few causes behind most complaints stand out at the left; that is where a playbook helps.
    """
    if not labels:
        return _empty(chart_id, title, description, empty)
    left, right, top, bottom, height = 44.0, 48.0, 26.0, 84.0, 300.0
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    biggest = max([float(c) for c in counts] + [1.0])
    slot = plot_w / len(labels)
    bar_width = max(2.0, slot * 0.7)
    base_y = top + plot_h
    body = _legend(list(names))
    body.append(
        f'<line class="axis" x1="{_number(left)}" y1="{_number(base_y)}" '
        f'x2="{_number(WIDTH - right)}" y2="{_number(base_y)}"></line>'
    )
    for tick in (0.0, 0.5, 1.0):
        y = base_y - plot_h * tick
        body.append(
            f'<line class="grid" x1="{_number(left)}" y1="{_number(y)}" '
            f'x2="{_number(WIDTH - right)}" y2="{_number(y)}"></line>'
            f'<text class="tick" x="{_number(left - 6)}" y="{_number(y + 4)}" text-anchor="end">'
            # a count's label only where the line is at a whole count (1.5 was labelled "2")
            f"{escape(fmt(biggest * tick)) if (biggest * tick).is_integer() else ''}</text>"
            f'<text class="tick" x="{_number(WIDTH - right + 6)}" y="{_number(y + 4)}">'
            f"{escape(fmt_share(tick))}</text>"
        )
    points = []
    for i, (label, count, share) in enumerate(zip(labels, counts, cumulative, strict=True)):
        center = left + slot * i + slot / 2
        bar_height = plot_h * float(count) / biggest
        body.append(
            f'<rect class="bar series-0" x="{_number(center - bar_width / 2)}" '
            f'y="{_number(base_y - bar_height)}" width="{_number(bar_width)}" '
            f'height="{_number(bar_height)}"><title>{escape(isolated(label))}: {escape(fmt(count))} · '
            f"{escape(fmt_share(share))}</title></rect>"
            f'<text class="label" x="{_number(center)}" y="{_number(base_y + 12)}" '
            f'text-anchor="end" transform="rotate(-40 {_number(center)} {_number(base_y + 12)})">'
            f"<title>{escape(isolated(label))}</title>{escape(isolated(_short(label, 16)))}</text>"
        )
        points.append((center, base_y - plot_h * float(share), label, share))
    body.append(
        '<polyline class="line series-1" points="'
        + " ".join(f"{_number(x)},{_number(y)}" for x, y, _, _ in points)
        + '"></polyline>'
    )
    for x, y, label, share in points:
        body.append(
            f'<circle class="dot series-1" cx="{_number(x)}" cy="{_number(y)}" r="3">'
            f"<title>{escape(isolated(label))}: {escape(fmt_share(share))}</title></circle>"
        )
    return _svg(chart_id, title, description, height, body)
