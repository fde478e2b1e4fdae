"""Every page and chart the site generates, and the drawing of the charts.

Drawing the charts (about 30 of them, plus importing matplotlib) takes seconds,
so `ChartJob` has the build session's helper process (kb.session) draw them
while mkdocs renders the pages, and the plugin waits for it only before mkdocs
copies the files. Charts already drawn in this process (`kb serve` rebuilds on
every save) or kept by an earlier build (kb.site.cache) are not drawn again.
"""

from __future__ import annotations

from pathlib import Path

from kb.background import Pending
from kb.session import BuildSession
from kb.site.cache import ChartStore
from kb.site.charts import Chart, inline_svg
from kb.site.context import Generated, SiteContext
from kb.site.dashboards import home_page, trends_page
from kb.site.drawing import draw_charts, write_chart
from kb.site.listings import (
    action_pages,
    category_pages,
    premortem_pages,
    service_pages,
    tag_pages,
    timeline_pages,
)
from kb.site.loop import feed_files, week_page

_SVG_CACHE: dict[str, str] = {}  # repr(chart) -> light SVG
_CACHE_LIMIT = 1000


def generate(
    ctx: SiteContext, site_name: str, *, with_home: bool = True
) -> tuple[list[Generated], list[Chart]]:
    """All generated pages (Markdown) and the charts they show."""
    pages: list[Generated] = [home_page(ctx, site_name)] if with_home else []
    pages += timeline_pages(ctx)
    pages += premortem_pages(ctx)
    category, charts = category_pages(ctx)
    pages += category
    service, service_charts = service_pages(ctx)
    pages += service
    pages += tag_pages(ctx)
    pages += action_pages(ctx)
    trend, trend_charts = trends_page(ctx)
    pages.append(trend)
    pages.append(week_page(ctx))
    pages += feed_files(ctx, site_name)
    return pages, charts + service_charts + trend_charts


class ChartJob:
    """Charts being drawn into a folder, in the session's helper process when there is
    work to do.

    Charts drawn earlier in this process, or kept in the session's cache folder by an
    earlier build (kb.site.cache), are written out at once instead of being drawn
    again; what is drawn is kept there for the next build.
    """

    def __init__(self, charts: list[Chart], folder: Path, session: BuildSession) -> None:
        self.folder = folder
        self._charts = charts
        self._svgs: dict[str, str] = {}  # repr(chart) -> SVG, as soon as it is known
        self._inline: dict[str, str] | None = None
        self._store = ChartStore(session.cache_dir) if session.cache_dir is not None else None
        self._todo: list[Chart] = []
        for chart in charts:
            svg = _SVG_CACHE.get(repr(chart))
            if svg is None and self._store is not None:
                svg = self._store.get(chart)
            if svg is None:
                self._todo.append(chart)
            else:
                self._svgs[repr(chart)] = svg
                write_chart(chart, svg, folder)
        self.drawn = len(self._todo)  # charts sent to be drawn; the others were kept
        self._future: Pending[dict[str, str]] | None = (
            session.submit(draw_charts, self._todo, str(folder)) if self._todo else None
        )

    def wait(self) -> None:
        """Block until every chart file is written; re-raises what went wrong in the drawing."""
        if self._future is None:
            return
        try:
            drawn = self._future.result()
        finally:
            self._future = None
        _remember(drawn)
        self._svgs.update(drawn)
        if self._store is not None:
            for chart in self._todo:
                self._store.put(chart, drawn[repr(chart)])
            self._store.prune()

    def inline(self) -> dict[str, str]:
        """Slot name -> the chart's inline markup, for every chart (waits for the drawing)."""
        if self._inline is None:
            self.wait()
            self._inline = {
                c.slot: inline_svg(svg, c)
                for c in self._charts
                if (svg := self._svgs.get(repr(c))) is not None
            }
        return self._inline


def _remember(drawn: dict[str, str]) -> None:
    if len(_SVG_CACHE) + len(drawn) > _CACHE_LIMIT:
        _SVG_CACHE.clear()
    _SVG_CACHE.update(drawn)
