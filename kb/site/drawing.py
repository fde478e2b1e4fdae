"""Drawing charts into a folder: what the build's helper process runs for `ChartJob`.

The helper process (kb.background) imports this module to run
`draw_charts`, so it imports little besides kb.site.charts (which imports
matplotlib only when it draws).
"""

from __future__ import annotations

from pathlib import Path

from kb.site.charts import Chart, Painter


def write_chart(chart: Chart, svg: str, folder: Path) -> None:
    """Write a chart's SVG under `folder`, at the chart's uri."""
    path = folder / chart.uri
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(svg, encoding="utf-8")


def draw_charts(charts: list[Chart], folder: str) -> dict[str, str]:
    """Draw charts into `folder` (a file at each uri); returns repr -> SVG."""
    drawn = {}
    painter = Painter()
    for chart in charts:
        svg = painter.svg(chart)
        write_chart(chart, svg, Path(folder))
        drawn[repr(chart)] = svg
    return drawn
