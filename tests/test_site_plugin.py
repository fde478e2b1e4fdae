"""The plugin's hooks on a validated mkdocs config (no full build)."""

from __future__ import annotations

import datetime as dt
import gc
from pathlib import Path
from typing import Any

import pytest
from docfactory import postmortem
from sitecheck import write_kb

pytestmark = pytest.mark.slow  # each test starts the chart-drawing process


def configured(root: Path) -> tuple[Any, Any]:
    from mkdocs.config import load_config

    config = load_config(str(root / "mkdocs.yml"))
    config = config.plugins.on_config(config)  # events run through the collection, as in a build
    return config, config.plugins["kb"]


def test_on_files_adds_generated_pages_and_a_bounded_nav(tmp_path: Path) -> None:
    from mkdocs.structure.files import InclusionLevel, get_files

    root = write_kb(tmp_path, [postmortem("PM-2025-001", "2025-03-01", services=["edge"])])
    (root / "content" / "guide.md").write_text("# Guide\n")
    config, plugin = configured(root)
    files = config.plugins.on_files(get_files(config), config=config)
    for uri in ("index.md", "trends/index.md", "services/edge/index.md", "trends/detection.svg"):
        generated = files.get_file_from_path(uri)
        assert generated is not None and generated.generated_by, uri
    assert config.nav == [
        {"Home": "index.md"},
        {"Timeline": "timeline/index.md"},
        {"Pre-mortems": "premortems/index.md"},
        {"Categories": "categories/index.md"},
        {"Services": "services/index.md"},
        {"Tags": "tags/index.md"},
        {"Action items": "actions/index.md"},
        {"This week": "week/index.md"},
        {"Trends": "trends/index.md"},
        "guide.md",
    ]
    doc = files.get_file_from_path("postmortems/2025/pm-2025-001.md")
    assert doc.inclusion is InclusionLevel.NOT_IN_NAV
    session = plugin._own  # the plugin opened a session itself: under plain mkdocs build
    assert session is not None and plugin.build is not None
    plugin.on_post_build(config=config)
    assert plugin.build is None and not session.started  # its helper is gone with the build


def test_the_plugin_leaves_the_host_processs_collector_alone(tmp_path: Path) -> None:
    from mkdocs.structure.files import get_files

    root = write_kb(tmp_path, [postmortem("PM-2025-001", "2025-03-01")])
    config, plugin = configured(root)
    kept = [[n] for n in range(100)]
    gc.freeze()  # the host (mkdocs, or a program embedding it) froze its own objects
    try:
        frozen = gc.get_freeze_count()
        config.plugins.on_files(get_files(config), config=config)
        plugin.on_post_build(config=config)
        # Not undone by the plugin: gc.unfreeze() would empty the permanent generation
        # (a few frozen objects may still be freed as the build lets go of them).
        assert gc.get_freeze_count() > frozen * 0.9
    finally:
        gc.unfreeze()
    assert kept


def test_an_explicit_nav_is_left_alone(tmp_path: Path) -> None:
    from mkdocs.structure.files import get_files

    root = write_kb(tmp_path, [postmortem("PM-2025-001", "2025-03-01")])
    mkdocs_yml = root / "mkdocs.yml"
    mkdocs_yml.write_text(mkdocs_yml.read_text() + "nav:\n  - Trends: trends/index.md\n")
    config, plugin = configured(root)
    config.plugins.on_files(get_files(config), config=config)
    assert config.nav == [{"Trends": "trends/index.md"}]
    plugin.on_post_build(config=config)


def test_documents_excluded_by_mkdocs_are_not_listed(tmp_path: Path) -> None:
    from mkdocs.structure.files import get_files

    fronts = [postmortem("PM-2025-001", "2025-03-01"), postmortem("PM-2025-002", "2025-03-02")]
    root = write_kb(tmp_path, fronts)
    mkdocs_yml = root / "mkdocs.yml"
    mkdocs_yml.write_text(mkdocs_yml.read_text() + "exclude_docs: |\n  pm-2025-002.md\n")
    config, plugin = configured(root)
    config.plugins.on_files(get_files(config), config=config)
    assert [d.id for d in plugin.build.context.kb.documents] == ["PM-2025-001"]
    plugin.on_post_build(config=config)


def test_invalid_documents_fail_with_their_locations(tmp_path: Path) -> None:
    from mkdocs.exceptions import PluginError
    from mkdocs.structure.files import get_files

    root = write_kb(tmp_path, [postmortem("PM-2025-001", "2025-03-01", severity="SEV9")])
    config, _plugin = configured(root)
    with pytest.raises(PluginError) as err:
        config.plugins.on_files(get_files(config), config=config)
    message = str(err.value)
    assert "kb: 1 problem(s) in the documents" in message
    assert "pm-2025-001.md:6:1: severity: 'SEV9' is not one of" in message


def test_document_page_gets_escaped_meta_and_its_parts(tmp_path: Path) -> None:
    from mkdocs.structure.files import get_files
    from mkdocs.structure.pages import Page

    title = '<script>alert("x")</script>'
    root = write_kb(tmp_path, [postmortem("PM-2025-001", "2025-03-01", title=title)])
    config, plugin = configured(root)
    files = config.plugins.on_files(get_files(config), config=config)
    file = files.get_file_from_path("postmortems/2025/pm-2025-001.md")
    page = Page(None, file, config)
    page.read_source(config)
    out = config.plugins.on_page_markdown(page.markdown, page=page, config=config, files=files)
    assert page.meta == {
        "title": "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;",
        "description": "Something broke.",
    }
    page.markdown = out
    page.render(config, files)  # kb's H1 and slots are put in as Markdown renders the page
    assert page.content is not None
    assert page.content.startswith('<h1 id="scriptalertxscript">&lt;script&gt;alert("x")&lt;/')
    assert page.content.index("<!--kb:card-->") < page.content.index("Body text.")
    assert [t.title for t in page.toc] == [
        '&lt;script&gt;alert("x")&lt;/script&gt;'
    ]  # in the sidebar
    page.content = config.plugins.on_page_content(
        page.content, page=page, config=config, files=files
    )
    # The card waits for the search plugin (page context) so it stays out of the index.
    assert "<!--kb:card-->" in page.content and "SEV2 Major" not in page.content
    config.plugins.on_page_context({}, page=page, config=config, nav=None)
    assert "PM-2025-001 · SEV2 Major · published" in page.content
    assert page.content.index("kb-card") < page.content.index("Body text.")
    plugin.on_post_build(config=config)


def test_document_body_is_read_as_loaded_without_a_second_yaml_pass(tmp_path: Path) -> None:
    from mkdocs.structure.files import get_files
    from mkdocs.structure.pages import Page
    from mkdocs.utils.meta import get_data

    root = write_kb(tmp_path, [postmortem("PM-2025-001", "2025-03-01")])
    path = root / "content" / "postmortems" / "2025" / "pm-2025-001.md"
    # Right after the front-matter, a `Key: value` line would be MultiMarkdown metadata to
    # mkdocs if kb handed it the body alone.
    path.write_text(path.read_text().replace("---\n\n## Summary", "---\nNote: kept.\n## Summary"))
    config, plugin = configured(root)
    files = config.plugins.on_files(get_files(config), config=config)
    file = files.get_file_from_path("postmortems/2025/pm-2025-001.md")
    page = Page(None, file, config)
    page.read_source(config)
    assert page.markdown == get_data(file.content_string)[0]  # what mkdocs itself would read
    assert page.markdown.startswith("Note: kept.\n## Summary")
    plugin.on_post_build(config=config)


def test_option_validation(tmp_path: Path) -> None:
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort

    root = write_kb(tmp_path, [postmortem("PM-2025-001", "2025-03-01")], page_size=3)
    with pytest.raises(Abort):
        load_config(str(root / "mkdocs.yml"))
    text = (root / "mkdocs.yml").read_text().replace("page_size: 3", "page_size: 20")
    (root / "mkdocs.yml").write_text(text.replace("today: 2025-06-30", "today: tomorrow"))
    with pytest.raises(Abort):
        load_config(str(root / "mkdocs.yml"))


def test_today_option_sets_the_day(tmp_path: Path) -> None:
    from mkdocs.structure.files import get_files

    root = write_kb(tmp_path, [postmortem("PM-2025-001", "2025-03-01")], today="2031-01-02")
    config, plugin = configured(root)
    config.plugins.on_files(get_files(config), config=config)
    assert plugin.build.context.today == dt.date(2031, 1, 2)
    plugin.on_post_build(config=config)


def test_similar_limit_zero_ranks_nothing(tmp_path: Path) -> None:
    from mkdocs.structure.files import get_files

    root = write_kb(
        tmp_path,
        [postmortem("PM-2025-001", "2025-03-01"), postmortem("PM-2025-002", "2025-03-02")],
    )
    mkdocs_yml = root / "mkdocs.yml"
    text = mkdocs_yml.read_text()
    mkdocs_yml.write_text(text.replace("  - kb:\n", "  - kb:\n      similar_limit: 0\n"))
    config, plugin = configured(root)
    config.plugins.on_files(get_files(config), config=config)
    assert plugin.config.similar_limit == 0 and not plugin.build.context.ranks_similar
    plugin.on_post_build(config=config)


def test_a_configuration_that_loads_from_the_internet_is_warned_about(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from mkdocs.structure.files import get_files

    root = write_kb(tmp_path, [postmortem("PM-2025-001", "2025-03-01")])
    mkdocs_yml = root / "mkdocs.yml"
    offline = mkdocs_yml.read_text()
    # The README's minimal configuration: Material's fonts on (no `font: false`), not strict.
    mkdocs_yml.write_text(offline.replace("  font: false\n", "").replace("strict: true\n", ""))
    for text, level in ((mkdocs_yml.read_text(), "WARNING"), (offline, None)):
        mkdocs_yml.write_text(text)
        caplog.clear()
        config, plugin = configured(root)
        with caplog.at_level("INFO", logger="mkdocs.plugins.kb"):
            config.plugins.on_files(get_files(config), config=config)
        found = [r for r in caplog.records if "fonts.googleapis.com" in r.getMessage()]
        if level is None:
            assert found == []  # `font: false`: nothing to say
        else:
            assert [r.levelname for r in found] == [level]
            assert "set `font: false`" in found[0].getMessage()
        plugin.on_post_build(config=config)
    # A strict build is told too, but not failed over it.
    mkdocs_yml.write_text(offline.replace("  font: false\n", ""))
    caplog.clear()
    config, plugin = configured(root)
    with caplog.at_level("INFO", logger="mkdocs.plugins.kb"):
        config.plugins.on_files(get_files(config), config=config)
    found = [r for r in caplog.records if "fonts.googleapis.com" in r.getMessage()]
    assert [r.levelname for r in found] == ["INFO"]
    plugin.on_post_build(config=config)


def test_count_in_review_option_reaches_the_site(tmp_path: Path) -> None:
    from mkdocs.structure.files import get_files

    fronts = [
        postmortem("PM-2025-001", "2025-03-01"),
        postmortem("PM-2025-002", "2025-03-02", status="in-review"),
    ]
    root = write_kb(tmp_path, fronts)
    config, plugin = configured(root)
    config.plugins.on_files(get_files(config), config=config)
    assert [d.id for d in plugin.build.context.counted] == ["PM-2025-001"]
    plugin.on_post_build(config=config)
    mkdocs_yml = root / "mkdocs.yml"
    text = mkdocs_yml.read_text()
    mkdocs_yml.write_text(text.replace("  - kb:\n", "  - kb:\n      count_in_review: true\n"))
    config, plugin = configured(root)
    config.plugins.on_files(get_files(config), config=config)
    assert [d.id for d in plugin.build.context.counted] == ["PM-2025-002", "PM-2025-001"]
    plugin.on_post_build(config=config)
