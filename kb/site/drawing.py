"""Drawing charts into a folder: what the build's helper process runs for `ChartJob`.

The helper process (kb.background) imports this module to run
`draw_charts`, so it imports little besides kb.site.charts (which imports
matplotlib only when it draws).
"""

from __future__ import annotations

from pathlib import Path

from kb.site.charts import Chart, Painter, to_dark


def write_chart(chart: Chart, svg: str, folder: Path) -> None:
    """Write a chart's light SVG and its dark copy under `folder`, at the chart's uris."""
    for uri, text in ((chart.uri, svg), (chart.dark_uri, to_dark(svg))):
        path = folder / uri
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def draw_charts(charts: list[Chart], folder: str) -> dict[str, str]:
    """Draw charts into `folder` (light and dark files at their uris); returns repr -> SVG."""
    drawn = {}
    painter = Painter()
    for chart in charts:
        svg = painter.svg(chart)
        write_chart(chart, svg, Path(folder))
        drawn[repr(chart)] = svg
    return drawn
