"""The documents' sidebar rendered once per folder: the same site, byte for byte."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from docfactory import postmortem
from search_helpers import write_example_kb
from sitecheck import pagefind_records, write_kb

from kb.config import load_settings
from kb.site import navcache, sitebuild
from kb.site.build import build_site

pytestmark = pytest.mark.slow  # full site builds


def files_of(site: Path) -> dict[str, Any]:
    """Every file's bytes; for the search index, what it holds (Pagefind names its
    chunks differently on every run, the same pages in the same words)."""
    files: dict[str, Any] = {
        p.relative_to(site).as_posix(): p.read_bytes()
        for p in site.rglob("*")
        if p.is_file()
        and p.name != "sitemap.xml.gz"  # gzip stamps the time
        and p.relative_to(site).parts[0] != "pagefind"
    }
    files["pagefind records"] = pagefind_records(site)
    return files


def build_both(root: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, list[Any]]:
    """The site built with the shared sidebar and without it; the SharedNav objects made."""
    made: list[Any] = []

    def spy(env: Any, nav: Any) -> Any:
        shared = navcache.share_nav(env, nav)
        made.append(shared)
        return shared

    settings = load_settings(root)
    monkeypatch.setattr(sitebuild, "share_nav", spy)
    shared = build_site(settings, root / "site-shared").site_dir
    monkeypatch.setattr(sitebuild, "share_nav", lambda env, nav: None)
    plain = build_site(settings, root / "site-plain").site_dir
    return shared, plain, made


def test_the_shared_sidebar_changes_no_byte_of_the_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_example_kb(tmp_path)
    shared, plain, made = build_both(tmp_path, monkeypatch)
    assert files_of(shared) == files_of(plain)
    # ... and it was used: documents of one year share their folder's sidebar.
    assert made and made[0] is not None and made[0].reused > 10


def test_pages_the_nav_lists_keep_their_own_sidebar(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = [postmortem(f"PM-2025-00{n}", f"2025-03-0{n}") for n in range(1, 5)]
    root = write_kb(tmp_path / "kb", docs)
    mkdocs_yml = root / "mkdocs.yml"
    # An author's nav that lists two of the documents: those pages mark themselves active.
    mkdocs_yml.write_text(
        mkdocs_yml.read_text()
        + "nav:\n  - Home: index.md\n  - Incidents:\n"
        + "    - postmortems/2025/pm-2025-001.md\n    - postmortems/2025/pm-2025-002.md\n"
        + "  - Trends: trends/index.md\n"
    )
    shared, plain, made = build_both(root, monkeypatch)
    assert files_of(shared) == files_of(plain)
    listed = (shared / "postmortems/2025/pm-2025-001.html").read_text()
    unlisted = (shared / "postmortems/2025/pm-2025-003.html").read_text()
    assert "md-nav__item--active" in listed and "md-nav__item--active" not in unlisted
    assert made[0].reused >= 1  # 003 and 004 share one folder's sidebar


def test_a_theme_override_of_the_nav_is_rendered_for_every_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = [postmortem(f"PM-2025-00{n}", f"2025-03-0{n}") for n in range(1, 4)]
    root = write_kb(tmp_path / "kb", docs)
    overrides = root / "overrides" / "partials"
    overrides.mkdir(parents=True)
    # An override that shows the page's own title in the sidebar: it must not be shared.
    (overrides / "nav.html").write_text(
        '<nav class="md-nav md-nav--primary"><p class="mine">{{ page.title | e }}</p></nav>\n'
    )
    mkdocs_yml = root / "mkdocs.yml"
    theme = "  name: material\n"
    mkdocs_yml.write_text(
        mkdocs_yml.read_text().replace(theme, theme + "  custom_dir: overrides\n")
    )
    assert "custom_dir: overrides" in mkdocs_yml.read_text()
    shared, _plain, made = build_both(root, monkeypatch)
    assert made == [None]
    for n in range(1, 4):
        page = (shared / f"postmortems/2025/pm-2025-00{n}.html").read_text()
        assert f'<p class="mine">Incident PM-2025-00{n}</p>' in page


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("postmortems/2025/pm-2025-001.html", "postmortems/2025"),
        ("postmortems/2025/pm-2025-001/", "postmortems/2025/pm-2025-001/"),
        ("index.html", ""),
    ],
)
def test_folder_key_follows_mkdocs_relative_links(url: str, key: str) -> None:
    assert navcache.folder_key(url) == key


def test_a_material_nobody_checked_renders_its_own_nav(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_kb(tmp_path, [postmortem("PM-2025-001", "2025-03-01")])
    monkeypatch.setattr(navcache, "material_version", lambda: (10, 0, 0))
    shared, plain, made = build_both(root, monkeypatch)
    assert made and all(m is None for m in made)  # the guard said no: Material's own rendering
    assert files_of(shared) == files_of(plain)


def test_the_installed_material_is_one_that_was_checked() -> None:
    # Pinned in pyproject.toml to the versions in VERIFIED; a newer one needs checking.
    found = navcache.material_version()
    assert found is not None and navcache.VERIFIED[0] <= found <= navcache.VERIFIED[1]
