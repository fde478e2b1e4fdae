"""Charts: valid SVG readable on both schemes, with the numbers as a table under them."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from docfactory import render

from kb.site.charts import INK_DARK, INK_LIGHT, Chart, figure, render_svg, to_dark
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


def test_svg_is_valid_with_title_legend_and_transparent_background() -> None:
    for kind in ("stacked", "bars", "lines"):
        svg = render_svg(chart(kind=kind))
        words = texts(svg)
        assert "Incidents per month" in words
        assert "SEV1" in words and "SEV2" in words  # legend
        assert "2025-01" in words
        assert "#ffffff" not in svg.lower() and "fill: white" not in svg  # no painted background
        assert INK_LIGHT in svg


def test_dark_copy_swaps_only_the_ink() -> None:
    svg = render_svg(chart())
    dark = to_dark(svg)
    assert INK_LIGHT not in dark and INK_DARK in dark
    assert dark.count("#0072b2") == svg.count("#0072b2")  # series colours stay
    ET.fromstring(dark)


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


def test_figure_shows_both_schemes_and_a_data_table() -> None:
    html = render(figure(chart(labels={"SEV1": "SEV1 <Critical>"}), "trends/index.md"))
    assert '<img alt="Incidents per month" src="per-month.svg#only-light"' in html
    assert 'src="per-month-dark.svg#only-dark"' in html
    assert "<summary>The numbers: Incidents per month</summary>" in html
    assert "<th>SEV1 &lt;Critical&gt;</th>" in html
    assert f"<tr><td>2025-03</td><td>2</td><td>{DASH}</td></tr>" in html


def test_figure_with_custom_table() -> None:
    html = render(figure(chart(), "index.md", data=(["Q", "n"], [["2025-Q1", "3 h"]])))
    assert "<th>Q</th><th>n</th>" in html and "<td>3 h</td>" in html
    assert 'src="trends/per-month.svg#only-light"' in html


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
