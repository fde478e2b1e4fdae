"""The kb-validate pre-commit hook, run by pre-commit itself against a scratch repository.

`pre-commit try-repo` installs kb from a copy of this checkout into its own
environment (from the package index, as for any user) and runs the hook on what
is staged, exactly as a commit would.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
PRE_COMMIT = shutil.which("pre-commit", path=str(Path(sys.executable).parent)) or shutil.which(
    "pre-commit"
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        PRE_COMMIT is None, reason="needs pre-commit (pip install -e '.[test]' installs it)"
    ),
]


def git(*args: str, cwd: Path) -> None:
    subprocess.run(
        ["git", "-c", "user.name=kb", "-c", "user.email=kb@example.org", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This checkout's hook and package, committed to a repository of their own."""
    repo = tmp_path_factory.mktemp("hook-repo")
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy(REPO / name, repo / name)
    shutil.copytree(REPO / "kb", repo / "kb", ignore=shutil.ignore_patterns("__pycache__"))
    git("init", "-q", ".", cwd=repo)
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "kb", cwd=repo)
    return repo


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pre-commit's cache, shared by this module's tests: kb is installed into it once."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def team(tmp_path: Path) -> Iterator[Path]:
    """A team's knowledge base in git, as `kb init` makes it, with one good postmortem."""
    root = tmp_path / "team"
    kb = [sys.executable, "-m", "kb"]
    subprocess.run([*kb, "init", str(root)], check=True, capture_output=True)
    subprocess.run(
        [*kb, "new", "postmortem", "--title", "Queue stall", "--severity", "SEV3",
         "--date", "2026-02-03"],
        cwd=root, check=True, capture_output=True, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    git("init", "-q", ".", cwd=root)
    git("add", "-A", cwd=root)
    yield root


def _env(home: Path) -> dict[str, str]:
    return {**os.environ, "PRE_COMMIT_HOME": str(home), "NO_MKDOCS_2_WARNING": "1"}


def try_repo(team: Path, hook_repo: Path, home: Path) -> subprocess.CompletedProcess[str]:
    """`pre-commit try-repo`: the hook straight from its repository, on what is staged."""
    assert PRE_COMMIT is not None
    return subprocess.run(
        [PRE_COMMIT, "try-repo", str(hook_repo), "kb-validate"],
        cwd=team, env=_env(home), capture_output=True, text=True, check=False, timeout=900,
    )  # fmt: skip


def run_hooks(team: Path, hook_repo: Path, home: Path) -> subprocess.CompletedProcess[str]:
    """`pre-commit run` with the team's .pre-commit-config.yaml naming the hook, as users
    set it up (installed once per revision into `home`, so the tests share it)."""
    assert PRE_COMMIT is not None
    rev = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=hook_repo, capture_output=True, text=True, check=True
    ).stdout.strip()
    config = {"repos": [{"repo": hook_repo.as_uri(), "rev": rev, "hooks": [{"id": "kb-validate"}]}]}
    (team / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    git("add", ".pre-commit-config.yaml", cwd=team)
    return subprocess.run(
        [PRE_COMMIT, "run"],
        cwd=team, env=_env(home), capture_output=True, text=True, check=False, timeout=900,
    )  # fmt: skip


def test_the_manifest_runs_kb_validate_on_markdown_and_the_taxonomy() -> None:
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "kb-validate" and hook["entry"] == "kb validate"
    import re

    files = re.compile(hook["files"])
    for path in ("content/postmortems/2026/a.md", "taxonomy.yml", "mkdocs.yml", "sub/mkdocs.yml"):
        assert files.search(path), path
    for path in ("tools/x.py", "my-taxonomy.yml.bak", "notes.txt"):
        assert not files.search(path), path


def test_a_good_commit_passes(team: Path, hook_repo: Path, home: Path) -> None:
    done = run_hooks(team, hook_repo, home)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "kb validate" in done.stdout and "Passed" in done.stdout


def test_a_broken_document_stops_the_commit_and_says_where(
    team: Path, hook_repo: Path, home: Path
) -> None:
    (path,) = (team / "content" / "postmortems").rglob("*.md")
    path.write_text(path.read_text().replace("severity: SEV3", "severity: SEV9"))
    git("add", "-A", cwd=team)
    done = try_repo(team, hook_repo, home)
    assert done.returncode == 1
    shown = path.relative_to(team).as_posix()
    assert f"{shown}:6:1: severity: 'SEV9' is not one of" in done.stdout


def test_a_taxonomy_change_checks_the_documents_it_breaks(
    team: Path, hook_repo: Path, home: Path
) -> None:
    git("commit", "-q", "-m", "start", cwd=team)
    taxonomy = team / "taxonomy.yml"
    taxonomy.write_text(taxonomy.read_text().replace("- id: SEV3", "- id: SEV3-minor"))
    git("add", "taxonomy.yml", cwd=team)  # no document is staged
    done = run_hooks(team, hook_repo, home)
    assert done.returncode == 1
    assert "severity: 'SEV3' is not one of" in done.stdout


def test_other_files_do_not_run_it(team: Path, hook_repo: Path, home: Path) -> None:
    git("commit", "-q", "-m", "start", cwd=team)
    (team / "notes.txt").write_text("hello\n")
    git("add", "notes.txt", cwd=team)
    done = run_hooks(team, hook_repo, home)
    assert done.returncode == 0
    assert "Skipped" in done.stdout
