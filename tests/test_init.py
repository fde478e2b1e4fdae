"""`kb init`: a working knowledge base from nothing, and never a file overwritten."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from kb.errors import UsageError
from kb.init import CI_FILES, init, setup_advice

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


def kb(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real `kb` in a fresh interpreter, with no terminal."""
    return subprocess.run(
        [sys.executable, "-m", "kb", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        input="",
        env=ENV,
        check=False,
    )


def _mkdocs(path: Path) -> dict[str, Any]:
    # mkdocs.yml may hold !!python/name tags; kb's files do not.
    return yaml.safe_load(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_init_writes_a_complete_knowledge_base(tmp_path: Path) -> None:
    result = init(tmp_path / "kb", name="Acme SRE")
    written = {p.relative_to(tmp_path / "kb").as_posix() for p in result.written}
    assert written == {
        "mkdocs.yml",
        "taxonomy.yml",
        "content/index.md",
        "content/guide/writing-postmortems.md",
        "content/guide/writing-premortems.md",
        ".gitignore",
    }
    config = _mkdocs(tmp_path / "kb" / "mkdocs.yml")
    assert config["site_name"] == "Acme SRE"
    assert config["plugins"] == ["kb"]  # kb brings the search (Pagefind)
    assert config["theme"]["name"] == "material" and config["theme"]["font"] is False
    schemes = {p["scheme"] for p in config["theme"]["palette"]}
    assert schemes == {"default", "slate"}  # light and dark
    assert "nav" not in config  # kb's bounded navigation
    gitignore = (tmp_path / "kb" / ".gitignore").read_text().split()
    assert ".kb/" in gitignore and "site/" in gitignore
    taxonomy = (tmp_path / "kb" / "taxonomy.yml").read_text()
    assert taxonomy.startswith("# kb taxonomy") and "severities:" in taxonomy
    assert "# Acme SRE" in (tmp_path / "kb" / "content" / "index.md").read_text()
    # Readable like any file the user makes, not private to them.
    assert (tmp_path / "kb" / "mkdocs.yml").stat().st_mode & 0o044 == 0o044 & ~_umask()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@pytest.mark.parametrize("name", ['Acme: "SRE" #1', "- yes", "Åsa's team {x}", "null"])
def test_any_site_name_reads_back_as_given(tmp_path: Path, name: str) -> None:
    init(tmp_path, name=name)
    assert _mkdocs(tmp_path / "mkdocs.yml")["site_name"] == name


def test_a_name_with_a_control_character_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="control character"):
        init(tmp_path, name="Acme\x1b]0;pwned\x07")
    assert list(tmp_path.iterdir()) == []


def test_default_name_comes_from_the_folder(tmp_path: Path) -> None:
    init(tmp_path / "payments-sre")
    assert _mkdocs(tmp_path / "payments-sre" / "mkdocs.yml")["site_name"] == (
        "payments sre knowledge base"
    )


def test_refuses_a_folder_that_holds_a_knowledge_base(tmp_path: Path) -> None:
    (tmp_path / "mkdocs.yml").write_text("site_name: ours\n")
    with pytest.raises(UsageError, match="already exists"):
        init(tmp_path)
    assert (tmp_path / "mkdocs.yml").read_text() == "site_name: ours\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mkdocs.yml"]


def test_never_overwrites_a_file(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "index.md").write_text("# Our own home\n")
    (tmp_path / ".gitignore").write_text("node_modules/\n")
    (tmp_path / "taxonomy.yml").write_text("severities: []\n")
    result = init(tmp_path, name="X")
    assert (tmp_path / "content" / "index.md").read_text() == "# Our own home\n"
    assert (tmp_path / ".gitignore").read_text() == "node_modules/\n"
    assert (tmp_path / "taxonomy.yml").read_text() == "severities: []\n"
    kept = {p.name: why for p, why in result.kept}
    assert set(kept) == {"index.md", ".gitignore", "taxonomy.yml"}
    assert "add .kb/ and site/" in kept[".gitignore"]
    assert (tmp_path / "mkdocs.yml").is_file()


@pytest.mark.parametrize("ci", ["github", "gitlab"])
def test_ci_recipe_validates_requests_and_publishes_main(tmp_path: Path, ci: str) -> None:
    init(tmp_path, name="X", ci=ci)
    recipe = _mkdocs(tmp_path / CI_FILES[ci])
    text = (tmp_path / CI_FILES[ci]).read_text()
    assert "kb==" in text  # installs the kb that wrote it
    if ci == "github":
        triggers = recipe[True]  # YAML 1.1 reads the key `on` as true
        assert "pull_request" in triggers and triggers["push"]["branches"] == ["main"]
        steps = recipe["jobs"]["validate"]["steps"]
        runs = [s.get("run") for s in steps]
        assert "kb validate" in runs and "kb build" in runs
        uses = {s.get("uses", "").split("@")[0] for s in steps}
        uses |= {s.get("uses", "").split("@")[0] for s in recipe["jobs"]["deploy"]["steps"]}
        assert {"actions/upload-pages-artifact", "actions/deploy-pages"} <= uses
        assert "refs/heads/main" in recipe["jobs"]["deploy"]["if"]
        assert recipe["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    else:
        assert recipe["validate"]["rules"][0]["if"].endswith('"merge_request_event"')
        assert "kb validate" in recipe["validate"]["script"]
        assert recipe["pages"]["rules"][0]["if"] == "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"
        assert "kb build --site-dir public" in recipe["pages"]["script"]
        assert recipe["pages"]["artifacts"]["paths"] == ["public"]


def _recipe_commands(root: Path, ci: str) -> list[str]:
    recipe = _mkdocs(root / CI_FILES[ci])
    if ci == "github":
        steps = recipe["jobs"]["validate"]["steps"]
        return [s["run"] for s in steps if "run" in s and "pip install" not in s["run"]]
    return [c for c in recipe["pages"]["script"]]


@pytest.mark.slow
@pytest.mark.parametrize("ci", ["github", "gitlab"])
def test_the_ci_recipes_commands_pass_on_a_new_knowledge_base(tmp_path: Path, ci: str) -> None:
    assert kb("init", "--ci", ci, cwd=tmp_path).returncode == 0
    made = kb(
        "new", "postmortem", "--title", "Queue stall", "--severity", "SEV3",
        "--date", "2026-02-03", cwd=tmp_path,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    for command in _recipe_commands(tmp_path, ci):
        assert command.startswith("kb ")
        run = kb(*command.split()[1:], cwd=tmp_path)
        assert run.returncode == 0, (command, run.stdout, run.stderr)


def test_cli_init_refuses_with_exit_2_and_says_why(tmp_path: Path) -> None:
    assert kb("init", cwd=tmp_path).returncode == 0
    again = kb("init", cwd=tmp_path)
    assert again.returncode == 2
    assert "already exists" in again.stderr and "Traceback" not in again.stderr
    bad = kb("init", "--ci", "jenkins", cwd=tmp_path)
    assert bad.returncode == 2 and "jenkins" in bad.stderr


def test_setup_advice_names_only_what_is_missing(tmp_path: Path) -> None:
    init(tmp_path, name="Full")
    assert setup_advice(tmp_path, tmp_path / "content", tmp_path / "taxonomy.yml") is None
    bare = tmp_path / "bare"
    (bare / "docs").mkdir(parents=True)
    (bare / "mkdocs.yml").write_text("site_name: Bare\nplugins: [search, kb]\n")
    advice = setup_advice(bare, bare / "docs", None)
    assert advice is not None
    assert "taxonomy.yml" in advice and "theme: material" in advice and "docs/index.md" in advice


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def _browse(site: Path) -> dict[str, Any]:
    """Open the built site in Chromium, served over HTTP; what a reader sees on it."""
    from playwright.sync_api import sync_playwright

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    seen: dict[str, Any] = {"errors": []}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            page = browser.new_page()
            page.on("pageerror", lambda e: seen["errors"].append(str(e)))
            page.on("console", lambda m: m.type == "error" and seen["errors"].append(m.text))
            page.goto(base + "index.html", wait_until="networkidle")
            seen["home"] = page.locator("article h1").first.inner_text()
            page.goto(base + "timeline/index.html", wait_until="networkidle")
            link = page.locator("article a", has_text="Disk filled on the primary")
            seen["links"] = link.count()
            link.first.click()
            page.wait_for_load_state("networkidle")
            seen["document"] = page.locator("article h1").first.inner_text()
            seen["nav"] = page.locator("nav.md-nav--primary").inner_text()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return seen


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(
    not Path(CHROMIUM).exists() and not os.environ.get("KB_REQUIRE_BROWSER"),
    reason="needs Debian's chromium",
)
def test_from_an_empty_folder_to_a_site_in_a_browser(tmp_path: Path) -> None:
    root = tmp_path / "acme"
    made = kb("init", "acme", "--name", "Acme SRE", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert "wrote acme/mkdocs.yml" in made.stdout
    new = kb(
        "new", "postmortem", "--title", "Disk filled on the primary", "--severity", "SEV2",
        "--date", "2026-10-02", "--service", "orders", cwd=root,
    )  # fmt: skip
    assert new.returncode == 0, new.stderr
    assert new.stdout.strip() == "content/postmortems/2026/2026-10-02-disk-filled-on-the-primary.md"
    assert kb("validate", cwd=root).returncode == 0
    built = kb("build", cwd=root)
    assert built.returncode == 0, built.stdout + built.stderr
    assert "kb init would add" not in built.stderr  # nothing is missing
    seen = _browse(root / "site")
    assert seen["home"].strip().rstrip("¶").strip() == "Acme SRE"
    assert seen["links"] == 1
    assert seen["document"].strip().rstrip("¶").strip() == "Disk filled on the primary"
    assert "How we write postmortems" in seen["nav"]
    assert seen["errors"] == []


@pytest.mark.slow
def test_a_bare_mkdocs_yml_builds_and_kb_says_what_init_would_add(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "mkdocs.yml").write_text("site_name: Bare\nplugins: [search, kb]\n")
    new = kb(
        "new", "postmortem", "--title", "Cache stampede", "--severity", "SEV3",
        "--date", "2026-05-06", cwd=tmp_path,
    )  # fmt: skip
    assert new.returncode == 0, new.stderr
    assert new.stdout.startswith("docs/postmortems/2026/")  # mkdocs' own docs_dir
    built = kb("build", cwd=tmp_path)
    assert built.returncode == 0, built.stdout + built.stderr
    assert "kb init would add: taxonomy.yml" in built.stderr
    page = tmp_path / "site" / "postmortems" / "2026" / "2026-05-06-cache-stampede" / "index.html"
    assert "Cache stampede" in page.read_text()
    plain = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q"],
        cwd=tmp_path, capture_output=True, text=True, env=ENV, check=False,
    )  # fmt: skip
    assert plain.returncode == 0, plain.stderr
    assert page.is_file()


@pytest.mark.slow
def test_kb_build_uses_content_when_mkdocs_yml_names_no_docs_dir(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: Bare\ntheme: material\nplugins: [search, kb]\n"
    )
    (tmp_path / "content" / "index.md").write_text("# Home\n")
    assert kb("new", "premortem", "--title", "Move to v2", cwd=tmp_path).returncode == 0
    built = kb("build", cwd=tmp_path)
    assert built.returncode == 0, built.stdout + built.stderr
    assert "kb init would add: taxonomy.yml (kb's default vocabulary is in use" in built.stderr
    assert "theme: material" not in built.stderr.split("would add")[1]


def _shown_lines(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    block = text.split("$ kb init acme-incidents", 1)[1].split("\n$ ", 1)[0]
    return [line for line in block.splitlines()[1:] if line.startswith("wrote ")]


def test_the_documented_output_is_what_kb_init_prints(tmp_path: Path) -> None:
    done = kb("init", "acme-incidents", "--name", "Acme SRE", "--ci", "github", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    repo = Path(__file__).resolve().parents[1]
    for page in (repo / "README.md", repo / "docs" / "content" / "start.md"):
        assert _shown_lines(page) == done.stdout.splitlines(), page


def test_every_data_file_ships_in_the_package() -> None:
    # kb init and kb new read their templates from the installed package; a file that the
    # package-data patterns miss works in a checkout and fails once installed.
    import tomllib

    repo = Path(__file__).resolve().parents[1]
    config = tomllib.loads((repo / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["kb"]
    shipped = {p for pattern in patterns for p in (repo / "kb").glob(pattern) if p.is_file()}
    files = {p for p in (repo / "kb" / "data").rglob("*") if p.is_file()}
    assert files - shipped == set()
