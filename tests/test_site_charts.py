"""Charts: valid SVG readable on both schemes, units and n stated, with the numbers as a table."""

from __future__ import annotations

import os
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from docfactory import render

from kb.site.charts import INK_LIGHT, Chart, figure, inline_svg, render_svg
from kb.site.md import DASH

SVG = "{http://www.w3.org/2000/svg}"


def chart(**kw: object) -> Chart:
    data: dict[str, object] = {
        "uri": "trends/per-month.svg",
        "title": "Incidents per month",
        "kind": "stacked",
        "periods": ["2025-01", "2025-02", "2025-03"],
        "series": {"SEV1": [1.0, 0.0, 2.0], "SEV2": [0.0, 3.0, None]},
    }
    data.update(kw)
    return Chart(**data)  # type: ignore[arg-type]


def texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def resolved(svg: str) -> str:
    """The drawing as matplotlib styled it: each class's rule back on its elements."""
    rule = re.compile(r"#[\w-]+ \.(s\d+)\{([^}]*)\}")
    rules = dict(rule.findall(svg))
    return re.sub(r'class="(s\d+)"', lambda m: f'style="{rules[m.group(1)]}"', rule.sub("", svg))


def test_svg_is_valid_with_title_legend_and_transparent_background() -> None:
    for kind in ("stacked", "bars", "lines"):
        svg = render_svg(chart(kind=kind))
        words = texts(svg)
        assert "Incidents per month" in words
        assert "SEV1" in words and "SEV2" in words  # legend
        assert "2025-01" in words
        assert "#ffffff" not in svg.lower() and "fill: white" not in svg  # no painted background
        assert INK_LIGHT in svg


def test_inline_chart_follows_the_page_colour_and_keeps_to_itself() -> None:
    one, two = chart(), chart(uri="trends/other.svg")
    a, b = inline_svg(render_svg(one), one), inline_svg(render_svg(two), two)
    # One drawing for every scheme: ink in the page's text colour, series colours kept.
    assert INK_LIGHT not in a and "currentColor" in a
    assert resolved(a).count("#0072b2") == render_svg(one).count("#0072b2")
    root = ET.fromstring(a)  # still well-formed XML
    svg = root.find(f"{SVG}svg")
    assert svg is not None and svg.get("aria-label") == "Incidents per month"
    # Two charts on one page share no id, and matplotlib's `*` style rule is scoped.
    ids = lambda text: set(re.findall(r'\bid="([^"]+)"', text))  # noqa: E731
    assert ids(a) and not ids(a) & ids(b)
    assert "\n*{" not in a and f"#{one.slot}-svg *{{" in a
    for ref in re.findall(r"url\(#([^)]+)\)", a):
        assert ref in ids(a)


def test_rendering_is_deterministic() -> None:
    assert render_svg(chart()) == render_svg(chart())


def test_duration_axis_in_human_units() -> None:
    svg = render_svg(
        chart(
            kind="lines",
            unit="hours",
            series={"median": [0.25, 2.0, None], "p90": [4.0, 30.0, 50.0]},
            log_scale=True,
        )
    )
    words = texts(svg)
    assert "15 min" in words and "1 d" in words
    # The axis names what it shows and says the scale is logarithmic; the ticks carry units.
    assert "duration (log scale)" in words and "hours" not in words


def test_strip_chart_shows_n_per_period_and_points() -> None:
    strip = chart(
        kind="strip",
        unit="hours",
        periods=["2025-Q1", "2025-Q2"],
        series={"median": [1.0, 2.0], "p90": [None, 5.0]},
        points=((1.0,), (1.0, 1.5, 2.0, 3.0, 5.0)),
        dashed=frozenset({"p90"}),
        partial=True,
    )
    words = texts(render_svg(strip))
    assert "n=1" in words and "n=5" in words  # n of every period, on the chart
    assert strip.tick_labels() == ["2025-Q1", "2025-Q2\npartial"]
    assert "partial" in words
    # A p90 is drawn for the quarter with 5 values, in the legend as the 90th percentile.
    assert "p90" in words and "median" in words and "one incident" in words


def test_an_empty_chart_says_so_instead_of_drawing_an_axis() -> None:
    empty = chart(kind="bars", series={"incidents": [0.0, 0.0, None]})
    words = texts(render_svg(empty))
    assert "No incidents" in words
    assert not any(re.fullmatch(r"0\.0\d+", w) for w in words)  # no 0.000-0.054 ticks


def test_figure_has_one_chart_slot_and_a_data_table() -> None:
    c = chart(labels={"SEV1": "SEV1 <Critical>"}, partial=True)
    text = figure(c, "trends/index.md")
    assert text.count(f"<!--kb:{c.slot}-->") == 1 and "<img" not in text
    html = render(text, {c.slot: '<svg class="kb-chart"></svg>'})
    assert html.count('<svg class="kb-chart">') == 1
    assert "<summary>The numbers: Incidents per month</summary>" in html
    assert "<th>SEV1 &lt;Critical&gt;</th>" in html
    assert f"<tr><td>2025-03 (partial)</td><td>2</td><td>{DASH}</td></tr>" in html


def test_figure_with_custom_table() -> None:
    html = render(figure(chart(), "index.md", data=(["Q", "n"], [["2025-Q1", "3 h"]])))
    assert "<th>Q</th><th>n</th>" in html and "<td>3 h</td>" in html


def test_a_kept_figure_draws_exactly_what_a_fresh_one_draws() -> None:
    from kb.site.charts import Painter

    quarters = ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"]
    charts = [
        chart(kind="bars", title=title, periods=quarters, series={"incidents": values})
        for title, values in (
            ("config", [1.0, 0.0, 2.0, 1.0]),
            ("dependency <failure>", [0.0, 0.0, 0.0, 0.0]),
            ("capacity", [40.0, 3.0, None, 117.0]),
            ("code bug", [2.0, 1.0, 0.0, 1.0]),
        )
    ] + [chart(kind="stacked"), chart(kind="bars", title="after another shape")]
    painter = Painter()
    kept = [painter.svg(c) for c in charts]
    fresh = [render_svg(c) for c in charts]
    assert kept == fresh
    # Each kept figure got its own title and y axis (0-2 incidents, then up to 117).
    assert "dependency <failure>" in texts(kept[1]) and "config" not in texts(kept[1])
    assert "120" in texts(kept[2]) and "120" not in texts(kept[3])
    assert painter._kept is not None  # the last bar chart's figure is kept for the next


def test_strip_chart_draws_a_busy_period_as_a_box() -> None:
    boxed = chart(
        kind="strip",
        unit="hours",
        periods=["2025-Q1", "2025-Q2"],
        series={"median": [3.0, 2.0], "p90": [9.0, None]},
        points=((), (2.0,)),
        boxes=((0.5, 1.0, 6.0, 12.0), None),
        n=(40, 1),
    )
    words = texts(render_svg(boxed))
    assert "middle half, and range" in words and "one incident" in words
    assert "n=40" in words and "n=1" in words


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Material's text fonts when a site loads none (`font: false`), as the bench corpus does.
FONTS = "-apple-system, BlinkMacSystemFont, Helvetica, Arial, sans-serif"


@pytest.mark.browser
@pytest.mark.skipif(
    not Path(CHROMIUM).exists() and not os.environ.get("KB_REQUIRE_BROWSER"),
    reason="needs Debian's chromium",
)
def test_legends_fit_in_the_drawing_in_chromium(browser: Any) -> None:
    # The trends page's duration charts: the longest legend labels kb draws.
    strip = chart(
        uri="trends/detect.svg",
        kind="strip",
        unit="hours",
        periods=["2025-Q1", "2025-Q2"],
        series={"median": [1.0, 2.0], "p90": [None, 5.0]},
        labels={"median": "median", "p90": "90th percentile (n ≥ 5)"},
        points=((1.0,), ()),
        boxes=(None, (0.5, 1.0, 6.0, 12.0)),
        n=(1, 40),
    )
    stacked = chart(uri="trends/stacked.svg", series={"SEV1 Critical": [1.0, 0.0, 2.0]})
    page = browser.new_page(viewport={"width": 1000, "height": 800})
    for drawn in (strip, stacked):
        page.set_content(
            f'<body style="font-family:{FONTS}">{inline_svg(render_svg(drawn), drawn)}</body>'
        )
        width = page.evaluate("document.querySelector('svg').viewBox.baseVal.width")
        ends = page.evaluate(
            "[...document.querySelectorAll('svg text')]"
            ".map(t => [t.textContent, t.getBBox().x + t.getBBox().width])"
        )
        assert "90th percentile (n ≥ 5)" in [t for t, _ in ends] or drawn is stacked
        assert [t for t, end in ends if end > width] == [], drawn.uri


@pytest.mark.browser
@pytest.mark.skipif(
    not Path(CHROMIUM).exists() and not os.environ.get("KB_REQUIRE_BROWSER"),
    reason="needs Debian's chromium",
)
def test_charts_look_the_same_in_chromium_in_both_schemes(browser: Any) -> None:
    # Each chart on the page has its own uri, hence its own ids, as on the site.
    charts = [chart(kind=kind, uri=f"trends/{kind}.svg") for kind in ("stacked", "bars", "lines")]
    compact = [inline_svg(render_svg(c), c) for c in charts]
    assert all('class="s0"' in markup for markup in compact)
    page = browser.new_page(viewport={"width": 800, "height": 1000})
    for ink in ("#111111", "#eeeeee"):  # the light and the dark scheme's text colour
        shots = []
        for figures in (compact, [resolved(m) for m in compact]):
            page.set_content(f'<body style="color:{ink}">{"".join(figures)}</body>')
            shots.append(page.screenshot(full_page=True))
        assert shots[0] == shots[1], ink
