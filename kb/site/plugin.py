"""The `kb` mkdocs plugin: hooks that wire the knowledge base into a Material site.

    on_config          where the knowledge base lives (from mkdocs.yml and the options)
    on_files           load + validate the documents, add the generated pages and charts,
                       and set a bounded navigation (sections and index pages, never
                       every document: with mkdocs' default nav every page embeds the
                       whole list and the build turns quadratic)
    on_page_read_source  a document's body as loaded (its YAML is parsed once, by kb)
    on_page_markdown   card on top of each document, action items and Related below;
                       the authors' own Markdown marked for the raw-HTML pass (kb.site.markup)
    on_page_content    fill the pages' <!--kb:...--> slots with their HTML fragments
    on_page_context    ... except those kept out of search: filled after the search plugin
                       (by then the similar incidents, ranked meanwhile in the helper
                       process, are ready)
    on_env             wait for the charts, drawn meanwhile in the same helper process
    on_post_build ...  remove the charts' temporary folder
    on_serve           watch the taxonomy too
    (in `serve`)       documents with errors do not stop the preview: it shows their
                       problems on every page (kb.site.problems) until they are fixed

Page content comes from the pure functions in pages, listings and dashboards.
Parsed front-matter, drawn charts and the similar-incident ranking are kept in
the plugin's cache_dir for the next build (kb.site.cache); `cache: false`
turns that off.
"""

from __future__ import annotations

import dataclasses
import gc
import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.utils import nest_paths
from mkdocs.utils.templates import TemplateContext

from kb.background import Worker
from kb.config import Settings
from kb.errors import KbError
from kb.knowledge import KnowledgeBase, load_knowledge_base
from kb.loader import Document, display_path
from kb.site import routes
from kb.site.config import KbConfig
from kb.site.context import SiteContext
from kb.site.dashboards import home_sections, with_home_sections
from kb.site.fragments import Urls, fill
from kb.site.generate import ChartJob, generate
from kb.site.markup import SafeMarkup
from kb.site.md import esc_attr
from kb.site.navcache import share_nav
from kb.site.pages import Parts, document_parts
from kb.site.problems import banner, problem_page
from kb.site.similar import Similar, similar_later

log = logging.getLogger("mkdocs.plugins.kb")

# Rendered pages are moved out of the cyclic collector's reach in batches of this many.
_FREEZE_EVERY = 500

NAV = (
    ("Timeline", routes.TIMELINE),
    ("Pre-mortems", routes.PREMORTEMS),
    ("Categories", routes.CATEGORIES),
    ("Services", routes.SERVICES),
    ("Tags", routes.TAGS),
    ("Action items", routes.ACTIONS),
    ("Trends", routes.TRENDS),
)


def bounded_nav(own_pages: list[str]) -> list[Any]:
    """kb's navigation: home, the index pages, then the authors' own pages (not documents)."""
    nav: list[Any] = [{"Home": routes.HOME}] + [{title: uri} for title, uri in NAV]
    own = sorted(p for p in own_pages if p != routes.HOME)
    return nav + (nest_paths(own) if own else [])  # type: ignore[no-untyped-call]


class KbPlugin(BasePlugin[KbConfig]):  # type: ignore[no-untyped-call]
    """Turns the postmortems and pre-mortems under docs_dir into a learning site."""

    def __init__(self) -> None:
        self.settings: Settings | None = None
        self.context: SiteContext | None = None
        self._documents: dict[str, Document] = {}
        self._author_home = False
        self._preloaded: KnowledgeBase | None = None
        self._preloaded_worker: Worker | None = None
        self._fragments: dict[str, dict[str, str]] = {}  # src_uri -> slot -> HTML
        self._unsearched: dict[str, Parts] = {}  # documents' other slots, filled after indexing
        self._charts: ChartJob | None = None
        self._chart_dir: Path | None = None
        self._worker: Worker | None = None
        self._frozen = False
        self._rendered = 0
        self._navigation: Navigation | None = None
        self._markup = SafeMarkup()
        self._serving = False
        # While serving with errors: every problem, and each failing file's own.
        self._problems: list[str] = []
        self._failing: dict[str, list[str]] = {}  # shown path -> its problems

    def preload(self, kb: KnowledgeBase, worker: Worker | None = None) -> None:
        """Use an already loaded and validated knowledge base (`kb build` has one) once,
        and the helper process that loaded it, which the plugin then closes."""
        self._preloaded, self._preloaded_worker = kb, worker

    def on_startup(self, *, command: str, dirty: bool) -> None:
        """Note whether this is the live preview (mkdocs then keeps this plugin for
        every rebuild)."""
        self._serving = command == "serve"

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        """Resolve the knowledge base's locations from mkdocs.yml and the plugin options."""
        root = Path(config.config_file_path or ".").resolve().parent
        taxonomy = root / self.config.taxonomy
        self.settings = Settings(
            root=root,
            content_dir=Path(config.docs_dir),
            taxonomy_path=taxonomy if taxonomy.is_file() else None,
            index_dir=root / self.config.index_dir,
            site_dir=Path(config.site_dir),
            mkdocs_file=Path(config.config_file_path) if config.config_file_path else None,
            cache_dir=root / self.config.cache_dir if self.config.cache else None,
        )
        # Every page goes through kb's HTML stance (kb.safety): dangerous link targets
        # always go; the authors' raw HTML as the raw_html option says.
        self._markup = SafeMarkup(self.config.raw_html)
        # mkdocs types the list as names; Python-Markdown takes Extension instances too.
        config.markdown_extensions.append(self._markup)  # type: ignore[arg-type]
        return config

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files | None:
        """Load and validate the documents, then add every generated page and chart."""
        self._cleanup()
        # One helper process parses ahead while the documents load (unless `kb build`
        # loaded them already), then ranks similar incidents (needed once every page's
        # Markdown is rendered) and draws the charts (needed at the end), beside mkdocs.
        self._worker, self._preloaded_worker = self._preloaded_worker or Worker(), None
        kb = self._load()
        if kb is None:  # serving, and nothing loads: the pages show the problem instead
            self._documents, self.context = {}, None
            if files.get_file_from_path(routes.HOME) is None:
                self._add(files, config, routes.HOME, content=problem_page(".", self._problems))
            return files
        # Documents that mkdocs.yml keeps out of the site (exclude_docs, draft_docs) are not
        # linked from anywhere either.
        shown = [d for d in kb.documents if _included(files.get_file_from_path(d.src_uri))]
        if len(shown) < len(kb.documents):
            kb = dataclasses.replace(kb, documents=shown)
        self._documents = {d.src_uri: d for d in kb.documents}
        home = files.get_file_from_path(routes.HOME)
        self._author_home = home is not None and routes.HOME not in self._documents
        assert self.settings is not None  # on_config has run
        cache_dir = self.settings.cache_dir  # None with `cache: false` or --no-cache
        limit = self.config.similar_limit
        similar = (
            similar_later(kb.documents, kb.settings, limit, self._worker, cache_dir)
            if limit
            else None
        )
        self.context = SiteContext(
            kb,
            similar_from=(lambda: _logged(similar())) if similar is not None else None,
            page_size=self.config.page_size,
            urls=Urls(directory_urls=config.use_directory_urls),
        )
        self._fragments = {}
        self._unsearched = {}
        pages, charts = generate(self.context, config.site_name, with_home=home is None)
        self._chart_dir = Path(tempfile.mkdtemp(prefix="kb-charts-"))
        self._charts = ChartJob(charts, self._chart_dir, worker=self._worker, cache_dir=cache_dir)
        chart_files = [(uri, self._chart_dir / uri) for c in charts for uri in (c.uri, c.dark_uri)]
        for page in pages:
            self._add(files, config, page.src_uri, content=page.content)
            if page.fragments:
                self._fragments[page.src_uri] = page.fragments
        for uri, path in chart_files:
            self._add(files, config, uri, path=path)
        for src_uri in self._documents:
            file = files.get_file_from_path(src_uri)
            if file is not None and file.inclusion is InclusionLevel.INCLUDED:
                file.inclusion = InclusionLevel.NOT_IN_NAV
        if config.nav is None:
            config.nav = self._nav(files)
        # The documents and the generated pages live until the build ends: take them out of
        # the cyclic collector's full passes, which otherwise rescan them again and again
        # while mkdocs renders (at 10,000 documents, millions of objects each time).
        gc.freeze()
        self._frozen = True
        self._rendered = 0
        return files

    def _add(
        self,
        files: Files,
        config: MkDocsConfig,
        uri: str,
        *,
        content: str = "",
        path: Path | None = None,
    ) -> None:
        clash = files.get_file_from_path(uri)
        if clash is not None:
            raise PluginError(
                f"{self._shown(clash)}: kb generates {uri} itself; move or rename this file"
            )
        # Not in nav: the bounded nav names the index pages it wants.
        level = InclusionLevel.NOT_IN_NAV
        if path is None:
            files.append(File.generated(config, uri, content=content, inclusion=level))
        else:
            files.append(File.generated(config, uri, abs_src_path=str(path), inclusion=level))

    def _load(self) -> KnowledgeBase | None:
        assert self.settings is not None
        kb, self._preloaded = self._preloaded, None
        if (
            kb is not None
            and kb.settings.content_dir.resolve() != self.settings.content_dir.resolve()
        ):
            kb = None
        try:
            if kb is None:
                kb = load_knowledge_base(
                    self.settings,
                    today=self.config.today,
                    cache_dir=self.settings.cache_dir,
                    warning_lines=False,  # only counted here
                    worker=self._worker,
                )
        except KbError as err:
            if not self._serving:
                raise PluginError(str(err)) from None
            # Nothing loads (a broken taxonomy, no content folder): every page says why.
            self._problems, self._failing = [str(err)], {}
            log.info("kb: %s", err)
            return None
        if self.config.today is not None and kb.today != self.config.today:
            # Errors do not depend on the day; only overdue items and "this quarter" do.
            kb = dataclasses.replace(kb, today=self.config.today)
        self._problems, self._failing = [], {}
        if kb.errors and self._serving:
            # The preview goes on with what loads; the problems are on every page.
            for problem in kb.errors:
                self._problems.append(str(problem))
                self._failing.setdefault(problem.path, []).append(str(problem))
            # Said at info level: a warning would abort a strict build, and the point
            # is to keep the preview answering.
            log.info("kb: %d problem(s) in the documents:", len(kb.errors))
            for line in self._problems:
                log.info("  %s", line)
        elif kb.errors:
            lines = "\n".join(str(p) for p in kb.errors)
            raise PluginError(f"kb: {len(kb.errors)} problem(s) in the documents:\n{lines}")
        if kb.warnings:
            log.info(
                f"kb: {len(kb.warnings)} warning(s) in the documents; `kb validate` lists them"
            )
        return kb

    def _nav(self, files: Files) -> list[Any]:
        # The authors' own pages (guides, about ...) stay; kb documents are reached
        # through the index pages instead of each having a nav entry.
        own = [
            f.src_uri
            for f in files.documentation_pages()
            if f.src_uri not in self._documents and f.generated_by is None
        ]
        return bounded_nav(own)

    def on_page_read_source(self, /, *, page: Page, config: MkDocsConfig) -> str | None:
        """A document's body as kb already read it, so mkdocs does not parse its YAML again."""
        doc = self._documents.get(page.file.src_uri)
        if doc is None and self._problems and page.file.abs_src_path:
            shown = display_path(Path(page.file.abs_src_path), Path.cwd().resolve())
            if shown in self._failing or self.context is None:
                found = self._failing.get(shown, self._problems)
                return "---\n{}\n---\n" + problem_page(shown, found)
        if doc is None:
            return None
        # An empty front-matter block: mkdocs then takes the rest as Markdown as it is,
        # rather than reading `Key: value` first lines as MultiMarkdown metadata.
        return "---\n{}\n---\n" + doc.body

    def on_page_markdown(
        self, markdown: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        """Wrap a document's own Markdown in its card, action items and Related section."""
        if self.context is None:
            return None
        src = page.file.src_uri
        doc = self._documents.get(src)
        if doc is not None:
            # Templates print page.meta unescaped; keep only what kb has escaped.
            page.meta = {"title": esc_attr(doc.meta.title)}
            summary = getattr(doc.meta, "summary", "")
            if summary:
                page.meta["description"] = esc_attr(summary)
            parts = document_parts(doc, self.context)
            self._fragments[src], self._unsearched[src] = parts.searched(), parts
            return parts.before + self._markup.authored(markdown) + parts.after
        if src == routes.HOME and self._author_home:
            sections, fragments = home_sections(self.context, routes.HOME)
            self._fragments[src] = fragments
            return with_home_sections(markdown, sections, self._markup.authored)
        if page.file.generated_by is None:
            return self._markup.authored(markdown)  # a page of the authors' own
        return None

    def on_page_content(
        self, html: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        """Put the HTML fragments into the slots of the rendered page (those search sees)."""
        self._rendered += 1
        if self._frozen and self._rendered % _FREEZE_EVERY == 0:
            # Rendered pages live until the build ends too: freeze them in batches.
            gc.freeze()
        fragments = self._fragments.pop(page.file.src_uri, None)
        if self._problems:
            html = banner(self._problems) + html
        return fill(html, fragments, keep_unknown=True) if fragments else html

    @event_priority(-100)  # after the search plugin has indexed the page
    def on_page_context(
        self, context: TemplateContext, /, *, page: Page, config: MkDocsConfig, nav: Navigation
    ) -> TemplateContext | None:
        """Fill the slots kept out of the search index; drop any slot left over."""
        parts = self._unsearched.pop(page.file.src_uri, None)
        if page.content is not None:
            page.content = fill(page.content, parts.unsearched() if parts else {})
        return context

    def on_nav(self, nav: Navigation, /, *, config: MkDocsConfig, files: Files) -> None:
        """Keep the navigation: the sidebar of pages it does not list is shared (on_env)."""
        self._navigation = nav

    def on_env(self, env: Any, /, *, config: MkDocsConfig, files: Files) -> Any:
        """Share the documents' sidebar per folder; wait for the charts, which mkdocs
        copies right after this event."""
        if self._navigation is not None:
            share_nav(env, self._navigation)
        if self._charts is not None:
            try:
                self._charts.wait()
            except Exception as err:
                raise PluginError(f"kb: drawing the charts failed: {err}") from err
        return env

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        """Remove the charts' temporary folder."""
        self._cleanup()

    def on_build_error(self, *, error: Exception) -> None:
        """Stop drawing and remove the temporary folder when the build fails."""
        self._cleanup()

    def on_shutdown(self) -> None:
        """Leave nothing behind."""
        self._cleanup()

    def _cleanup(self) -> None:
        if self._frozen:
            gc.unfreeze()
            self._frozen = False
        if self._charts is not None:
            self._charts.close()
            self._charts = None
        if self._worker is not None:
            self._worker.close()
            self._worker = None
        if self._chart_dir is not None:
            shutil.rmtree(self._chart_dir, ignore_errors=True)
            self._chart_dir = None

    def on_serve(
        self, server: LiveReloadServer, /, *, config: MkDocsConfig, builder: Any
    ) -> LiveReloadServer | None:
        """Rebuild when the taxonomy changes, not only the documents."""
        if self.settings is not None and self.settings.taxonomy_path is not None:
            server.watch(str(self.settings.taxonomy_path))
        return server

    def _shown(self, file: File) -> str:
        if file.abs_src_path and self.settings is not None:
            return self.settings.relative(Path(file.abs_src_path))
        return file.src_uri


def _logged(found: tuple[Similar, str]) -> Similar:
    similar, method = found
    how = "text (search index)" if method == "text" else "shared categories, services and tags"
    log.info("kb: similar incidents by %s", how)
    return similar


def _included(file: File | None) -> bool:
    return file is not None and file.inclusion.value > InclusionLevel.DRAFT.value
