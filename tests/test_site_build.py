"""Whole-site builds: the example content, bounded pages at scale, escaping, safe swapping."""

from __future__ import annotations

import datetime as dt
import gc
import re
from pathlib import Path
from typing import Any

import pytest
from docfactory import at, postmortem, premortem
from sitecheck import broken_links, pagefind_records, parse, write_kb

from kb.config import load_settings
from kb.errors import SiteError, UsageError
from kb.knowledge import load_knowledge_base
from kb.site.build import MARKER, build_site
from kb.site.md import DASH

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def nav_targets(page: Path) -> set[str]:
    """Where the primary navigation of a page links to (not the table of contents)."""
    html = page.read_text(encoding="utf-8")
    primary = html.split('md-nav--primary"', 1)[1].split("md-nav--secondary", 1)[0]
    return set(re.findall(r'class="md-nav__link[^"]*"\s+href="([^"#]+)"', primary)) | set(
        re.findall(r'href="([^"#]+)"\s+class="md-nav__link', primary)
    )


def test_example_site_has_every_page_and_no_broken_link(example_site: Path) -> None:
    kb = load_knowledge_base(load_settings(REPO))
    assert kb.documents and not kb.errors
    for doc in kb.documents:
        assert (example_site / doc.src_uri.replace(".md", ".html")).is_file(), doc.src_uri
    for page in (
        "index.html",
        "timeline/index.html",
        "premortems/index.html",
        "categories/index.html",
        "services/index.html",
        "tags/index.html",
        "actions/index.html",
        "trends/index.html",
        "pagefind/pagefind-entry.json",
        "assets/kb/search.js",
    ):
        assert (example_site / page).is_file(), page
    for category in kb.taxonomy.categories:
        assert (example_site / "categories" / category.slug / "index.html").is_file()
    assert len(list((example_site / "trends").glob("*.svg"))) == 6  # one file per chart
    # ... and each chart is in its page once, inline, in the page's text colour.
    trends = (example_site / "trends" / "index.html").read_text(encoding="utf-8")
    assert trends.count('class="kb-chart"') == 6 and "<!--kb:" not in trends
    assert "#only-light" not in trends and "#only-dark" not in trends
    assert broken_links(example_site) == []


def test_category_pages_link_to_their_incidents_and_back(example_site: Path) -> None:
    kb = load_knowledge_base(load_settings(REPO))
    for doc in kb.postmortems:
        page = example_site / doc.src_uri.replace(".md", ".html")
        links = {url for _tag, url in parse(page).links}
        for slug in doc.meta.categories:  # type: ignore[union-attr]
            assert f"../../categories/{slug}/index.html" in links
            category = example_site / "categories" / slug / "index.html"
            targets = {url for _tag, url in parse(category).links}
            assert f"../../{doc.src_uri.replace('.md', '.html')}" in targets


def test_navigation_lists_sections_never_documents(example_site: Path) -> None:
    kb = load_knowledge_base(load_settings(REPO))
    doc_page = example_site / kb.postmortems[0].src_uri.replace(".md", ".html")
    targets = nav_targets(doc_page)
    assert any(t.endswith("trends/index.html") for t in targets)
    assert not any("/postmortems/" in t or "/premortems/2" in t for t in targets)
    assert len(targets) <= 12  # Home, 7 kb sections and the guides


def test_page_size_stays_bounded_as_the_corpus_grows(tmp_path: Path) -> None:
    def build(n: int, root: Path) -> Path:
        fronts = [
            postmortem(
                f"PM-{2024 + i // 100}-{i % 100 + 1:03d}",
                (dt.date(2024, 1, 1) + dt.timedelta(days=3 * i)).isoformat(),
                services=[f"svc-{i % 7}"],
                tags=["shared"],
                categories=["config"],
            )
            for i in range(n)
        ]
        write_kb(root, fronts, page_size=10, today="2025-12-31")
        return build_site(load_settings(root), root / "site").site_dir

    small, large = build(12, tmp_path / "small"), build(150, tmp_path / "large")
    doc = "postmortems/2024/pm-2024-001.html"
    # The same document's page does not grow with the number of other documents.
    assert len(nav_targets(small / doc)) == len(nav_targets(large / doc))
    growth = (large / doc).stat().st_size - (small / doc).stat().st_size
    assert growth < 2_000, growth  # only its "similar incidents" may differ
    # Every listing holds at most page_size rows and is split instead (the category index
    # lists the taxonomy; chart data tables cover a bounded window of periods).
    bounded_elsewhere = {"categories/index.html"}
    for page in large.rglob("*.html"):
        html = re.sub(r'<details class="kb-data">.*?</details>', "", page.read_text(), flags=re.S)
        rows = html.count("<tr>") - html.count("<thead>")
        assert rows <= 10 or page.relative_to(large).as_posix() in bounded_elsewhere, page
    assert (large / "categories/config/page-15.html").is_file()
    assert (large / "tags/shared/page-15.html").is_file()
    # Charts are inline; each has a bounded size (periods are a window, strip plots thin
    # their dots), and the rest of every page stays small.
    figure = re.compile(r'<div class="kb-figure".*?</svg>\s*</div>', flags=re.S)
    for page in large.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert all(len(f) < 60_000 for f in figure.findall(html)), page
        assert len(figure.sub("", html).encode()) < 100_000, page
    assert broken_links(large) == []


HOSTILE = "<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(2)>"


def test_front_matter_values_render_as_text_in_the_built_html(tmp_path: Path) -> None:
    evil = {
        "title": HOSTILE,
        "services": ["[svc](javascript:alert(3))"],
        "tags": ["<b onmouseover=alert(4)>tag</b>"],
        "summary": 'Quote " and <script>alert(5)</script>',
        "impact": {"summary": "{: onclick=alert(6) }"},
        "action_items": [
            {
                "title": "</td></tr><script>alert(7)</script>",
                "kind": "prevent",
                "owner": "| pipe | owner",
                "due": dt.date(2030, 1, 1),
                "status": "open",
                "ticket": "javascript:alert(8)",
            }
        ],
    }
    risk = {
        "id": "R1",
        "scenario": "<iframe src=javascript:alert(9)>",
        "categories": ["config"],
        "likelihood": 1,
        "impact": 1,
        "mitigation": "![x](javascript:alert(10))",
    }
    fronts = [
        postmortem("PM-2025-001", "2025-03-01", premortem_risks=["PRE-2025-001#R1"], **evil),
        premortem("PRE-2025-001", "2025-01-01", title=HOSTILE, project=HOSTILE, risks=[risk]),
        postmortem("PM-2025-002", "2025-03-02", related=["PM-2025-001"]),
    ]
    root = write_kb(tmp_path / "kb", fronts)
    site = build_site(load_settings(root), root / "site").site_dir
    seen_title = False
    for page in site.rglob("*.html"):
        parsed = parse(page)
        for tag, attrs in parsed.tags:
            assert tag not in ("iframe",), page
            assert not any(k.startswith("on") for k in attrs), (page, tag, attrs)
            for key in ("href", "src"):
                assert not str(attrs.get(key) or "").lower().startswith("javascript:"), page
            if tag == "img":
                assert not str(attrs.get("src") or "").startswith("x"), page
        assert not any("alert(" in s for s in parsed.scripts), page
        seen_title |= any(HOSTILE in t for t in parsed.text)
    assert seen_title  # the title is shown, as text
    doc = parse(site / "postmortems/2025/pm-2025-001.html")
    text = " ".join(doc.text)
    assert "<title>" not in text and HOSTILE in text
    assert "</td></tr><script>alert(7)</script>" in text and "javascript:alert(8)" in text


def test_failed_build_leaves_the_previous_site(tmp_path: Path) -> None:
    root = write_kb(tmp_path / "kb", [postmortem("PM-2025-001", "2025-03-01")])
    settings = load_settings(root)
    site = build_site(settings, root / "site").site_dir
    before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    guide = root / "content" / "guide.md"
    guide.write_text("# Guide\n\nSee [the missing page](missing.md).\n")
    with pytest.raises(SiteError, match="the site was not built"):
        build_site(settings, root / "site")
    after = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in root.iterdir() if p.name.startswith(".site")] == []


def test_a_build_gives_the_collector_back_as_it_found_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A build keeps what it loaded out of the collector's full passes; a process that
    # builds again (a test run, a program using kb) must not keep it frozen, or what each
    # build loaded would never be freed.
    from kb.site.plugin import KbPlugin

    root = write_kb(tmp_path / "kb", [postmortem("PM-2025-001", "2025-03-01")])
    settings = load_settings(root)
    frozen = gc.get_freeze_count()
    seen: list[int] = []
    real = KbPlugin.on_page_markdown

    def watching(self: KbPlugin, markdown: str, /, **kwargs: Any) -> str | None:
        seen.append(gc.get_freeze_count())
        return real(self, markdown, **kwargs)

    monkeypatch.setattr(KbPlugin, "on_page_markdown", watching)
    build_site(settings, root / "site")
    assert seen and all(count > frozen for count in seen)  # frozen while it built
    assert gc.get_freeze_count() == frozen
    guide = root / "content" / "guide.md"
    guide.write_text("# Guide\n\nSee [the missing page](missing.md).\n")
    with pytest.raises(SiteError):
        build_site(settings, root / "site")
    assert gc.get_freeze_count() == frozen


def test_refuses_to_replace_a_folder_that_is_not_a_site(tmp_path: Path) -> None:
    root = write_kb(tmp_path / "kb", [postmortem("PM-2025-001", "2025-03-01")])
    precious = tmp_path / "notes"
    precious.mkdir()
    (precious / "mine.txt").write_text("keep me")
    with pytest.raises(UsageError, match=r"notes: not empty and not a site kb built"):
        build_site(load_settings(root), precious)
    with pytest.raises(SiteError, match="would contain the sources"):
        build_site(load_settings(root), root)
    assert (precious / "mine.txt").read_text() == "keep me"


def test_replaces_only_a_site_kb_built(tmp_path: Path) -> None:
    # A folder that looks like a site (index.html) but holds someone's files.
    root = write_kb(tmp_path / "kb", [postmortem("PM-2025-001", "2025-03-01")])
    settings = load_settings(root)
    theirs = tmp_path / "D"
    (theirs / "notes").mkdir(parents=True)
    (theirs / "index.html").write_text("<p>an older site</p>")
    (theirs / "notes" / "todo.txt").write_text("keep me")
    with pytest.raises(UsageError) as refused:
        build_site(settings, theirs)
    message = str(refused.value)
    assert message.startswith(f"{theirs}: holds a site that kb did not build")
    assert MARKER in message and "delete it and build again" in message
    assert "--site-dir" in message
    assert (theirs / "notes" / "todo.txt").read_text() == "keep me"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".D-")] == []
    # Absent, then built by kb (so marked): replaced by the next build.
    ours = build_site(settings, tmp_path / "public").site_dir
    assert (ours / MARKER).is_file()
    (ours / "stale.html").write_text("from an earlier build")
    build_site(settings, ours)
    assert not (ours / "stale.html").exists() and (ours / MARKER).is_file()
    # An empty folder is fine.
    (tmp_path / "empty").mkdir()
    assert (build_site(settings, tmp_path / "empty").site_dir / "index.html").is_file()


def test_generated_page_clash_is_reported(tmp_path: Path) -> None:
    root = write_kb(tmp_path / "kb", [postmortem("PM-2025-001", "2025-03-01")])
    (root / "content" / "trends").mkdir()
    (root / "content" / "trends" / "index.md").write_text("# Mine\n")
    with pytest.raises(SiteError, match="the site was not built"):
        build_site(load_settings(root), root / "site")


def test_durations_on_document_page(tmp_path: Path) -> None:
    timeline = {"started": at("2025-03-01", 9), "detected": at("2025-03-01", 9, 7)}
    root = write_kb(tmp_path / "kb", [postmortem("PM-2025-001", "2025-03-01", timeline=timeline)])
    site = build_site(load_settings(root), root / "site").site_dir
    text = " ".join(parse(site / "postmortems/2025/pm-2025-001.html").text)
    assert f"7 min / {DASH} / {DASH}" in text


def test_links_resolve_with_directory_urls(tmp_path: Path) -> None:
    fronts = [
        postmortem("PM-2025-001", "2025-03-01", services=["edge"], tags=["dns"]),
        postmortem("PM-2025-002", "2025-03-02", related=["PM-2025-001"], services=["edge"]),
        premortem(
            "PRE-2025-001",
            "2025-01-01",
            risks=[
                {
                    "id": "R1",
                    "scenario": "x",
                    "categories": ["config"],
                    "likelihood": 1,
                    "impact": 1,
                }
            ],
        ),
    ]
    root = write_kb(tmp_path / "kb", fronts, directory_urls=True, page_size=10)
    site = build_site(load_settings(root), root / "site").site_dir
    assert (site / "postmortems/2025/pm-2025-001/index.html").is_file()
    links = {url for _tag, url in parse(site / "postmortems/2025/pm-2025-001/index.html").links}
    assert "../../../services/edge/" in links
    assert broken_links(site) == []


def test_search_index_holds_the_authors_text_not_kbs_additions(tmp_path: Path) -> None:
    action = {
        "title": "Quokkafy the pool alerts",
        "kind": "detect",
        "owner": "Zebedee",
        "due": dt.date(2025, 4, 1),
    }
    fronts = [
        postmortem("PM-2025-001", "2025-03-01", services=["edge"]),
        postmortem("PM-2025-002", "2025-03-02", related=["PM-2025-001"], action_items=[action]),
    ]
    body = "## Summary\n\nThe wombat cache overflowed.\n"
    root = write_kb(tmp_path / "kb", fronts, body=body)
    site = build_site(load_settings(root), root / "site").site_dir
    page = " ".join(parse(site / "postmortems/2025/pm-2025-002.html").text)
    # The page shows all of it: card, action items, Related ...
    assert "Time to detect / mitigate / resolve" in page
    assert "Quokkafy the pool alerts" in page and "Zebedee" in page
    assert "Incident PM-2025-001" in page
    records = pagefind_records(site)
    texts = records["/postmortems/2025/pm-2025-002.html"]["content"]
    # ... while the search index has the author's words only.
    assert "wombat cache overflowed" in texts
    for added in ("Time to detect", "Quokkafy", "Zebedee", "Incident PM-2025-001"):
        assert added not in texts, added
    # Only the documents are indexed: the listings would match every word they list.
    assert set(records) == {
        "/postmortems/2025/pm-2025-001.html",
        "/postmortems/2025/pm-2025-002.html",
    }


def test_one_session_loads_ranks_and_draws_and_is_closed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kb.session import BuildSession
    from kb.site import generate as gen

    fronts = [
        postmortem(f"PM-2025-{n:03d}", f"2025-0{n}-01", services=["edge"]) for n in range(1, 7)
    ]
    root = write_kb(tmp_path / "kb", fronts)
    settings = load_settings(root)
    alone = build_site(settings, root / "site-alone").site_dir
    session = BuildSession(None)  # no cache folder: everything drawn and ranked afresh
    sent: list[str] = []
    submit = session.submit
    monkeypatch.setattr(
        session, "submit", lambda fn, *a: (sent.append(fn.__name__), submit(fn, *a))[1]
    )
    gen._SVG_CACHE.clear()  # as in a new process: the charts are drawn again
    with session:
        site = build_site(settings, root / "site", session=session).site_dir
        # One helper process did the side work of the build: ranking, then the charts.
        assert sent == ["ranked_on", "draw_charts"] and session.started
    assert not session.started  # and it is gone once the session is over
    for page in ("postmortems/2025/pm-2025-006.html", "services/edge/index.html"):
        assert (site / page).read_text() == (alone / page).read_text()


def _gone_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    import subprocess
    import sys

    done = subprocess.Popen([sys.executable, "-c", "pass"])
    done.wait()
    return done.pid


def _leftover(parent: Path, kind: str, pid: int) -> Path:
    import socket

    folder = parent / f".site-{kind}-{pid}-abcd1234"
    folder.mkdir()
    (folder / MARKER).write_text(f"{pid} {socket.gethostname()}\n")
    return folder


def test_leftovers_of_killed_builds_are_removed_and_nothing_else(tmp_path: Path) -> None:
    import os

    from kb.site.build import sweep_leftovers

    gone = _gone_pid()
    target = tmp_path / "site"
    target.mkdir()
    (target / MARKER).write_text("x")
    staging = _leftover(tmp_path, "building", gone)
    (staging / "index.html").write_text("half a build")
    empty = tmp_path / f".site-building-{gone}-killed00"  # killed before its marker
    empty.mkdir()
    unmarked = tmp_path / f".site-building-{gone}-unmarked"
    (unmarked / "notes").mkdir(parents=True)
    running = _leftover(tmp_path, "building", os.getpid())  # a build still going on
    elsewhere = tmp_path / f".site-building-{gone}-remote"
    elsewhere.mkdir()
    (elsewhere / MARKER).write_text(f"{gone} another-host\n")
    mine = tmp_path / ".site-notes"
    mine.mkdir()
    sweep_leftovers(target)
    assert not staging.exists()
    assert not empty.exists()
    assert (unmarked / "notes").is_dir()  # not marked: never kb's to delete
    assert running.is_dir() and elsewhere.is_dir() and mine.is_dir()
    assert (target / MARKER).read_text() == "x"


def test_a_site_moved_aside_by_a_killed_swap_is_put_back(tmp_path: Path) -> None:
    from kb.site.build import sweep_leftovers

    gone = _gone_pid()
    holder = _leftover(tmp_path, "old", gone)
    previous = holder / "site"
    previous.mkdir()
    (previous / MARKER).write_text("x")
    (previous / "index.html").write_text("the previous site")
    target = tmp_path / "site"
    sweep_leftovers(target)  # killed between its two renames: no site in place
    assert (target / "index.html").read_text() == "the previous site"
    assert not holder.exists()
    # With a site in place, what was moved aside is only removed.
    holder = _leftover(tmp_path, "old", gone)
    (holder / "site").mkdir()
    (holder / "site" / MARKER).write_text("x")
    sweep_leftovers(target)
    assert not holder.exists() and (target / "index.html").read_text() == "the previous site"


def test_ids_in_the_authors_prose_link_to_their_pages(example_site: Path) -> None:
    kb = load_knowledge_base(load_settings(REPO))
    mention = re.compile(r"(?<![\w/#`\[-])((?:PM|PRE)-\d{4}-\d{3,})(?![\w-])")
    linked = 0
    for doc in kb.documents:
        prose = re.sub(r"```.*?```|`[^`]*`|\[[^\]]*\]\([^)]*\)", "", doc.body, flags=re.S)
        for ref in set(mention.findall(prose)):
            other = kb.by_id.get(ref)
            if other is None or other.id == doc.id:
                continue
            html = (example_site / doc.src_uri.replace(".md", ".html")).read_text()
            target = Path(other.src_uri.replace(".md", ".html")).name
            assert re.search(rf'<a href="[^"]*{re.escape(target)}">{ref}</a>', html), (doc.id, ref)
            linked += 1
    assert linked >= 5  # the example's prose does name other documents


HOOKS = """\
from mkdocs.plugins import event_priority

seen = {"posted": [], "held": None}


@event_priority(-50)
def on_post_page(output, page, config):
    seen["posted"].append((page.file.src_uri, page.content is not None))
    return output


def on_env(env, config, files):
    seen["files"] = files


def on_post_build(config):
    pages = [f.page for f in seen["files"].documentation_pages()]
    seen["held"] = [page.file.src_uri for page in pages if page.content]
    seen["titles"] = {page.file.src_uri: page.title for page in pages}
"""


def test_pages_let_go_of_their_html_once_written_and_not_before(tmp_path: Path) -> None:
    """mkdocs keeps every page's HTML to the end of a build (over 200 MB at 10,000
    documents); kb drops each once the page is written, after every other plugin has
    seen it, and the page keeps its title."""
    import sys

    fronts = [postmortem(f"PM-2025-00{n}", f"2025-03-0{n}", services=["edge"]) for n in (1, 2)]
    root = write_kb(tmp_path / "kb", fronts)
    (root / "hooks.py").write_text(HOOKS)
    with (root / "mkdocs.yml").open("a") as config:
        config.write("hooks:\n  - hooks.py\n")
    build_site(load_settings(root), root / "site")
    path = str(root / "hooks.py")
    hooks = next(m for m in list(sys.modules.values()) if getattr(m, "__file__", "") == path)
    posted = dict(hooks.seen["posted"])
    assert "postmortems/2025/pm-2025-001.md" in posted and "index.md" in posted
    assert all(posted.values()), posted  # another plugin's on_post_page still has the HTML
    assert hooks.seen["held"] == []  # and no page holds it once the build is done
    # The pages written keep their titles (the navigation of every later page shows them).
    titles = hooks.seen["titles"]
    assert titles["postmortems/2025/pm-2025-001.md"] == "Incident PM-2025-001", titles
    assert None not in titles.values(), titles
