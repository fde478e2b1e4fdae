"""kb's documentation site: every command and option documented, and a strict build.

As sqlite-utils' tests/test_docs.py does: a new command or option fails here until
docs/content/cli.md describes it, under its command's own heading.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from kb.cli import cli

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
CLI_PAGE = DOCS / "content" / "cli.md"


def sections() -> dict[str, str]:
    """The CLI page's text under each `## ...` heading, by heading."""
    text = CLI_PAGE.read_text(encoding="utf-8")
    parts = re.split(r"^## (.+)$", text, flags=re.MULTILINE)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts), 2)}


def options(command: click.Command) -> list[str]:
    """The options a user can type (hidden ones are for tests), longest spelling of each."""
    out = []
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            out += [max(param.opts, key=len), *param.secondary_opts]
    return out


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help_and_a_section(name: str) -> None:
    command = cli.commands[name]
    assert command.help, f"kb {name} has no help text"
    assert f"`kb {name}`" in sections(), f"docs/content/cli.md has no section `kb {name}`"


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_option_is_documented_in_its_commands_section(name: str) -> None:
    text = sections()[f"`kb {name}`"]
    missing = [o for o in options(cli.commands[name]) if o not in text]
    assert missing == [], f"kb {name}: not documented in docs/content/cli.md: {missing}"


def test_global_options_are_documented() -> None:
    text = sections()["Global options"]
    missing = [o for o in options(cli) if o not in text]
    assert missing == [], missing


def test_the_shell_completion_recipe_is_the_one_that_works() -> None:
    text = sections()["Shell completion"]
    for shell in ("bash", "zsh", "fish"):
        assert f"_KB_COMPLETE={shell}_source kb" in text


@pytest.fixture(scope="module")
def docs_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("docs") / "site"
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(DOCS / "mkdocs.yml"),
         "-d", str(site)],
        capture_output=True, text=True, check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return site


@pytest.mark.slow
def test_the_docs_build_strict_with_every_page_in_the_nav(docs_site: Path) -> None:
    pages = {p.stem for p in (DOCS / "content").glob("*.md")}
    built = {p.stem for p in docs_site.glob("*.html")} - {"404"}
    assert built == pages
    nav = (docs_site / "index.html").read_text()
    for page in pages - {"index"}:
        assert f'href="{page}.html"' in nav, f"{page}.md is not in the docs' nav"


@pytest.mark.slow
def test_the_schema_page_is_generated_from_the_models(docs_site: Path) -> None:
    from kb.models import ActionItem, Postmortem, Premortem, Risk

    html = (docs_site / "schema.html").read_text()
    assert "kb:schema" not in html  # every marker replaced
    for model in (Postmortem, Premortem, ActionItem, Risk):
        for key in model.model_fields:
            assert f"<code>{key}</code>" in html, (model.__name__, key)
    taxonomy = (docs_site / "taxonomy.html").read_text()
    assert "<code>SEV1</code>" in taxonomy and "<code>config-change</code>" in taxonomy


@pytest.mark.slow
def test_architecture_and_benchmarks_are_the_repositorys_files(docs_site: Path) -> None:
    architecture = (docs_site / "architecture.html").read_text()
    assert "BuildSession" in architecture and "kb:include" not in architecture
    first = (REPO / "BENCHMARKS.md").read_text().split("\n\n")[1].split()[:6]
    assert " ".join(first) in (docs_site / "benchmarks.html").read_text()
