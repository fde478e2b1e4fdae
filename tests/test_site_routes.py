"""Where pages live: slugs of services and tags never collide, and always terminate."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from docfactory import postmortem
from sitecheck import broken_links, write_kb

from kb.config import load_settings
from kb.site.build import build_site
from kb.site.routes import Routes, page_uris, unique_slugs

PAGE_NAME = re.compile(r"page-[0-9]+")


def test_names_that_slug_like_a_listing_page_get_a_suffix() -> None:
    slugs = unique_slugs(["page-2", "Page 7", "page", "Page", "page 2 2", "pages"])
    assert slugs == {
        "Page": "page",
        "Page 7": "page-7--2",
        "page": "page--2",
        "page 2 2": "page-2-2",
        "page-2": "page-2--2",
        "pages": "pages",
    }
    assert not any(PAGE_NAME.fullmatch(s) for s in slugs.values())


def test_slugs_are_distinct_however_many_names_slug_alike() -> None:
    # 20,000 names with the same slug, and others that look like its suffixed forms.
    names = [f"Checkout{'!' * n}" for n in range(20_000)] + ["checkout-2", "checkout--2"]
    slugs = unique_slugs(names)
    assert len(set(slugs.values())) == len(slugs) == len(names)
    assert {slugs["checkout-2"], slugs["checkout--2"]} == {"checkout-2", "checkout-2--2"}


def test_names_without_a_slug_get_a_stable_hashed_one() -> None:
    slugs = unique_slugs(["日本", "???"])
    assert all(re.fullmatch(r"x-[0-9a-f]{8}", s) for s in slugs.values())
    assert len(set(slugs.values())) == 2
    assert unique_slugs(["日本"]) == {"日本": slugs["日本"]}


def test_no_service_or_tag_folder_is_named_like_a_listing_page() -> None:
    routes = Routes(["page-2", "Page 7"], ["page-3", "PAGE-10"])
    pages = set(page_uris("services", 12)) | set(page_uris("tags", 12))
    for folder in (
        routes.service_folder("page-2"),
        routes.service_folder("Page 7"),
        routes.tag_folder("page-3"),
        routes.tag_folder("PAGE-10"),
    ):
        assert f"{folder}.md" not in pages
        assert not PAGE_NAME.fullmatch(folder.split("/")[1])


@pytest.mark.slow
@pytest.mark.parametrize("directory_urls", [False, True])
def test_a_site_with_page_named_services_and_tags_builds(
    tmp_path: Path, directory_urls: bool
) -> None:
    # Eleven services with page_size 10: the services listing has a real page-2.
    fronts = [
        postmortem(
            f"PM-2025-{n:03d}",
            f"2025-03-{n:02d}",
            services=[f"svc-{n}"] + (["page-2", "Page 7"] if n == 1 else []),
            tags=["page-2", "Page 3"],
        )
        for n in range(1, 12)
    ]
    root = write_kb(tmp_path / "kb", fronts, page_size=10, directory_urls=directory_urls)
    site = build_site(load_settings(root)).site_dir
    suffix = "/index.html" if directory_urls else ".html"
    assert (site / f"services/page-2{suffix}").is_file()  # the listing's second page
    assert "Services (page 2)" in (site / f"services/page-2{suffix}").read_text(encoding="utf-8")
    for folder in ("services/page-2--2", "services/page-7--2", "tags/page-2--2", "tags/page-3--2"):
        assert (site / folder / "index.html").is_file(), folder
    service_page = (site / "services/page-2--2/index.html").read_text(encoding="utf-8")
    assert "Service: page-2" in service_page
    assert broken_links(site) == []
