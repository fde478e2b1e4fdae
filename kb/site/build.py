"""Build the site strictly into a fresh folder and swap it into place; or serve a live preview.

A failed build leaves the previous site untouched: mkdocs writes into a
temporary sibling of the target, which replaces the target only once the
build has succeeded. mkdocs reports through the `mkdocs` logger; the command
line decides what people see of it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from kb.background import Worker
from kb.config import Settings
from kb.errors import SiteError
from kb.knowledge import KnowledgeBase

# Files every mkdocs build writes; a folder holding none of them is not a built site.
_SITE_MARKERS = ("index.html", "404.html", "sitemap.xml")


@dataclass(frozen=True)
class BuildResult:
    """Where the site went and what it holds."""

    site_dir: Path
    pages: int
    largest_page: tuple[str, int]  # (path inside the site, bytes)
    total_bytes: int
    search_index_bytes: int
    seconds: float


def _config_file(settings: Settings) -> Path:
    if settings.mkdocs_file is None:
        raise SiteError(f"{settings.root}: no mkdocs.yml here; the site is configured there")
    return settings.mkdocs_file


def check_target(target: Path, settings: Settings) -> None:
    """Refuse to replace a folder that is not a previous build (or that holds the sources)."""
    target = target.resolve()
    shown = settings.relative(target)
    content = settings.content_dir.resolve()
    if any(target == s or target in s.parents for s in (settings.root.resolve(), content)):
        raise SiteError(f"{shown}: the site folder would contain the sources; choose another")
    if content in target.parents:
        raise SiteError(f"{shown}: the site folder must not be inside the content folder")
    if target.exists() and not target.is_dir():
        raise SiteError(f"{shown}: exists and is not a folder; not replacing it")
    looks_built = any((target / marker).is_file() for marker in _SITE_MARKERS)
    if target.is_dir() and any(target.iterdir()) and not looks_built:
        raise SiteError(
            f"{target}: not empty and does not look like a built site; "
            "remove it or build somewhere else with --site-dir"
        )


def build_site(
    settings: Settings,
    site_dir: Path | None = None,
    *,
    kb: KnowledgeBase | None = None,
    use_cache: bool = True,
    worker: Worker | None = None,
) -> BuildResult:
    """Build the site (strict) into `site_dir` (default: mkdocs.yml's), replacing it on success.

    `kb`, when given, is the knowledge base already loaded and validated, so the plugin
    does not read every document a second time. `use_cache=False` neither reads nor
    writes what earlier builds kept (kb.site.cache): the plugin's `cache` option is
    turned off before mkdocs runs its on_config. `worker`, the helper process that may
    have parsed ahead for `kb`, goes on to rank and draw for the plugin, which closes it
    when the build ends (closing it again is harmless, for callers that clean up).
    """
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    from kb.site.plugin import KbPlugin

    config_file = _config_file(settings)
    target = (site_dir or settings.site_dir).resolve()
    check_target(target, settings)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-building-", dir=target.parent))
    start = time.perf_counter()
    try:
        config = load_config(str(config_file), site_dir=str(staging), strict=True)
        for plugin in config.plugins.values():
            if isinstance(plugin, KbPlugin):
                if kb is not None:
                    plugin.preload(kb, worker)
                if not use_cache:
                    plugin.config.cache = False
        config.plugins.on_startup(command="build", dirty=False)
        try:
            build(config)
        finally:
            config.plugins.on_shutdown()
    except MkDocsException as err:
        shutil.rmtree(staging, ignore_errors=True)
        shown = settings.relative(target)
        raise SiteError(
            f"the site was not built ({err.format_message()}); {shown} is unchanged"
        ) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    seconds = time.perf_counter() - start
    _swap(staging, target)
    return _measure(target, seconds)


def _swap(staging: Path, target: Path) -> None:
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}-old-", dir=target.parent))
        os.replace(target, old / target.name)
    os.replace(staging, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _measure(site: Path, seconds: float) -> BuildResult:
    pages, total, largest = 0, 0, ("", 0)
    for dirpath, _dirs, names in os.walk(site):
        for name in names:
            size = (Path(dirpath) / name).stat().st_size
            total += size
            if name.endswith(".html"):
                pages += 1
                if size > largest[1]:
                    largest = ((Path(dirpath) / name).relative_to(site).as_posix(), size)
    index = site / "search" / "search_index.json"
    index_bytes = index.stat().st_size if index.is_file() else 0
    return BuildResult(site, pages, largest, total, index_bytes, seconds)


def serve_site(settings: Settings, dev_addr: str, *, open_browser: bool = False) -> None:
    """Serve a live preview that rebuilds on every change (until interrupted)."""
    from mkdocs.commands.serve import serve
    from mkdocs.exceptions import MkDocsException

    config_file = _config_file(settings)
    try:
        serve(str(config_file), dev_addr=dev_addr, open_in_browser=open_browser)
    except MkDocsException as err:
        raise SiteError(f"the preview stopped: {err.format_message()}") from None
