"""Build the site strictly into a fresh folder and swap it into place; or serve a live preview.

A failed build leaves the previous site untouched: mkdocs writes into a
temporary sibling of the target, which replaces the target only once the
build has succeeded. mkdocs reports through the `mkdocs` logger; the command
line decides what people see of it.

Every folder a build makes holds a marker file, `.kb-site` (mkdocs leaves
hidden files alone), saying which process made it. kb replaces only a folder
with that marker, or an empty one: anything else may hold someone's files. The
temporary siblings are named `.<site>-building-<pid>-*` and `.<site>-old-<pid>-*`;
those of a build that was killed (its process is gone) are removed by the next
build, and a previous site caught half-way through the swap is put back.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import glob
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from kb.config import Settings
from kb.errors import ContentError, SiteError, UsageError
from kb.lifeline import owner_gone, owner_tag, signals_held
from kb.session import BuildSession
from kb.site.preview import Snapshot
from kb.site.watching import ContentWatch

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig

log = logging.getLogger("mkdocs.plugins.kb")

MARKER = ".kb-site"  # in every folder a kb build made, and only there
_BUILDING, _OLD = "building", "old"
# Files every mkdocs build writes: a folder with them but no marker is someone else's site.
_SITE_FILES = ("index.html", "404.html", "sitemap.xml")


@dataclass(frozen=True)
class BuildResult:
    """Where the site went and what it holds."""

    site_dir: Path
    pages: int
    largest_page: tuple[str, int]  # (path inside the site, bytes)
    total_bytes: int
    search_index_bytes: int
    seconds: float
    checked: int = 0  # documents validated before the build
    warnings: int = 0  # problems that only fail a strict check
    notes: tuple[str, ...] = ()  # what a reader should know, e.g. what the site fetches online


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
    if not target.is_dir() or (target / MARKER).is_file() or not any(target.iterdir()):
        return
    if any((target / name).is_file() for name in _SITE_FILES):
        raise UsageError(
            f"{shown}: holds a site that kb did not build (there is no {MARKER} file in it), "
            "and kb replaces only folders it built. If it is a site an older kb built, "
            "check that nothing of yours is in it, delete it and build again; "
            "otherwise build somewhere else with --site-dir"
        )
    raise UsageError(
        f"{shown}: not empty and not a site kb built (there is no {MARKER} file in it); "
        "kb replaces only folders it built. Build somewhere else with --site-dir, "
        "or empty the folder first"
    )


def build_site(
    settings: Settings, site_dir: Path | None = None, *, session: BuildSession | None = None
) -> BuildResult:
    """Validate, then build the site (strict) into `site_dir` (default: mkdocs.yml's),
    replacing it on success.

    Raises ContentError (every problem) when a document has errors, and SiteError when
    mkdocs fails; either way the previous site is left as it was. The `session` (kb.session)
    loads the documents and runs the plugin's helper work; without one, a session with
    the knowledge base's cache folder is used for this build.
    """
    if session is None:
        with BuildSession(settings.cache_dir) as own:
            return build_site(settings, site_dir, session=own)
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    from kb.site.config import internet_fetches
    from kb.site.plugin import KbPlugin

    config_file = _config_file(settings)
    target = (site_dir or settings.site_dir).resolve()
    check_target(target, settings)
    kb = session.load(settings)
    if kb.errors:
        raise ContentError(kb.errors, checked=kb.checked, warnings=len(kb.warnings))
    target.parent.mkdir(parents=True, exist_ok=True)
    sweep_leftovers(target)
    staging: Path | None = None
    start = time.perf_counter()
    try:
        # Held, so that a SIGTERM cannot land between making the folder and knowing it.
        with signals_held():
            staging = _temporary(target, _BUILDING)
        config = load_config(
            str(config_file),
            site_dir=str(staging),
            docs_dir=str(settings.content_dir),  # the folder kb validated, named or not
            strict=True,
        )
        notes = tuple(internet_fetches(config))
        for plugin in config.plugins.values():
            if isinstance(plugin, KbPlugin):
                plugin.use(session, kb)
        config.plugins.on_startup(command="build", dirty=False)
        try:
            with _loaded_frozen():
                build(config)
        finally:
            config.plugins.on_shutdown()
    except MkDocsException as err:
        _discard(staging)
        shown = settings.relative(target)
        raise SiteError(
            f"the site was not built ({err.format_message()}); {shown} is unchanged"
        ) from None
    except BaseException:
        _discard(staging)
        raise
    assert staging is not None
    seconds = time.perf_counter() - start
    _swap(staging, target)
    return dataclasses.replace(_measure(target, seconds, kb.checked, len(kb.warnings)), notes=notes)


def _discard(staging: Path | None) -> None:
    if staging is not None:
        shutil.rmtree(staging, ignore_errors=True)


def _temporary(target: Path, kind: str) -> Path:
    """A new marked folder beside `target`, named after this process."""
    prefix = f".{target.name}-{kind}-{os.getpid()}-"
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=target.parent))
    try:
        (folder / MARKER).write_text(f"{owner_tag()}\n", encoding="utf-8")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder


def _swap(staging: Path, target: Path) -> None:
    old = None
    if target.exists():
        old = _temporary(target, _OLD)
        os.replace(target, old / target.name)
    os.replace(staging, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def sweep_leftovers(target: Path) -> None:
    """Remove the temporary folders killed builds of `target` left beside it (best effort).

    Only folders named as `_temporary` names them, holding its marker (or empty: a
    build killed before writing it), whose process is gone. A previous site that
    a killed build had moved aside, with no site in its place, is put back.
    """
    for kind in (_BUILDING, _OLD):
        prefix = f".{target.name}-{kind}-"
        for folder in target.parent.glob(f"{glob.escape(prefix)}*"):
            with contextlib.suppress(OSError, UnicodeDecodeError):
                pid = folder.name[len(prefix) :].split("-", 1)[0]
                if pid.isascii() and pid.isdigit() and _left_by_gone_build(folder, pid):
                    _clear(folder, target, kind)


def _left_by_gone_build(folder: Path, pid: str) -> bool:
    if folder.is_symlink() or not folder.is_dir():
        return False
    marker = folder / MARKER
    owner = marker.read_text(encoding="utf-8").strip() if marker.is_file() else pid
    return owner.split()[:1] == [pid] and owner_gone(owner)


def _clear(folder: Path, target: Path, kind: str) -> None:
    kept = folder / target.name
    if kind == _OLD and kept.is_dir():
        if not _ours(kept):
            return
        if not target.exists():
            os.replace(kept, target)  # killed between the two renames of a swap
    _remove(folder)


def _ours(folder: Path) -> bool:
    """Whether kb may delete `folder`: it holds the marker, or nothing at all."""
    return (folder / MARKER).is_file() or not any(folder.iterdir())


def _remove(folder: Path) -> None:
    if (folder / MARKER).is_file():
        shutil.rmtree(folder, ignore_errors=True)
    else:
        folder.rmdir()  # fails unless empty: what kb did not mark is never deleted


def _measure(site: Path, seconds: float, checked: int, warnings: int) -> BuildResult:
    pages, total, largest = 0, 0, ("", 0)
    for dirpath, _dirs, names in os.walk(site):
        for name in names:
            size = (Path(dirpath) / name).stat().st_size
            total += size
            if name.endswith(".html"):
                pages += 1
                if size > largest[1]:
                    largest = ((Path(dirpath) / name).relative_to(site).as_posix(), size)
    return BuildResult(
        site, pages, largest, total, search_index_size(site), seconds, checked, warnings
    )


def search_index_size(site: Path) -> int:
    """Bytes of the site's search index: Pagefind's folder (a browser fetches a few of its
    chunks per query), or Material's search_index.json (fetched whole)."""
    bundle = site / "pagefind"
    if bundle.is_dir():
        return sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file())
    index = site / "search" / "search_index.json"
    return index.stat().st_size if index.is_file() else 0


@contextlib.contextmanager
def _loaded_frozen() -> Iterator[None]:
    """A one-off build with what was loaded before it out of the garbage collector's
    full passes (`gc.freeze`): the documents, hundreds of thousands of objects that live
    to the end of the build and hold no garbage (loading makes none). At 10,000 documents
    the build's collections took 6.1 s, and 4.9 s with them frozen (BENCHMARKS.md).
    Undone when the build ends."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _settle_heap() -> None:
    """Free the garbage of the build that just ended and move what it keeps (the
    documents, the pages, the fingerprints: millions of objects at 10,000 documents)
    out of the cyclic collector's full passes until the next build ends.

    Otherwise each full collection of the next rebuild walks the whole heap again.
    Runs once the pages are written, so the wait falls between saves. What the next
    build drops of it is freed then (`unfreeze` puts it back in the collector's reach).
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


class Preview:
    """The live preview's builds into one folder (what `kb serve` shows).

    Builds run as `mkdocs serve --dirty` runs them, so that the kb plugin renders
    again only the pages whose inputs changed (kb.site.preview): the first build
    renders everything, each one after a save only what the save changed. mkdocs
    keeps the plugin, and with it what the previous build wrote, from one build to
    the next.

    A save is shown in two passes. When every file it changed is a document the
    site already has, and each still loads without errors, the first pass renders
    just those documents' pages from the last build and returns, so the server
    serves them and reloads the browser; it then touches a file in `poke_dir`,
    which the server watches, and the second pass, the rebuild, follows at once
    and brings every page up to date. Any other change (a new, renamed or deleted
    file, mkdocs.yml, the taxonomy, a document with errors) goes straight to the
    rebuild. Use it as a context manager.
    """

    POKE_DELAY = 0.5  # seconds between the first pass and the rebuild: the browser reloads

    def __init__(self, settings: Settings, site_dir: Path, dev_addr: str | None = None) -> None:
        from mkdocs.livereload import _serve_url

        self.config_file = str(_config_file(settings))
        self.docs_dir = str(settings.content_dir)  # the folder kb validates, named or not
        self.site_dir = site_dir
        self._taxonomy = settings.taxonomy_path or settings.root / "taxonomy.yml"
        self._dev_addr = dev_addr
        self.config = self._load()
        host, port = self.config.dev_addr
        mount = urlsplit(self.config.site_url or "/").path
        self.url = _serve_url(host, port, mount)
        self.config.site_url = self.url
        # The server watches this folder: a file touched in it asks for the rebuild.
        self.poke_dir = site_dir / ".kb-preview"
        self.poke_dir.mkdir(parents=True, exist_ok=True)
        self._read: Snapshot | None = None  # the files as the last rebuild read them
        self._shown: Snapshot | None = None  # the files as the last first pass read them
        self._poke: threading.Timer | None = None
        self.config.plugins.on_startup(command="serve", dirty=True)

    def _load(self) -> MkDocsConfig:
        from mkdocs.config import load_config

        extra = {"dev_addr": self._dev_addr} if self._dev_addr else {}
        return load_config(
            self.config_file, site_dir=str(self.site_dir), docs_dir=self.docs_dir, **extra
        )

    def build(self, config: MkDocsConfig | None = None) -> None:
        """Build the preview (the first time) or bring it up to date with the files."""
        from mkdocs.commands.build import build

        if config is None:  # after a save
            if self._first_pass():
                return
            config = self._load()  # mkdocs.yml may have changed too
            config.site_url = self.url
        self.config = config
        read = self._snapshot()
        self._shown = None
        try:
            build(config, serve_url=self.url, dirty=True)
        finally:
            _settle_heap()
        self._read = read

    @property
    def pending(self) -> bool:
        """Whether a first pass has shown saved pages and the rebuild is still to come."""
        return self._shown is not None

    def _snapshot(self) -> Snapshot:
        custom = self.config.theme.custom_dir
        folders = [Path(self.docs_dir)] + ([Path(custom)] if custom else [])
        return Snapshot.take(folders, [Path(self.config_file), self._taxonomy])

    def _first_pass(self) -> bool:
        """Show the saved documents' pages at once, if the save allows (see the class)."""
        from kb.site.plugin import KbPlugin

        if self._read is None:
            return False
        now = self._snapshot()
        if self._shown is not None and now == self._shown:
            return False  # nothing saved since the first pass: the rebuild's turn
        edited, moved = self._read.changed(now)
        docs = Path(self.docs_dir).resolve()
        paths = [Path(p) for p in sorted(edited)]
        if moved or not paths or not all(docs in p.resolve().parents for p in paths):
            return False
        plugin = next((p for p in self.config.plugins.values() if isinstance(p, KbPlugin)), None)
        try:
            if plugin is None or not plugin.show_saved(paths):
                return False
        except Exception as err:  # the rebuild, next, renders these pages and says what fails
            log.info("kb: the saved page(s) could not be shown first (%s); rebuilding", err)
            return False
        log.info("kb: %d saved page(s) shown; the rest of the site follows", len(paths))
        self._shown = now
        self._poke_soon()
        return True

    def _poke_soon(self) -> None:
        if self._poke is not None:
            self._poke.cancel()
        self._poke = threading.Timer(self.POKE_DELAY, self.ask_rebuild)
        self._poke.daemon = True
        self._poke.start()

    def ask_rebuild(self) -> None:
        """Have the server rebuild, as a save does (it watches `poke_dir`)."""
        with contextlib.suppress(OSError):
            (self.poke_dir / "rebuild").write_text(str(time.time_ns()), encoding="utf-8")

    def __enter__(self) -> Preview:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._poke is not None:
            self._poke.cancel()
        self.config.plugins.on_shutdown()


def serve_site(
    settings: Settings, dev_addr: str, *, open_browser: bool = False, poll: bool = False
) -> None:
    """Serve a live preview that rebuilds what changed on every save (until interrupted).

    The content folder is watched by file events (kb.site.watching) unless `poll`, or
    unless the platform has none: then mkdocs' server polls it as it polls the rest.
    """
    from mkdocs.exceptions import MkDocsException
    from mkdocs.livereload import LiveReloadServer

    site_dir = Path(tempfile.mkdtemp(prefix="kb-preview-"))
    watch: ContentWatch | None = None
    try:
        with Preview(settings, site_dir, dev_addr) as preview:
            config = preview.config
            host, port = config.dev_addr
            server = LiveReloadServer(
                builder=preview.build,
                host=host,
                port=port,
                root=str(site_dir),
                mount_path=urlsplit(preview.url).path,
            )
            server.error_handler = lambda code: _error_page(site_dir, code)
            preview.build(config)
            watch = None if poll else ContentWatch(Path(config.docs_dir), preview.ask_rebuild)
            if watch is None or not watch.start():
                server.watch(config.docs_dir)
            server.watch(str(preview.poke_dir))
            server.watch(preview.config_file)
            server = config.plugins.on_serve(server, config=config, builder=preview.build)
            for item in config.watch:
                server.watch(item)
            try:
                server.serve(open_in_browser=open_browser)  # type: ignore[no-untyped-call]
            except KeyboardInterrupt:
                pass
            finally:
                server.shutdown()
    except MkDocsException as err:
        raise SiteError(f"the preview stopped: {err.format_message()}") from None
    finally:
        if watch is not None:
            watch.stop()
        shutil.rmtree(site_dir, ignore_errors=True)


def _error_page(site_dir: Path, code: int) -> bytes | None:
    page = site_dir / f"{code}.html"
    return page.read_bytes() if code in (404, 500) and page.is_file() else None
