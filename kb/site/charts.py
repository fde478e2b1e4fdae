"""Charts as static SVG, drawn at build time with matplotlib, plus their data tables.

Each chart is drawn once. Pages show it inline (`inline_svg`), its text and axes
in `currentColor`: the page's own text colour, so one drawing reads on Material's
light and dark schemes, follows the reader's toggle (`data-md-color-scheme`) and
`prefers-color-scheme` when the palette follows it, and stays dark-on-light on a
site with no palette at all. (An `<img>` cannot see the page's scheme, and the
`#only-light`/`#only-dark` pair showed both copies on a site without a palette.)
The SVG file is also written beside the page. Backgrounds are transparent and the
series colours come from the Okabe-Ito palette, which stays distinct for
colour-blind readers and on both schemes. Under every chart the numbers follow as
a table, so people who cannot see the chart still get the data.

Every chart says its unit on the y axis (and "log scale" when it is one), marks a
period that is not over yet as partial, and an empty chart says "No incidents"
instead of drawing an empty axis. Distributions (`kind="strip"`)
show every value as a point (a busy period as a box of its middle half and a line over its
range), the median as a bar, the 90th percentile as a dashed bar where the series has one,
and each period's n just above the axis.
"""

from __future__ import annotations

import hashlib
import html
import io
import math
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from kb.site.barsvg import bar_svg
from kb.site.fragments import slot
from kb.site.md import DASH, esc
from kb.site.svgstyle import shared_styles

Kind = Literal["stacked", "bars", "lines", "strip"]

INK_LIGHT = "#333333"  # text and axes on the light scheme
GRID = "#8c8c8c"
PALETTE = (
    "#0072b2",  # blue
    "#e69f00",  # orange
    "#009e73",  # green
    "#cc79a7",  # pink
    "#56b4e9",  # sky blue
    "#d55e00",  # vermillion
    "#f0e442",  # yellow
    "#999999",  # grey
)
SEVERITY_COLOURS = ("#d55e00", "#e69f00", "#56b4e9", "#009e73", "#cc79a7")


@dataclass(frozen=True)
class Chart:
    """What to draw: named series over periods, and where the SVG goes."""

    uri: str  # docs-relative path of the light SVG, e.g. trends/per-month.svg
    title: str
    kind: Kind
    periods: list[str]
    series: dict[str, list[float | None]]
    unit: str = "incidents"
    colours: tuple[str, ...] = PALETTE
    dashed: frozenset[str] = field(default_factory=frozenset)  # series drawn with dashes
    labels: dict[str, str] = field(default_factory=dict)  # series name -> legend text
    log_scale: bool = False
    partial: bool = False  # the last period is not over yet
    # kind "strip": every value per period (the series then hold median and p90)
    points: tuple[tuple[float, ...], ...] = ()
    n: tuple[int, ...] = ()  # kind "strip": values per period
    # kind "strip": a busy period's (lowest, first quartile, third quartile, highest) drawn as
    # a box and a line instead of its points (None: the period shows points)
    boxes: tuple[tuple[float, float, float, float] | None, ...] = ()
    empty_text: str = "No incidents"  # said instead of an axis when there is nothing to draw

    @property
    def slot(self) -> str:
        """The name of the page slot the chart is shown in."""
        return "chart-" + hashlib.sha1(self.uri.encode()).hexdigest()[:12]

    @property
    def is_empty(self) -> bool:
        """Nothing to draw: every value zero or unknown, and no points."""
        return (
            not any(p for p in self.points)
            and not any(self.boxes)
            and not any(v for values in self.series.values() for v in values)
        )

    def tick_labels(self) -> list[str]:
        """The x labels: the periods, the last marked partial when it is not over."""
        last = len(self.periods) - 1
        return [
            p + ("\npartial" if self.partial and i == last else "")
            for i, p in enumerate(self.periods)
        ]

    def axis_label(self) -> str:
        """The y axis' label: the unit, and whether the scale is logarithmic."""
        unit = "duration" if self.unit == "hours" else self.unit
        return f"{unit} (log scale)" if self.log_scale else unit

    def label(self, name: str) -> str:
        """Legend text of a series."""
        return self.labels.get(name, name)


Rows = list[list[str]]


def figure(
    chart: Chart,
    src: str,
    *,
    number_format: str = "{:g}",
    data: tuple[list[str], Rows] | None = None,
) -> str:
    """Markdown for a chart on page `src`: its slot (the SVG, filled in after rendering),
    then its numbers as a table.

    The table is plain text in a <details> block under the chart; `data` replaces the
    default one (a row per period, a column per series) with (header, rows).
    """
    if data is None:
        head = ["Period"] + [chart.label(n) for n in chart.series]
        rows = [
            [period + (" (partial)" if chart.partial and i == len(chart.periods) - 1 else "")]
            + [DASH if v[i] is None else number_format.format(v[i]) for v in chart.series.values()]
            for i, period in enumerate(chart.periods)
        ]
    else:
        head, rows = data
    return (
        slot(chart.slot)
        + f"*{esc(chart.title)}.*\n\n"
        + html_table(head, rows, f"The numbers: {chart.title}")
        + "\n"
    )


_IDS = re.compile(r'(\bid="|xlink:href="#|href="#|url\(#)([^")]+)')
_GROUP_IDS = re.compile(r'<g id="[^"]*">')
_NO_TURN = re.compile(r' transform="rotate\(-0 [^"]*\)"')
_LONE_GROUP = re.compile(r"<g>(<[^<>]*/>)</g>")
_BETWEEN = re.compile(r">\s+<")
_FONTS = re.compile(r"font-family: [^;\"]+")
_DIGITS = re.compile(r"(\d\.\d\d)\d+")
_PATH_DATA = re.compile(r' d="([^"]*)"')
_COMMAND = re.compile(r" ?([MLHVCSQTAZmlhvcsqtaz]) ?")
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.S)
_SIZE = re.compile(r'<svg([^>]*?) width="[^"]*" height="[^"]*"')


def _tight_path(data: re.Match[str]) -> str:
    return ' d="' + _COMMAND.sub(r"\1", data.group(1)).strip() + '"'


def inline_svg(svg: str, chart: Chart) -> str:
    """A drawn chart as markup inside a page: ink in the page's text colour, ids unique
    to the chart, scaled to the column, its style rules kept to itself."""
    start = svg.find("<svg")
    body = svg[start:] if start >= 0 else svg
    prefix = chart.slot
    body = _GROUP_IDS.sub("<g>", body)  # matplotlib names every group; nothing refers to them
    body = _IDS.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", body)
    body = body.replace(INK_LIGHT, "currentColor")
    # matplotlib's one rule is `*{...}`: within a page it would reach every element.
    body = body.replace("*{", f"#{prefix}-svg *{{", 1)
    title = html.escape(chart.title)
    body = _SIZE.sub(
        f'<svg\\1 id="{prefix}-svg" class="kb-chart" role="img" aria-label="{title}" '
        'style="width:100%;height:auto;max-width:48rem"',
        body,
        count=1,
    )
    body = _METADATA.sub("", body, count=1)
    # Inline, the text takes the page's font, and coordinates need no micro-pixel precision:
    # together a third of the markup.
    body = _FONTS.sub("font-family: inherit", body)
    body = _DIGITS.sub(r"\1", body)
    body = _BETWEEN.sub("><", body)
    body = _NO_TURN.sub("", body).replace(" \n", " ").replace("\n", " ")
    body = _LONE_GROUP.sub(r"\1", body)  # a group without attributes around one element
    # A path's commands need no spaces around them: "M0 244.8L576 244.8z".
    body = _PATH_DATA.sub(_tight_path, body)
    body = shared_styles(body, f"{prefix}-svg")  # a quarter of what is left
    # A div, not a figure: Material centres a figure at its content's width, which an
    # SVG sized by its column does not have.
    return f'<div class="kb-figure" data-pagefind-ignore="all">{body.strip()}</div>\n'


def html_table(head: list[str], rows: Rows, summary: str) -> str:
    """A collapsed <details> block holding a plain-text table (every cell escaped)."""
    th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>\n"
        for row in rows
    )
    return (
        f'<details class="kb-data">\n<summary>{html.escape(summary)}</summary>\n'
        f"<table>\n<thead><tr>{th}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>\n"
        "</details>\n"
    )


def render_svg(chart: Chart) -> str:
    """Draw the chart for the light scheme; returns the SVG text."""
    return Painter().svg(chart)


class Painter:
    """Draws charts one after another, each as the light scheme's SVG.

    Bar charts of one shape (the same periods, series, unit and colours: every
    category's incidents per quarter) differ only in their title and bar heights.
    For those the painter keeps the previous chart's figure and changes just
    that, which skips building the axes, ticks and legend again (about half the
    time of a small chart); the SVG is the same as a fresh drawing's.
    """

    def __init__(self) -> None:
        self._kept: tuple[tuple[Any, ...], Any, Any, list[Any]] | None = None

    def svg(self, chart: Chart) -> str:
        """The chart's SVG text."""
        if chart.kind == "bars" and len(chart.series) == 1 and chart.unit != "hours":
            # A category's or service's incidents per quarter: written directly (barsvg).
            (values,) = chart.series.values()
            return bar_svg(
                chart.title,
                chart.periods,
                chart.tick_labels(),
                [v or 0.0 for v in values],
                unit=chart.axis_label(),
                colour=chart.colours[0],
                ink=INK_LIGHT,
                grid=GRID,
                partial=chart.partial,
                empty_text=chart.empty_text,
            )
        shape = _shape(chart)
        if self._kept is not None and shape is not None and self._kept[0] == shape:
            _, fig, ax, bars = self._kept
            _restyle(chart, ax, bars)
        else:
            fig, ax, bars = _draw(chart)
            self._kept = (shape, fig, ax, bars) if shape is not None else None
        out = io.StringIO()
        fig.savefig(out, format="svg", transparent=True, metadata={"Date": None})
        return out.getvalue()


def _shape(chart: Chart) -> tuple[Any, ...] | None:
    """What a bar chart's figure depends on besides its title and heights (None: redraw)."""
    if chart.kind != "bars" or chart.log_scale or chart.unit == "hours" or chart.is_empty:
        return None
    return (
        chart.partial,
        tuple(chart.periods),
        tuple(chart.series),
        chart.unit,
        chart.colours,
        tuple(sorted(chart.labels.items())),
    )


def _restyle(chart: Chart, ax: Any, bars: list[Any]) -> None:
    """Give a kept bar chart's figure another chart's title and heights."""
    for container, values in zip(bars, chart.series.values(), strict=True):
        for rect, value in zip(container.patches, values, strict=True):
            rect.set_height(value or 0.0)
    _title(ax, chart)
    # The y range as a fresh drawing finds it: autoscaled to the bars, from 0.
    ax.set_autoscaley_on(True)
    ax.relim()
    ax.autoscale_view(scalex=False)
    ax.set_ylim(bottom=0)


def _title(ax: Any, chart: Chart) -> None:
    # A fixed y: matplotlib otherwise measures every tick label to place the title (a fifth
    # of the drawing time), and nothing is drawn above the axes here.
    ax.set_title(chart.title, loc="left", fontsize=11, color=INK_LIGHT, y=1.0)


def _draw(chart: Chart) -> tuple[Any, Any, list[Any]]:
    """A new figure with the chart drawn on it: (figure, axes, bar containers)."""
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator

    matplotlib.rcParams.update(
        {
            "svg.fonttype": "none",  # real <text>: smaller files, searchable, crisp
            "svg.hashsalt": "kb",  # stable ids, so rebuilds give identical files
            "font.family": "sans-serif",
            "font.size": 10,
            "text.color": INK_LIGHT,
            "axes.edgecolor": INK_LIGHT,
            "axes.labelcolor": INK_LIGHT,
            "xtick.color": INK_LIGHT,
            "ytick.color": INK_LIGHT,
            "legend.frameon": False,
        }
    )
    # Fixed margins: constrained layout would measure every label and double the cost.
    names = list(chart.series)
    fig = Figure(figsize=(8, 3.4))
    bars = []
    legend = len(names) > 1 or chart.kind == "strip"
    left = 0.12 if chart.unit == "hours" else 0.08  # room for tick labels like "30 min"
    labels = [chart.label(n) for n in names] + list(_STRIP_LABELS if chart.kind == "strip" else ())
    right = _right_of_axes(labels) if legend else 0.97
    fig.subplots_adjust(left=left, right=right, bottom=0.16, top=0.88)
    ax = fig.subplots()
    x = list(range(len(chart.periods)))
    colour = {n: chart.colours[i % len(chart.colours)] for i, n in enumerate(names)}
    if chart.kind == "stacked":
        bottom = [0.0] * len(x)
        for name in names:
            values = [v or 0.0 for v in chart.series[name]]
            # Empty segments are not drawn: a stacked month of four severities is mostly zeros.
            kept = [i for i in x if values[i]]
            ax.bar(
                kept,
                [values[i] for i in kept],
                bottom=[bottom[i] for i in kept],
                color=colour[name],
                label=chart.label(name),
                width=0.8,
            )
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    elif chart.kind == "bars":
        width = 0.8 / max(1, len(names))
        for k, name in enumerate(names):
            offset = (k - (len(names) - 1) / 2) * width
            values = [v or 0.0 for v in chart.series[name]]
            bars.append(
                ax.bar(
                    [i + offset for i in x],
                    values,
                    width=width,
                    color=colour[name],
                    label=chart.label(name),
                )
            )
    elif chart.kind == "strip":
        _strip(ax, chart, colour)
    else:
        for name in names:
            values = [math.nan if v is None else v for v in chart.series[name]]
            ax.plot(
                x,
                values,
                color=colour[name],
                marker="o",
                markersize=4,
                linestyle="--" if name in chart.dashed else "-",
                label=chart.label(name),
            )
    if chart.partial and chart.kind in ("bars", "stacked"):
        for patch in ax.patches:  # the period not over yet: hatched, paler
            if patch.get_x() + patch.get_width() / 2 > len(x) - 1.5:  # type: ignore[attr-defined]
                patch.set_hatch("///")
                patch.set_alpha(0.55)
    if chart.is_empty:
        ax.set_yticks([])
        ax.text(
            0.5,
            0.5,
            chart.empty_text,
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=12,
            color=INK_LIGHT,
        )
    elif chart.log_scale:
        ax.set_yscale("log")
    elif chart.kind not in ("lines", "strip") or all(
        v is None or v >= 0 for s in chart.series.values() for v in s
    ):
        ax.set_ylim(bottom=0)
        if chart.unit == "incidents" or chart.kind != "lines":
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    _title(ax, chart)
    ax.set_ylabel(chart.axis_label())
    step = max(1, math.ceil(len(x) / 8))  # labels like 2025-Q1 need room: at most 8
    labels = chart.tick_labels()
    shown = x[::-1][::step][::-1]  # counted from the end: the latest period is labelled
    ax.set_xticks(shown, [labels[i] for i in shown])
    if chart.kind == "strip":  # n of every period, labelled or not, just above the axis
        for i, _ in enumerate(chart.points):
            n = chart.n[i] if i < len(chart.n) else len(chart.points[i])
            ax.text(
                i,
                0.02,
                f"n={n}",
                transform=ax.get_xaxis_transform(),
                ha="center",
                va="bottom",
                fontsize=8,
                color=INK_LIGHT,
            )
    if chart.unit == "hours" and not chart.is_empty:
        _hour_ticks(ax, chart, FixedLocator, FuncFormatter)
    ax.set_xlim(-0.6, len(x) - 0.4)
    ax.grid(axis="y", color=GRID, alpha=0.35, linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if (len(names) > 1 or chart.kind == "strip") and not chart.is_empty:
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9)
    return fig, ax, bars


_POINT_LABEL, _BOX_LABEL = "one incident", "middle half, and range"  # a strip chart's legend
_STRIP_LABELS = (_POINT_LABEL, _BOX_LABEL)
_LEGEND_INCH_PER_CHAR = 0.075  # a character at 9 pt, with room for wider fonts than matplotlib's


def _right_of_axes(labels: list[str]) -> float:
    """Where the axes end (a share of the 8-inch figure) so that the legend to their right
    holds its longest label. The text takes the page's font once in the browser, so an
    estimate with room to spare serves as well as measuring it here would."""
    needed = 0.5 + _LEGEND_INCH_PER_CHAR * max(map(len, labels))  # the sample line, then text
    return min(0.80, 0.99 - needed / 8)


def _strip(ax: Any, chart: Chart, colour: dict[str, str]) -> None:
    """Each period's values as points (or, when busy, a box and a line), and its median and
    p90 as bars where the series have them (kb.trends leaves out a p90 of too few values)."""
    xs, ys = [], []
    for i, values in enumerate(chart.points):
        n = len(values)
        for k, value in enumerate(values):
            # Spread the points evenly across the period's slot: no random jitter, so a
            # rebuild draws the same file.
            xs.append(i + (0.0 if n == 1 else -0.28 + 0.56 * k / (n - 1)))
            ys.append(value)
    if xs:
        ax.scatter(xs, ys, s=14, color=PALETTE[7], alpha=0.8, label=_POINT_LABEL, zorder=2)
    boxed = [(i, b) for i, b in enumerate(chart.boxes) if b is not None]
    for k, (i, (low, q1, q3, high)) in enumerate(boxed):
        ax.vlines(i, low, high, colors=PALETTE[7], linewidth=1, zorder=2)
        ax.bar(
            i,
            q3 - q1,
            bottom=q1,
            width=0.5,
            color="none",
            edgecolor=PALETTE[7],
            linewidth=1.2,
            zorder=2,
            label=_BOX_LABEL if k == 0 else None,
        )
    for name in chart.series:
        first = True
        for i, level in enumerate(chart.series[name]):
            if level is None:
                continue
            ax.hlines(
                level,
                i - 0.36,
                i + 0.36,
                colors=colour[name],
                linewidth=2.2,
                linestyles="--" if name in chart.dashed else "-",
                label=chart.label(name) if first else None,
                zorder=3,
            )
            first = False


# Tick marks for duration axes, in hours: 5 min up to 4 weeks.
_HOUR_TICKS = (1 / 12, 0.25, 0.5, 1, 2, 4, 8, 24, 48, 96, 168, 336, 672)


def _hour_label(value: float, _pos: object = None) -> str:
    if value < 1:
        return f"{round(value * 60)} min"
    if value < 24:
        return f"{value:g} h"
    return f"{value / 24:g} d"


def _hour_ticks(ax: Any, chart: Chart, fixed: Any, formatter: Any) -> None:
    known = (
        [v for s in chart.series.values() for v in s if v]
        + [v for values in chart.points for v in values if v]
        + [v for box in chart.boxes if box for v in box if v]
    )
    if not known:
        return
    low, high = min(known), max(known)
    ticks = [t for t in _HOUR_TICKS if low / 2 <= t <= high * 2]
    while len(ticks) > 7:  # keep the labels apart: every other one
        ticks = ticks[::2]
    if chart.log_scale and len(ticks) >= 2:
        ax.yaxis.set_major_locator(fixed(ticks))
        ax.yaxis.set_minor_locator(fixed([]))
        ax.yaxis.set_major_formatter(formatter(_hour_label))
    else:
        ax.yaxis.set_major_formatter(formatter(_hour_label))
