"""The `kb` mkdocs plugin: each hook hands its work to one build (kb.site.sitebuild).

    on_startup         note whether this is the live preview (`serve`); `serve --dirty`,
                       as `kb serve` runs it, renders only what changed (kb.site.preview)
    on_config          where the knowledge base lives; kb's HTML stance (kb.site.markup)
                       and the documents' headings (kb.site.outline); the search box
    on_files           a SiteBuild loads and validates the documents through the build
                       session (kb.session), adds the generated pages and charts, and
                       sets a bounded navigation
    on_page_*          a document's body, wrapped in its card, action items and Related;
                       the slots filled (those kept out of search after the search plugin)
    on_nav, on_env     the shared sidebar; wait for the charts
    on_post_build ...  the search index (kb.site.pagefind) into the site; end the build,
                       and the session if the plugin opened it
    on_serve           watch the taxonomy too
    show_saved         (not a hook) the preview's first pass after a save: the saved
                       documents' pages rendered at once by the last build

`kb build` hands the plugin its session and the knowledge base it has already
loaded (`use`); under plain `mkdocs build` the plugin opens a session itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.utils.templates import TemplateContext

from kb.config import Settings
from kb.knowledge import KnowledgeBase
from kb.session import BuildSession
from kb.site.config import KbConfig
from kb.site.markup import SafeMarkup
from kb.site.outline import PageOutline
from kb.site.pagefind import Reindexer, stop_pagefind
from kb.site.preview import PreviewState
from kb.site.sitebuild import (
    SiteBuild,
    configure_search,
    incremental_preview,
    reindex_later,
    settings_for,
)


class KbPlugin(BasePlugin[KbConfig]):  # type: ignore[no-untyped-call]
    """Turns the postmortems and pre-mortems under docs_dir into a learning site."""

    def __init__(self) -> None:
        self.settings: Settings | None = None
        self.build: SiteBuild | None = None
        self._markup, self._outline = SafeMarkup(), PageOutline()
        self._serving = False
        self._given: tuple[BuildSession, KnowledgeBase | None] | None = None
        self._own: BuildSession | None = None
        self._preview: PreviewState | None = None
        self._reindexer: Reindexer | None = None
        self._last: SiteBuild | None = None  # the preview's last build that ended well

    def use(self, session: BuildSession, kb: KnowledgeBase | None = None) -> None:
        """Build with this session (its caller closes it) and, once, this loaded and
        validated knowledge base: `kb build` has both."""
        self._given = (session, kb)

    def on_startup(self, *, command: str, dirty: bool) -> None:
        """Note whether this is the live preview (mkdocs then keeps this plugin for
        every rebuild); `serve --dirty`, as `kb serve` runs it, renders only what changed."""
        self._serving = command == "serve"
        # mkdocs keeps this instance for the process: a `kb build` after a preview in the
        # same process (tests) must not find the preview's state.
        self._preview, self._reindexer, self._last = None, None, None
        self._close_session()
        if self._serving and dirty:
            self._preview, self._reindexer = incremental_preview(), Reindexer()

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        """Resolve the knowledge base's locations; put kb's HTML stance on every page."""
        self.settings = settings_for(config, self.config)
        self._markup, self._outline = SafeMarkup(self.config.raw_html), PageOutline()
        # mkdocs types the list as names; Python-Markdown takes Extension instances too.
        config.markdown_extensions += [self._markup, self._outline]  # type: ignore[list-item]
        configure_search(config, self.config)
        return config

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files | None:
        """Start this build: load and check the documents, add the generated pages."""
        self._end()
        self._last = None
        assert self.settings is not None  # on_config has run
        session, kb = self._given or (None, None)
        self._given = None
        if session is None:
            # The preview keeps its session, helper process and parsed front-matter
            # included, from one rebuild to the next; a build has one of its own.
            if self._own is None or self._preview is None:
                reloads = self._preview is not None
                self._own = BuildSession(self.settings.cache_dir, reloads=reloads)
            session = self._own
        self.build = SiteBuild(
            self.settings,
            self.config,
            session,
            self._markup,
            self._outline,
            serving=self._serving,
            preview=self._preview,
        )
        return self.build.add_files(files, config, kb)

    def on_page_read_source(self, /, *, page: Page, config: MkDocsConfig) -> str | None:
        """A document's body as kb already read it."""
        return self.build.read_source(page) if self.build else None

    def on_page_markdown(
        self, markdown: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        """Wrap a document's own Markdown in its card, action items and Related section."""
        return self.build.markdown(markdown, page) if self.build else None

    def on_page_content(
        self, html: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        """Put the HTML fragments into the slots of the rendered page (those search sees)."""
        return self.build.content(html, page) if self.build else None

    @event_priority(-100)  # after the search plugin has indexed the page
    def on_page_context(
        self, context: TemplateContext, /, *, page: Page, config: MkDocsConfig, nav: Navigation
    ) -> TemplateContext | None:
        """Fill the slots kept out of the search index."""
        if self.build is not None:
            self.build.unsearched(page)
        return context

    @event_priority(-100)  # after every other plugin has seen the page
    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str | None:
        """Let go of the page's HTML: only `output` is written."""
        if self.build is not None:
            self.build.written(page)
        return output

    def on_nav(self, nav: Navigation, /, *, config: MkDocsConfig, files: Files) -> None:
        """Keep the navigation for the shared sidebar."""
        if self.build is not None:
            self.build.navigation(nav)

    def on_env(self, env: Any, /, *, config: MkDocsConfig, files: Files) -> Any:
        """Share the sidebar; wait for the charts, which mkdocs copies right after this."""
        if self.build is not None:
            self.build.environment(env, files)
        return env

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        """Put the search index in; remove what is gone (preview); end the build."""
        if self.build is not None:
            self.build.finish(config)
            self._last = self.build if self._preview is not None else None
        self._end()
        reindex_later(config, self.config, self._reindexer)

    def on_build_error(self, *, error: Exception) -> None:
        """End the build that failed; the preview's next build renders every page."""
        if self._preview is not None:
            self._preview.forget()
        self._end()

    def on_shutdown(self) -> None:
        """Leave nothing behind."""
        self._end()
        self._close_session()
        if self._reindexer is not None:
            stop_pagefind()  # the preview's search index, being made again

    def on_serve(
        self, server: LiveReloadServer, /, *, config: MkDocsConfig, builder: Any
    ) -> LiveReloadServer | None:
        """Rebuild when the taxonomy changes, not only the documents."""
        if self.settings is not None and self.settings.taxonomy_path is not None:
            server.watch(str(self.settings.taxonomy_path))
        return server

    def show_saved(self, paths: list[Path]) -> bool:
        """The preview's first pass after a save: render these saved documents' pages at
        once from the last build; False when only a rebuild can show them."""
        last = self._last
        if last is None or self.build is not None:
            return False
        pages = last.saved_pages(paths)
        if pages is None:
            return False
        self.build = last
        try:
            for page in pages:
                last.render(page)
        finally:
            self.build = None
        return True

    def _end(self) -> None:
        if self.build is not None:
            self.build.close()
            self.build = None
        if self._preview is None:
            self._close_session()

    def _close_session(self) -> None:
        if self._own is not None:
            self._own.close()
            self._own = None
