"""The static learning site: a thin mkdocs plugin over pure page functions.

    plugin.py      the hooks, each a delegation to one SiteBuild (no work of its own)
    sitebuild.py   one build: load through the session, add pages and charts, fill slots
    build.py       `kb build` / `kb serve`: strict builds swapped into place, the preview
    config.py      the plugin's options
    markup.py      kb's HTML stance on every page (kb.safety)
    outline.py     a document page's own headings and slots, put into Markdown's tree
    navcache.py    the documents' sidebar rendered once per folder (verified Materials only)
    pagefind.py    the site's search: Pagefind over the built pages; what marks them for it
                   (the search box itself is assets/search.js and search.css)
    preview.py     what `kb serve` keeps between rebuilds to render only changed pages
    pages, listings, dashboards, problems   pure functions: documents -> Markdown / HTML
    context, routes, fragments, md          what those share: data, URLs, escaping
    similar, ranking, charts, drawing, generate, cache   similar incidents and charts

Only plugin.py, sitebuild.py, build.py and config.py import mkdocs; nothing imports
Material (navcache only looks up where its templates are); only charts imports
matplotlib, when it draws. The page modules turn loaded documents into Markdown and
are tested without either.
"""
