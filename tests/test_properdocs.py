"""The example site built with ProperDocs (the maintained MkDocs 1.x fork) matches MkDocs'.

MkDocs 2.0 has no plugin system, so kb's way on, should MkDocs 1.6 stop working, is
ProperDocs: it loads MkDocs plugins unchanged (it answers `import mkdocs...` with its
own modules). This builds the repository's example knowledge base with
`properdocs build` and compares every page with kb's own build under MkDocs 1.6.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sitecheck import broken_links

REPO = Path(__file__).resolve().parents[1]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("properdocs") is None,
        reason="needs properdocs (pip install -e '.[test]' installs it)",
    ),
]
ARTICLE = re.compile(r"<article\b.*?</article>", re.DOTALL)


@pytest.fixture(scope="module")
def properdocs_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("properdocs") / "site"
    done = subprocess.run(
        [sys.executable, "-m", "properdocs", "build", "--strict", "-f", "mkdocs.yml",
         "-d", str(site)],
        cwd=REPO, capture_output=True, text=True, check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "ProperDocs 1.6" in (site / "index.html").read_text()  # the generator really was it
    return site


def _pages(site: Path) -> set[str]:
    return {p.relative_to(site).as_posix() for p in site.rglob("*.html")}


def test_properdocs_builds_every_page_kb_builds(properdocs_site: Path, example_site: Path) -> None:
    pages = _pages(example_site)
    assert len(pages) > 50  # the example site, with kb's generated pages
    assert _pages(properdocs_site) == pages
    for page in ("categories/index.html", "trends/index.html", "actions/index.html"):
        assert (properdocs_site / page).is_file(), page


def test_every_page_shows_the_same_content(properdocs_site: Path, example_site: Path) -> None:
    differ = []
    for page in sorted(_pages(example_site)):
        ours = ARTICLE.findall((example_site / page).read_text(encoding="utf-8"))
        theirs = ARTICLE.findall((properdocs_site / page).read_text(encoding="utf-8"))
        if ours != theirs:
            differ.append(page)
    assert differ == []


def test_charts_and_links_work(properdocs_site: Path) -> None:
    assert broken_links(properdocs_site) == []
    assert list((properdocs_site / "trends").rglob("*.svg"))
