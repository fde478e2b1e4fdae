"""Every page and chart the site generates, as one list, from the site context."""

from __future__ import annotations

from kb.site.charts import Chart, render_svg, to_dark
from kb.site.context import Generated, SiteContext
from kb.site.dashboards import home_page, trends_page
from kb.site.listings import (
    action_pages,
    category_pages,
    premortem_pages,
    service_pages,
    tag_pages,
    timeline_pages,
)

# `kb serve` rebuilds in the same process on every save; charts whose data did
# not change are not drawn again.
_SVG_CACHE: dict[str, str] = {}
_CACHE_LIMIT = 1000


def chart_svg(chart: Chart) -> str:
    """The light-scheme SVG of a chart, drawn once per distinct chart in this process."""
    key = repr(chart)
    svg = _SVG_CACHE.get(key)
    if svg is None:
        svg = render_svg(chart)
        if len(_SVG_CACHE) >= _CACHE_LIMIT:
            _SVG_CACHE.clear()
        _SVG_CACHE[key] = svg
    return svg


def generate(ctx: SiteContext, site_name: str, *, with_home: bool = True) -> list[Generated]:
    """All generated pages (Markdown) and charts (SVG, light and dark) of the site."""
    pages: list[Generated] = [home_page(ctx, site_name)] if with_home else []
    pages += timeline_pages(ctx)
    pages += premortem_pages(ctx)
    category, charts = category_pages(ctx)
    pages += category
    pages += service_pages(ctx)
    pages += tag_pages(ctx)
    pages += action_pages(ctx)
    trend, trend_charts = trends_page(ctx)
    pages.append(trend)
    for chart in charts + trend_charts:
        svg = chart_svg(chart)
        pages += [Generated(chart.uri, svg), Generated(chart.dark_uri, to_dark(svg))]
    return pages
