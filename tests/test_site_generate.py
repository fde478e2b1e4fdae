"""The full set of generated pages, and charts drawn in a helper process."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from docfactory import knowledge_base, postmortem, premortem

from kb.session import BuildSession
from kb.site import generate as gen
from kb.site.charts import Chart
from kb.site.context import SiteContext


def test_generate_lists_every_page_once() -> None:
    fronts = [
        postmortem("PM-2025-001", "2025-01-05", services=["edge"], tags=["dns"]),
        premortem("PRE-2024-001", "2024-12-01", services=["edge"]),
    ]
    ctx = SiteContext(knowledge_base(fronts))
    pages, charts = gen.generate(ctx, "KB")
    uris = [p.src_uri for p in pages]
    assert len(uris) == len(set(uris))
    for uri in (
        "index.md",
        "timeline/index.md",
        "timeline/2025/index.md",
        "timeline/2024/index.md",
        "premortems/index.md",
        "categories/index.md",
        "categories/config/index.md",
        "services/index.md",
        "services/edge/index.md",
        "tags/index.md",
        "tags/dns/index.md",
        "actions/index.md",
        "trends/index.md",
    ):
        assert uri in uris, uri
    assert "index.md" not in [p.src_uri for p in gen.generate(ctx, "KB", with_home=False)[0]]
    # The one category and the one service with an incident, and the trends.
    assert sorted(c.uri for c in charts if not c.uri.startswith("trends/")) == [
        "categories/config/per-quarter.svg",
        "services/edge/per-quarter.svg",
    ]
    assert len(charts) == 2 + 6


def chart(title: str) -> Chart:
    return Chart(f"trends/{title}.svg", title, "bars", ["2025-Q1"], {"n": [1.0]})


def test_chart_job_draws_in_another_process_then_reuses(tmp_path: Path) -> None:
    charts = [chart("one"), chart("two")]
    gen._SVG_CACHE.clear()
    with BuildSession() as session:
        job = gen.ChartJob(charts, tmp_path / "a", session)
        assert job.drawn == 2 and session.started  # drawing in the helper process
        job.wait()
    for name in ("one.svg", "two.svg"):
        ET.parse(tmp_path / "a" / "trends" / name)
    again = gen.ChartJob(charts, tmp_path / "b", BuildSession())
    assert again.drawn == 0  # every chart came from the cache
    assert (tmp_path / "b/trends/two.svg").read_text() == (
        tmp_path / "a/trends/two.svg"
    ).read_text()


def test_chart_job_in_process(tmp_path: Path) -> None:
    gen._SVG_CACHE.clear()
    session = BuildSession(background=False)
    job = gen.ChartJob([chart("three")], tmp_path, session)
    assert not session.started
    job.wait()
    assert "three" in (tmp_path / "trends/three.svg").read_text()


def test_an_empty_knowledge_base_still_has_its_pages() -> None:
    ctx = SiteContext(knowledge_base([]))
    pages, charts = gen.generate(ctx, "KB")
    uris = {p.src_uri for p in pages}
    assert {"index.md", "timeline/index.md", "trends/index.md", "actions/index.md"} <= uris
    assert len(charts) == 6  # the trends, all zero
