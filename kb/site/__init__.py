"""The static learning site: a mkdocs plugin (plugin.py) over pure page functions.

Only plugin.py imports mkdocs; only charts.render_svg imports matplotlib. The
page modules (pages, listings, dashboards) turn loaded documents into Markdown
and can be tested without either.
"""
