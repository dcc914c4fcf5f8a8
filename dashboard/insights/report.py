"""Turns the computed figures into the page's charts and tables, in the viewer's language.

Kept apart from ``metrics`` (which knows nothing of words or pictures) so that the CSV download and
the page draw from exactly the same table.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache, partial

from flask_babel import format_date, format_decimal, format_percent, format_timedelta, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.money import format_money
from dashboard.insights.charts import Chart, Column, Table, bar_chart, line_chart, pareto_chart
from dashboard.insights.metrics import Insights

CHANNEL_LABELS = {
    "survey": _l("Survey"),
    "api": _l("Other system"),
    "phone": _l("Phone"),
    "email": _l("E-mail"),
    "social": _l("Social media"),
    "chat": _l("Chat"),
    "web_form": _l("Web form"),
    "in_person": _l("In person"),
    "import": _l("Import"),
}

CHART_NAMES = (
    "channels",
    "daily",
    "reach-time",
    "compensation-by-category",
    "compensation-by-owner",
    "causes",
)


def channel_label(channel: str) -> str:
    return str(CHANNEL_LABELS.get(channel, channel))


@lru_cache(maxsize=8192)
def _formatted(formatter: Callable, value, pattern: str | None, locale: str) -> str:
    """``formatter(value, pattern)`` in ``locale``, worked out once: a year's chart and table
    format the same few hundred whole numbers, shares and days over and over."""
    return formatter(value, pattern)


def fmt_int(value, locale: str | None = None) -> str:
    return _formatted(format_decimal, round(value or 0), None, locale or str(get_locale()))


def fmt_day(day: date, pattern: str, locale: str | None = None) -> str:
    """A calendar day, through the cache (a datetime depends on the viewer's timezone too)."""
    if isinstance(day, datetime):
        return format_date(day, pattern)
    return _formatted(format_date, day, pattern, locale or str(get_locale()))


def fmt_money(value) -> str:
    return format_money(value or 0)


def fmt_share(value, locale: str | None = None) -> str:
    if value is None:
        return "—"
    return _formatted(format_percent, value, "#,##0%", locale or str(get_locale()))


def fmt_duration(seconds) -> str:
    if seconds is None:
        return "—"
    return format_timedelta(timedelta(seconds=seconds), threshold=1.5, add_direction=False)


def format_cell(value, kind: str, locale: str | None = None) -> str:
    """How a table cell reads on the page (the CSV keeps the raw value), in ``locale`` (the
    request's language unless told)."""
    if value is None:
        return "—"
    if kind == "int":
        return fmt_int(value, locale)
    if kind == "money":
        return fmt_money(value)
    if kind == "percent":
        return fmt_share(value, locale)
    if kind == "seconds":
        return fmt_duration(value)
    if kind == "date":
        return fmt_day(value, "medium", locale)
    return str(value)


def cell_writer() -> Callable[[object, str], str]:
    """``format_cell`` for this request's language, looked up once: a year's tables write ~1,200
    cells, and looking the language up was half of each (issue #16)."""
    return partial(format_cell, locale=str(get_locale()))


def _period_names() -> tuple[str, str]:
    return _("This period"), _("Previous period")


def build_charts(insights: Insights) -> dict[str, Chart]:
    """Every chart of the page, by its URL name, in a fixed order."""
    builders = {
        "channels": _channels,
        "daily": _daily,
        "reach-time": _reach_time,
        "compensation-by-category": _spend_chart(
            "category", _l("Compensation by cause"), _l("Category"), _l("Not categorised yet")
        ),
        "compensation-by-owner": _spend_chart(
            "owner", _l("Compensation by owner"), _l("Owner"), _l("No owner yet")
        ),
        "causes": _causes,
    }
    return {name: _named(name, builders[name](insights)) for name in CHART_NAMES}


@dataclass(frozen=True)
class Drawing:
    """What a chart's builder hands back: its words, its table, and ``draw(name, title,
    description)`` (a chart function with its data bound) for the SVG."""

    title: str
    description: str
    draw: Callable
    table: Table


def _drawing(title: str, description: str, table: Table, chart: Callable, **data) -> Drawing:
    """The drawing of ``chart`` (a ``charts`` function) with ``data``."""
    return Drawing(title, description, partial(chart, **data), table)


def _named(name: str, drawing: Drawing) -> Chart:
    """The chart whose SVG carries its own name, title and description (its id and accessible
    words): the three are written once, so they cannot drift apart."""
    title, description = drawing.title, drawing.description
    return Chart(name, title, description, drawing.draw(name, title, description), drawing.table)


def _period_bars(
    title: str,
    description: str,
    label_column: str,
    rows: list[tuple],
    kind: str,
    fmt: Callable,
    empty: str,
) -> Drawing:
    """Bars of this period next to the previous one; ``rows`` are (label, this, previous), and
    are the chart's table as they are."""
    current, previous = _period_names()
    series = [(current, [row[1] for row in rows]), (previous, [row[2] for row in rows])]
    labels = [row[0] for row in rows]
    table = Table([Column(label_column), Column(current, kind), Column(previous, kind)], rows)
    return _drawing(
        title, description, table, bar_chart, labels=labels, series=series, fmt=fmt, empty=empty
    )


def _channels(insights: Insights) -> Drawing:
    items = insights.heard.by_channel
    title = _("Complaints heard, by channel")
    description = _(
        "Complaints that reached us in this period: %(count)s; channels they came through: "
        "%(channels)s.",
        count=fmt_int(insights.heard.complaints.current),
        channels=len([item for item in items if item.current]),
    )
    return _period_bars(
        title,
        description,
        _("Channel"),
        [(channel_label(i.channel), i.current, i.previous) for i in items],
        "int",
        fmt_int,
        _("No complaints in this period or the one before."),
    )


def _daily(insights: Insights) -> Drawing:
    days = insights.heard.daily
    title = _("Complaints and low ratings per day")
    description = _(
        "Per day from %(start)s to %(end)s. Complaints opened: %(complaints)s; "
        "low ratings received: %(low)s.",
        start=format_date(insights.period.start_on, "medium"),
        end=format_date(insights.period.end_on, "medium"),
        complaints=fmt_int(sum(d.complaints for d in days)),
        low=fmt_int(sum(d.low_ratings for d in days)),
    )
    opened, low = _("Complaints opened"), _("Low ratings")
    table = Table(
        [Column(_("Day"), "date"), Column(opened, "int"), Column(low, "int")],
        [(d.day, d.complaints, d.low_ratings) for d in days],
    )
    locale = str(get_locale())  # looked up once: a year is 365 labels and 730 points
    labels = [fmt_day(d.day, "d MMM", locale) for d in days]
    series = [(opened, [d.complaints for d in days]), (low, [d.low_ratings for d in days])]
    fmt = partial(fmt_int, locale=locale)
    return _drawing(title, description, table, line_chart, labels=labels, series=series, fmt=fmt)


def _reach_time(insights: Insights) -> Drawing:
    reached = insights.reached
    title = _("Time to reach the client in person")
    description = _(
        "Median %(median)s and 90th percentile %(p90)s from the complaint to the first personal "
        "contact that reached the client.",
        median=fmt_duration(reached.median_seconds.current),
        p90=fmt_duration(reached.p90_seconds.current),
    )
    rows = [
        (_("Median"), reached.median_seconds.current, reached.median_seconds.previous),
        (_("90th percentile"), reached.p90_seconds.current, reached.p90_seconds.previous),
    ]
    return _period_bars(
        title,
        description,
        _("Measure"),
        rows,
        "seconds",
        fmt_duration,
        _("No client reached in person in this period or the one before yet."),
    )


def _spend_chart(spent: str, title, label, nobody) -> Callable[[Insights], Drawing]:
    """The builder of the bars of approved compensation per ``spent`` ("category", "owner")."""

    def build(insights: Insights) -> Drawing:
        description = _(
            "Approved compensation in this period: %(total)s in total.",
            total=fmt_money(insights.kept.compensation_total.current),
        )
        spends = getattr(insights.kept, f"compensation_by_{spent}")
        return _period_bars(
            str(title),
            description,
            str(label),
            [(s.label or str(nobody), s.current, s.previous) for s in spends],
            "money",
            fmt_money,
            _("No compensation approved in this period or the one before."),
        )

    return build


def _causes(insights: Insights) -> Drawing:
    causes = insights.causes
    labels = [c.category or _("Not categorised yet") for c in causes.pareto]
    title = _("Causes of complaints (Pareto)")
    description = _(
        "Complaints: %(count)s; causes: %(causes)s, largest first; the line is the cumulative "
        "share.",
        count=fmt_int(causes.total),
        causes=len(causes.pareto),
    )
    complaints, cumulative = _("Complaints"), _("Cumulative share")
    yes, no = _("yes"), _("no")
    table = Table(
        [
            Column(_("Category")),
            Column(complaints, "int"),
            Column(_("Share"), "percent"),
            Column(cumulative, "percent"),
            Column(_("Playbook")),
            Column(_("Previous period"), "int"),
        ],
        [
            (label, c.count, c.share, c.cumulative_share, yes if c.has_playbook else no, c.previous)
            for label, c in zip(labels, causes.pareto, strict=True)
        ],
    )
    return _drawing(
        title,
        description,
        table,
        pareto_chart,
        labels=labels,
        counts=[c.count for c in causes.pareto],
        cumulative=[c.cumulative_share for c in causes.pareto],
        names=(complaints, cumulative),
        fmt=fmt_int,
        fmt_share=fmt_share,
        empty=_("No complaints in this period."),
    )
