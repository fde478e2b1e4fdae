"""One build of the site: the work behind every hook of the `kb` mkdocs plugin.

`SiteBuild` is made in `on_files` for one build and dropped when it ends. It
loads the knowledge base through the build session (kb.session), adds the
generated pages and charts, hands mkdocs each document's body, wraps it in its
card, action items and Related section, fills the HTML slots, and waits for the
charts. The similar-incident ranking and the charts run in the session's helper
process meanwhile. Page content comes from the pure functions in pages,
listings and dashboards.

While serving (`kb serve`), documents with errors do not stop the build: the
preview shows their problems instead (kb.site.problems). The preview keeps the
last build to show a saved document's page at once (`saved_pages` and `render`,
the first of the two passes kb.site.preview describes).
"""

from __future__ import annotations

import dataclasses
import gc
import logging
import shutil
import tempfile
from collections import ChainMap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache
from mkdocs.commands.build import get_context
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.utils import nest_paths, write_file

from kb.checks import check_document
from kb.config import LoopOptions, Settings
from kb.errors import KbError
from kb.init import setup_advice
from kb.knowledge import KnowledgeBase
from kb.loader import Document, display_path, load_file
from kb.session import BuildSession
from kb.site import routes
from kb.site.charts import Chart
from kb.site.config import KbConfig, internet_fetches
from kb.site.context import Generated, SiteContext
from kb.site.dashboards import home_sections, with_home_sections
from kb.site.fragments import Urls, fill, h
from kb.site.generate import ChartJob, generate
from kb.site.markup import SafeMarkup
from kb.site.navcache import share_nav
from kb.site.outline import PageOutline
from kb.site.pagefind import (
    ASSETS,
    SCRIPT,
    STYLE,
    Reindexer,
    SearchIndexer,
    filters,
    searchable,
    spread,
    unindexed,
)
from kb.site.pages import Parts, document_parts, link_ids
from kb.site.preview import LINKS, Inputs, PreviewState, fingerprint
from kb.site.problems import Shown, problem_page
from kb.site.ranking import SimilarMap
from kb.site.similar import similar_later

log = logging.getLogger("mkdocs.plugins.kb")

NAV = (
    ("Timeline", routes.TIMELINE),
    ("Pre-mortems", routes.PREMORTEMS),
    ("Categories", routes.CATEGORIES),
    ("Services", routes.SERVICES),
    ("Tags", routes.TAGS),
    ("Action items", routes.ACTIONS),
    ("This week", routes.WEEK),
    ("Trends", routes.TRENDS),
)


def bounded_nav(own_pages: list[str]) -> list[Any]:
    """kb's navigation: home, the index pages, then the authors' own pages (not documents)."""
    nav: list[Any] = [{"Home": routes.HOME}] + [{title: uri} for title, uri in NAV]
    own = sorted(p for p in own_pages if p != routes.HOME)
    return nav + (nest_paths(own) if own else [])  # type: ignore[no-untyped-call]


def configure_search(config: MkDocsConfig, options: KbConfig) -> None:
    """Put kb's search box (Pagefind) on every page, unless another search is chosen."""
    if not options.pagefind:
        return
    if "material/search" in config.plugins or "search" in config.plugins:
        # The author chose Material's search (an older or hand-written mkdocs.yml): keep it,
        # and say how to have kb's, which stays fast at any size.
        log.info(
            "kb: Material's `search` plugin is configured, so kb leaves the site's search to "
            "it; remove `- search` from `plugins:` for kb's (Pagefind: a chunked index, "
            "fast at any size)"
        )
        options.pagefind = False
        return
    config.extra_css.append(STYLE)
    config.extra_javascript.append(SCRIPT)


def reindex_later(config: MkDocsConfig, options: KbConfig, later: Reindexer | None) -> None:
    """In the incremental preview, have the search index made again after the build, in
    a thread, so that the pages are served first (a build's own is made during it)."""
    if options.pagefind and later is not None:
        later.request(Path(config.site_dir))


class _DirtyIsFine(logging.Filter):
    """Drops mkdocs' warning that a dirty build may leave pages stale: kb's preview
    renders every page whose inputs changed (kb.site.preview), and in a strict
    site the warning would abort each rebuild."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("A 'dirty' build is being performed")


_DIRTY_IS_FINE = _DirtyIsFine()


class _Compiled(jinja2.BytecodeCache):
    """Compiled templates kept in memory for the preview's next rebuild (jinja checks
    each one against its source before using it)."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_COMPILED = _Compiled()


def incremental_preview() -> PreviewState:
    """The state of an incremental preview (`serve --dirty`, which `kb serve` runs)."""
    logging.getLogger("mkdocs.commands.build").addFilter(_DIRTY_IS_FINE)  # once: a set
    return PreviewState()


def settings_for(config: MkDocsConfig, options: KbConfig) -> Settings:
    """The knowledge base's locations, from mkdocs.yml and the plugin's options."""
    root = Path(config.config_file_path or ".").resolve().parent
    taxonomy = root / options.taxonomy
    return Settings(
        root=root,
        content_dir=Path(config.docs_dir),
        taxonomy_path=taxonomy if taxonomy.is_file() else None,
        index_dir=root / options.index_dir,
        site_dir=Path(config.site_dir),
        mkdocs_file=Path(config.config_file_path) if config.config_file_path else None,
        cache_dir=root / options.cache_dir if options.cache else None,
        loop=LoopOptions.from_options(dict(options)),
    )


class SiteBuild:
    """The pages, charts and slots of one build, and what the preview shows of problems."""

    def __init__(
        self,
        settings: Settings,
        options: KbConfig,
        session: BuildSession,
        markup: SafeMarkup,
        outline: PageOutline,
        *,
        serving: bool = False,
        preview: PreviewState | None = None,
    ) -> None:
        self.settings = settings
        self.preview = preview  # the incremental preview's state (kb.site.preview)
        self.options = options
        self.session = session
        self.markup = markup
        self.outline = outline
        self.serving = serving
        self.context: SiteContext | None = None
        self.shown = Shown()  # problems the preview shows (serving only)
        self._documents: dict[str, Document] = {}
        self._author_home = False
        self._fragments: dict[str, dict[str, str]] = {}  # src_uri -> slot -> HTML
        self._unsearched: dict[str, Parts] = {}  # documents' other slots, filled after search
        self._charts: ChartJob | None = None
        self._shown_charts: dict[str, str] | None = None  # the charts as pages show them
        self._chart_dir: Path | None = None
        self._navigation: Navigation | None = None
        self._parts: dict[str, Parts] = {}  # documents' parts, made early by the preview
        self._files: Files | None = None
        self._config: MkDocsConfig | None = None
        self._env: jinja2.Environment | None = None
        self._search: SearchIndexer | None = None  # the search index being made
        self._file_order: dict[str, int] = {}  # src_uri -> place, while rendered in another
        # The preview's: fingerprints of the site's files and settings, what kb generated,
        # and whether no document's front-matter changed since the last build.
        self._sources = self._settings_key = ""
        self._generated: tuple[list[Generated], list[Chart]] = ([], [])
        self._same_front = False
        self._changed: set[str] | None = None  # ids, when the files and settings are the same
        # Per document page (src_uri), for the preview's next build: the documents it shows
        # and what the relations said of it (Inputs.reads and Inputs.relations).
        self._reads: dict[str, frozenset[str]] = {}
        self._relations: dict[str, object] = {}
        self._paused = False  # the cyclic collector, by add_files (the preview)

    # ------------------------------------------------------------ on_files

    def add_files(
        self, files: Files, config: MkDocsConfig, kb: KnowledgeBase | None = None
    ) -> Files:
        """Load and validate the documents (unless `kb` is given), then add every
        generated page and chart, and set the bounded navigation."""
        if self.preview is not None and gc.isenabled():
            # What the preview makes from here to the navigation (the knowledge base, the
            # generated pages, mkdocs' page objects) lives to the next save: collecting
            # while it is made walks it again and again. `navigation` (or `close`, should
            # the build fail first) resumes collecting, and kb.site.build.Preview settles
            # the heap once the build ends.
            gc.disable()
            self._paused = True
        return self._add_files(files, config, kb)

    def _add_files(self, files: Files, config: MkDocsConfig, kb: KnowledgeBase | None) -> Files:
        self._files, self._config = files, config
        kb = self._checked(kb)
        advice = setup_advice(
            self.settings.root, self.settings.content_dir, self.settings.taxonomy_path
        )
        if advice is not None:
            log.info("kb: %s", advice)
        if kb is None:  # serving, and nothing loads: every page shows why
            if files.get_file_from_path(routes.HOME) is None:
                self._add(files, config, routes.HOME, content=problem_page(".", self.shown.all))
            if self.preview is not None:
                self.preview.begin("nothing loads")
                self._plan(files, config, [])
            return files
        # Documents that mkdocs.yml keeps out of the site (exclude_docs, draft_docs) are not
        # linked from anywhere either.
        shown = [d for d in kb.documents if _included(files.get_file_from_path(d.src_uri))]
        if len(shown) < len(kb.documents):
            kb = dataclasses.replace(kb, documents=shown)
        self._documents = {d.src_uri: d for d in kb.documents}
        home = files.get_file_from_path(routes.HOME)
        self._author_home = home is not None and routes.HOME not in self._documents
        limit = self.options.similar_limit
        similar = similar_later(kb.documents, kb.settings, limit, self.session) if limit else None
        self.context = SiteContext(
            kb,
            similar_from=(lambda: _logged(similar())) if similar is not None else None,
            page_size=self.options.page_size,
            urls=Urls(directory_urls=config.use_directory_urls),
            count_in_review=self.options.count_in_review,
        )
        for fetch in internet_fetches(config):  # a warning, except where it would fail a build
            log.log(logging.INFO if config.strict else logging.WARNING, "kb: %s", fetch)
        pages, charts = self._generate(files, config, with_home=home is None)
        self._chart_dir = Path(tempfile.mkdtemp(prefix="kb-charts-"))
        self._charts = ChartJob(charts, self._chart_dir, self.session)
        self._shown_charts = None
        for page in pages:
            self._add(files, config, page.src_uri, content=page.content)
            if page.fragments:
                self._fragments[page.src_uri] = page.fragments
        for chart in charts:
            self._add(files, config, chart.uri, path=self._chart_dir / chart.uri)
        if self.options.pagefind:
            for uri in (SCRIPT, STYLE):
                self._add(files, config, uri, path=ASSETS / Path(uri).name)
        for src_uri in self._documents:
            file = files.get_file_from_path(src_uri)
            if file is not None and file.inclusion is InclusionLevel.INCLUDED:
                file.inclusion = InclusionLevel.NOT_IN_NAV
        if config.nav is None:
            config.nav = self._nav(files)
        if self.preview is not None:
            self._plan(files, config, pages)
        elif self.options.pagefind:
            # (The incremental preview renders only some pages: it indexes the whole
            # folder after each build instead; reindex_later.)
            files = self._index_as_rendered(files, config)
        return files

    def _index_as_rendered(self, files: Files, config: MkDocsConfig) -> Files:
        """Start the search index that Pagefind makes in parts while the pages render;
        the files in the order that makes each part a sample of the site (`spread`),
        until every page's Markdown is rendered (`environment` puts them back)."""
        searched = [f for f in files.documentation_pages() if self._searched(f)]
        language = config.theme.get("language") or "en"
        self._search = SearchIndexer(Path(config.site_dir), str(language), len(searched))
        self._file_order = {f.src_uri: n for n, f in enumerate(files)}
        order = iter(spread(searched))
        chosen = {f.src_uri for f in searched}
        return Files([next(order) if f.src_uri in chosen else f for f in files])

    def _searched(self, file: File) -> bool:
        """Whether the search indexes this page: the authors' own pages, not the ones kb
        generates (they would match every word of the documents they list), nor a home
        page with kb's sections."""
        return file.generated_by is None and not (file.src_uri == routes.HOME and self._author_home)

    def _generate(
        self, files: Files, config: MkDocsConfig, *, with_home: bool
    ) -> tuple[list[Generated], list[Chart]]:
        """The pages kb generates, and their charts; the preview keeps the last build's
        when nothing they read changed (kb.site.preview, Inputs)."""
        assert self.context is not None
        if self.preview is not None:
            self._sources = fingerprint(*sorted(f.src_uri for f in files))
            self._settings_key = self._read_settings()
            last = self.preview.inputs
            if last is not None and last.same_files(self._sources, self._settings_key):
                self._changed = last.changed_ids(self._documents)
            self._same_front = self._changed is not None and not self._changed
            if last is not None and self._same_front:
                self.context.adopt(last.related)
                self._generated = last.generated
                return self._generated
        self._generated = generate(self.context, config.site_name, with_home=with_home)
        return self._generated

    # ------------------------------------------------------------ the preview

    def _plan(self, files: Files, config: MkDocsConfig, generated: list[Generated]) -> None:
        """Tell mkdocs which pages to render again: those whose inputs changed since the
        preview's last build (kb.site.preview)."""
        assert self.preview is not None
        ctx = self.context
        # The site's files, once: a page with links depends on which files exist.
        every = fingerprint(*sorted(f.src_uri for f in files))
        listed = set(_nav_uris(config.nav))
        if ctx is not None:
            self.preview.begin(self._site_key(config, listed, files))
        made = {page.src_uri: page for page in generated}
        similar: dict[str, list[str]] = {}
        if ctx is not None:
            for each in self._documents.values():
                similar[each.id] = [other for other, _score in ctx.similar_to(each.id)]
        last, shared = self.preview.inputs, ctx.shared_by_pages() if ctx is not None else None
        if last is not None and (self._changed is None or last.shared != shared):
            last = None  # other files, settings or facets: every page is made again
        for file in files.documentation_pages(inclusion=InclusionLevel.is_in_serve):
            src, key = file.src_uri, None
            doc = self._documents.get(src)
            if src in listed or ctx is None:
                pass  # the navigation shows its title on every page: always rendered
            elif doc is not None:
                if last is not None:
                    key = self._kept_key(doc, ctx, last, similar[doc.id])
                key = key or self._document_key(doc, ctx, every)
            elif src in made:
                page = made[src]
                links = every if LINKS.search(page.content) else ""
                key = fingerprint(src, page.content, page.fragments, links)
            render = self.preview.needs(src, key)
            file.is_modified = _answer(render)  # type: ignore[method-assign]
        if ctx is not None:
            self.preview.inputs = Inputs(
                self._sources,
                self._settings_key,
                dict(self._documents),
                self._generated,
                similar,
                ctx.front_matter_values(),
                self._reads,
                self._relations,
                shared,
            )

    def _kept_key(
        self, doc: Document, ctx: SiteContext, last: Inputs, similar: list[str]
    ) -> str | None:
        """The fingerprint of the page the last build wrote for this document, when nothing
        it is made from changed since (kb.site.preview, Inputs); None: make it again."""
        src = doc.src_uri
        if self._same_front:  # no front-matter changed: the same relations, as adopted
            relations = last.relations.get(src)
            unchanged = last.same_page(doc, similar)
        else:
            relations, _named = ctx.relations_of(doc)
            assert self._changed is not None
            unchanged = last.unaffected(doc, similar, relations, self._changed)
        reads = last.reads.get(src)
        if not unchanged or reads is None:
            return None
        self._reads[src], self._relations[src] = reads, relations
        return self.preview.written(src) if self.preview is not None else None

    def _document_key(self, doc: Document, ctx: SiteContext, every: str) -> str:
        """The fingerprint of a document's page, from its parts (kept for its render),
        and, for the preview's next build, what it shows of other documents."""
        with ctx.reading() as read:
            parts = document_parts(doc, ctx)
            # Similar incidents are needed now, to know whether the page changed.
            parts = Parts(parts.outline, {**parts.fragments, **parts.unsearched()})
            # The ids in its text, linked to their documents' pages as it renders.
            body = link_ids(doc.body, doc, ctx)
        relations, named = ctx.relations_of(doc)
        self._parts[doc.src_uri] = parts
        self._reads[doc.src_uri], self._relations[doc.src_uri] = frozenset(read | named), relations
        summary = getattr(doc.meta, "summary", "")
        marks = filters(doc, ctx.kb.taxonomy) if self.options.pagefind else {}
        links = every if LINKS.search(doc.body) else ""
        return fingerprint(
            doc.src_uri, doc.meta.title, summary, parts.outline, body, parts.fragments, marks,
            links,
        )  # fmt: skip

    def _site_key(self, config: MkDocsConfig, listed: set[str], files: Files) -> str:
        """What every page shows: the configuration and the theme's overrides, the
        navigation and the titles in it, the problems banner, the day."""
        assert self.context is not None
        sources = [self._settings_key]
        custom = config.theme.custom_dir  # the site's own template overrides
        for path in sorted(Path(custom).rglob("*")) if custom else []:
            if path.is_file():
                stat = path.stat()
                sources.append(f"{path}:{stat.st_mtime_ns}:{stat.st_size}")
        for src in sorted(listed):  # an author's page names itself in the navigation
            file = files.get_file_from_path(src)
            if file is not None and file.generated_by is None and file.abs_src_path:
                sources.append(Path(file.abs_src_path).read_text(encoding="utf-8"))
        return fingerprint(*sources, repr(config.nav), self.shown.all, self._author_home)

    def _read_settings(self) -> str:
        """A fingerprint of what the whole site is made with: mkdocs.yml, the taxonomy,
        the plugin's options and the day."""
        assert self.context is not None
        texts = [
            path.read_text(encoding="utf-8") if path and path.is_file() else ""
            for path in (self.settings.mkdocs_file, self.settings.taxonomy_path)
        ]
        options = {k: repr(v) for k, v in self.options.items()}
        return fingerprint(*texts, options, self.context.today)

    def finish(self, config: MkDocsConfig) -> None:
        """The pages are written: put the search index in the site; in the preview,
        remove the files of pages that are gone."""
        if self._search is not None:
            search, self._search = self._search, None
            try:
                done = search.finish()
            except KbError as err:
                raise PluginError(f"kb: {err}") from None
            log.info(
                "kb: search index of %d page(s) made in %.1f s (%.1f MB, fetched in chunks)",
                done.pages,
                done.seconds,
                done.bytes / 1e6,
            )
        if self.preview is None or self._files is None:
            return
        outputs = [f.dest_uri for f in self._files]
        outputs += ["404.html", "sitemap.xml", "sitemap.xml.gz"]  # the theme's own
        gone = self.preview.finish(Path(config.site_dir), outputs)
        log.info(
            "kb: %d page(s) rendered, %d unchanged%s",
            self.preview.rendered,
            self.preview.kept,
            f", {len(gone)} file(s) removed" if gone else "",
        )

    def _checked(self, kb: KnowledgeBase | None) -> KnowledgeBase | None:
        """The knowledge base, loaded unless given; errors stop a build, not the preview."""
        try:
            if kb is None:
                kb = self.session.load(self.settings, today=self.options.today)
        except KbError as err:
            if not self.serving:
                raise PluginError(str(err)) from None
            self.shown = Shown.of_failure(str(err))
            log.info("kb: %s", err)
            return None
        if self.options.today is not None and kb.today != self.options.today:
            # Errors do not depend on the day; only overdue items and "this quarter" do.
            kb = dataclasses.replace(kb, today=self.options.today)
        if kb.errors and not self.serving:
            lines = "\n".join(str(p) for p in kb.errors)
            raise PluginError(f"kb: {len(kb.errors)} problem(s) in the documents:\n{lines}")
        if kb.errors:
            # The preview goes on with what loads; the problems are on every page. Said at
            # info level: a warning would abort a strict build, and the point is to keep
            # the preview answering.
            self.shown = Shown.of_problems(kb.errors)
            log.info("kb: %d problem(s) in the documents:", len(kb.errors))
            for line in self.shown.all:
                log.info("  %s", line)
        if kb.warnings:
            log.info(
                f"kb: {len(kb.warnings)} warning(s) in the documents; `kb validate` lists them"
            )
        return kb

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

    def _nav(self, files: Files) -> list[Any]:
        # The authors' own pages (guides, about ...) stay; kb documents are reached
        # through the index pages instead of each having a nav entry.
        own = [
            f.src_uri
            for f in files.documentation_pages()
            if f.src_uri not in self._documents and f.generated_by is None
        ]
        return bounded_nav(own)

    def _shown(self, file: File) -> str:
        if file.abs_src_path:
            return self.settings.relative(Path(file.abs_src_path))
        return file.src_uri

    # ------------------------------------------------------------ pages

    def read_source(self, page: Page) -> str | None:
        """A document's body as kb already read it (so mkdocs does not parse its YAML
        again), or, in the preview, the problems of a file that did not load."""
        doc = self._documents.get(page.file.src_uri)
        if doc is not None:
            # An empty front-matter block: mkdocs then takes the rest as Markdown as it is,
            # rather than reading `Key: value` first lines as MultiMarkdown metadata.
            return "---\n{}\n---\n" + doc.body
        if self.shown.all and page.file.abs_src_path:
            path = display_path(Path(page.file.abs_src_path), Path.cwd().resolve())
            problems = self.shown.of_file(path, everything=self.context is None)
            if problems:
                return "---\n{}\n---\n" + problem_page(path, problems)
        return None

    def markdown(self, markdown: str, page: Page) -> str | None:
        """A document's Markdown in its card, action items and Related section; the
        authors' own Markdown marked for the raw-HTML pass (kb.site.markup)."""
        if self.context is None:
            return None
        src = page.file.src_uri
        doc = self._documents.get(src)
        if doc is not None:
            # Templates print page.meta unescaped; keep only what kb has escaped.
            page.meta = {"title": h(doc.meta.title)}
            summary = getattr(doc.meta, "summary", "")
            if summary:
                page.meta["description"] = h(summary)
            parts = self._parts.pop(src, None) or document_parts(doc, self.context)
            self._fragments[src], self._unsearched[src] = parts.searched(), parts
            body = self.markup.authored(link_ids(markdown, doc, self.context))
            return self.outline.mark(parts.outline) + body
        if src == routes.HOME and self._author_home:
            sections, fragments = home_sections(self.context, routes.HOME)
            self._fragments[src] = fragments
            return with_home_sections(markdown, sections, self.markup.authored)
        if page.file.generated_by is None:
            return self.markup.authored(markdown)  # a page of the authors' own
        return None

    def content(self, html: str, page: Page) -> str | None:
        """The rendered page with its slots filled (those search sees), and the
        preview's banner of problems on top."""
        src = page.file.src_uri
        fragments = self._fragments.pop(src, None)
        if fragments:
            html = fill(html, fragments, keep_unknown=True)
        if self.options.pagefind and self.context is not None:
            # Documents and the authors' own pages are searched, the generated ones not.
            doc = self._documents.get(src)
            if doc is not None or self._searched(page.file):
                html = searchable(html, filters(doc, self.context.kb.taxonomy) if doc else None)
                if self._search is not None:
                    self._search.add(page.file.dest_uri, html)
        return self.shown.banner() + html if self.shown.all else html

    def unsearched(self, page: Page) -> None:
        """Fill the slots kept out of the search index; drop any slot left over."""
        parts = self._unsearched.pop(page.file.src_uri, None)
        if page.content is not None:
            own = parts.unsearched() if parts else {}
            if self.options.pagefind:
                own = {name: unindexed(fragment) for name, fragment in own.items()}
            page.content = fill(page.content, ChainMap(own, self._inline_charts()))

    def _inline_charts(self) -> dict[str, str]:
        """Every chart's markup by slot, as pages show it: made once per build, not per
        page (the same few hundred charts for each of thousands of pages)."""
        if self._charts is None:
            return {}
        if self._shown_charts is None:
            charts = self._charts.inline()
            if self.options.pagefind:
                charts = {name: unindexed(fragment) for name, fragment in charts.items()}
            self._shown_charts = charts
        return self._shown_charts

    def written(self, page: Page) -> None:
        """Drop a rendered page's HTML, which mkdocs keeps to the end of the build and
        nothing reads once the page is written (at 10,000 documents, over 200 MB held to
        the last page). A page rendered again renders it anew. Its Markdown stays: the
        navigation of the pages after it asks for its title, which mkdocs gives only
        while the page has its Markdown."""
        page.content = None

    # ------------------------------------------------------------ the end

    def navigation(self, nav: Navigation) -> None:
        """Keep the navigation: the sidebar of pages it does not list is shared."""
        self._navigation = nav
        self._resume_collecting()

    def _resume_collecting(self) -> None:
        if self._paused:  # by add_files
            gc.enable()
            self._paused = False

    def environment(self, env: Any, files: Files) -> None:
        """Share the documents' sidebar per folder; wait for the charts, which mkdocs
        copies right after this. The preview compiles the theme's templates once:
        mkdocs loads a new configuration, and with it a new template environment, for
        every rebuild."""
        if self._search is not None:
            self._search.start()  # every page's Markdown is rendered; now the templates
        if self._file_order:  # back in their own order, for the sitemap and other plugins
            last = len(self._file_order)
            for file in sorted(files, key=lambda f: self._file_order.get(f.src_uri, last)):
                files.remove(file)
                files.append(file)
            self._file_order = {}
        self._env = env
        if self.preview is not None:
            env.bytecode_cache = _COMPILED
        if self._navigation is not None:
            share_nav(env, self._navigation)
        if self._charts is not None:
            try:
                self._charts.wait()
            except Exception as err:
                raise PluginError(f"kb: drawing the charts failed: {err}") from err

    # ------------------------------------------------------------ a save, at once

    def saved_pages(self, paths: list[Path]) -> list[Page] | None:
        """The pages of these saved documents, with their new text taken in, when this
        (ended) build can render them as they are now; None when only a rebuild can:
        a file that is not one of its documents, or does not load, or has an error."""
        ctx, files = self.context, self._files
        if ctx is None or files is None or self._env is None or self.preview is None:
            return None
        cwd = Path.cwd().resolve()
        saved: list[tuple[Document, Page]] = []
        for path in paths:
            loaded = load_file(
                path,
                taxonomy=ctx.kb.taxonomy,
                content_dir=self.settings.content_dir.resolve(),
                shown=display_path(path, cwd),
            )
            doc = loaded.document
            if doc is None or any(p.severity == "error" for p in loaded.problems):
                return None
            file = files.get_file_from_path(doc.src_uri)
            if doc.src_uri not in self._documents or file is None or file.page is None:
                return None
            if any(p.severity == "error" for p in check_document(doc, ctx.today)):
                return None
            saved.append((doc, file.page))
        for doc, _page in saved:
            self._documents[doc.src_uri] = doc
            self._parts.pop(doc.src_uri, None)
            self.preview.drop(doc.src_uri)  # the rebuild after renders it with the rest
        return [page for _, page in saved]

    def render(self, page: Page) -> None:
        """Render and write one page of this ended build, through every plugin's page
        events as mkdocs' build does (the kb plugin's lead back here)."""
        config, files, env = self._config, self._files, self._env
        assert config is not None and files is not None and env is not None
        nav = self._navigation
        assert nav is not None
        page = config.plugins.on_pre_page(page, config=config, files=files)
        page.read_source(config)
        assert page.markdown is not None
        page.markdown = config.plugins.on_page_markdown(
            page.markdown, page=page, config=config, files=files
        )
        page.render(config, files)
        assert page.content is not None
        page.content = config.plugins.on_page_content(
            page.content, page=page, config=config, files=files
        )
        page.active = True
        try:
            pages = files.documentation_pages(inclusion=InclusionLevel.is_in_serve)
            context = get_context(nav, pages, config, page)
            template = env.get_template(page.meta.get("template", "main.html"))
            context = config.plugins.on_page_context(context, page=page, config=config, nav=nav)
            output = config.plugins.on_post_page(template.render(context), page=page, config=config)
        finally:
            page.active = False
        write_file(output.encode("utf-8", errors="xmlcharrefreplace"), page.file.abs_dest_path)

    def close(self) -> None:
        """Remove the charts' and the search index's temporary folders."""
        self._resume_collecting()
        if self._search is not None:
            self._search.close()
            self._search = None
        self._charts = self._shown_charts = None
        if self._chart_dir is not None:
            shutil.rmtree(self._chart_dir, ignore_errors=True)
            self._chart_dir = None


def _answer(value: bool) -> Callable[[], bool]:
    """A function that always returns `value`."""
    return lambda: value


def _nav_uris(nav: Any) -> list[str]:
    """Every page a navigation (mkdocs.yml's `nav` form) lists."""
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, dict):
        return [uri for value in nav.values() for uri in _nav_uris(value)]
    if isinstance(nav, list):
        return [uri for item in nav for uri in _nav_uris(item)]
    return []


def _logged(found: tuple[SimilarMap, str]) -> SimilarMap:
    similar, method = found
    how = "text (search index)" if method == "text" else "shared categories, services and tags"
    log.info("kb: similar incidents by %s", how)
    return similar


def _included(file: File | None) -> bool:
    return file is not None and file.inclusion.value > InclusionLevel.DRAFT.value
