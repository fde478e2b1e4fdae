"""Shell completion: commands, options, document ids and taxonomy values, in bash, zsh, fish."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import postmortem

KB = [sys.executable, "-m", "kb"]


def complete(shell: str, words: str, cwd: Path, **env: str) -> list[str]:
    """What kb answers a shell asking to complete `words` (the last one being typed)."""
    parts = words.split(" ")
    environ = {
        **os.environ,
        "_KB_COMPLETE": f"{shell}_complete",
        "COMP_WORDS": words,
        # bash and zsh send the index of the word being completed; fish the word itself.
        "COMP_CWORD": parts[-1] if shell == "fish" else str(len(parts) - 1),
        **env,
    }
    done = subprocess.run([*KB], cwd=cwd, env=environ, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return [line for line in done.stdout.splitlines() if line]


def values(shell: str, lines: list[str]) -> list[str]:
    """The completed values in each shell's reply format."""
    if shell == "zsh":  # type, value, help: three lines per item
        return [lines[i + 1] for i in range(0, len(lines), 3)]
    return [line.split(",", 1)[1].split("\t")[0] for line in lines]


@pytest.fixture
def base(kb_root: Path) -> Path:
    (kb_root / "content" / "a.md").write_text(postmortem("PM-2025-001"))
    (kb_root / "content" / "b.md").write_text(postmortem("PM-2025-002", title="Other"))
    (kb_root / "content" / "c.md").write_text(postmortem("PM-2024-007", date="2024-01-02"))
    return kb_root


SHELLS = ["bash", "zsh", "fish"]


@pytest.mark.parametrize("shell", SHELLS)
def test_subcommands_and_options(base: Path, shell: str) -> None:
    assert values(shell, complete(shell, "kb sim", base)) == ["similar"]
    assert set(values(shell, complete(shell, "kb ", base))) >= {
        "init", "validate", "new", "search", "similar", "build", "serve", "import",
    }  # fmt: skip
    assert "--strict" in values(shell, complete(shell, "kb validate --", base))
    assert values(shell, complete(shell, "kb --ro", base)) == ["--root"]


@pytest.mark.parametrize("shell", SHELLS)
def test_document_ids(base: Path, shell: str) -> None:
    assert values(shell, complete(shell, "kb similar PM-2025", base)) == [
        "PM-2025-001",
        "PM-2025-002",
    ]
    assert values(shell, complete(shell, "kb similar pm-2024", base)) == ["PM-2024-007"]


@pytest.mark.parametrize("shell", SHELLS)
def test_taxonomy_values(base: Path, shell: str) -> None:
    (base / "taxonomy.yml").write_text(
        (Path(__file__).resolve().parents[1] / "taxonomy.yml")
        .read_text()
        .replace(
            "  - id: SEV4\n    title: Low",
            "  - id: SEV5\n    title: Cosmetic\n  - id: SEV4\n    title: Low",
        )
    )
    assert values(shell, complete(shell, "kb new postmortem --severity sev", base)) == [
        "SEV1", "SEV2", "SEV3", "SEV5", "SEV4",
    ]  # fmt: skip
    categories = values(shell, complete(shell, "kb search x --category data", base))
    assert "datastore" in categories and all(c.startswith("data") for c in categories)
    assert values(shell, complete(shell, "kb search x --status pub", base)) == ["published"]


def test_severity_help_is_the_taxonomy_title(base: Path) -> None:
    assert "plain,SEV1\tCritical" in complete("fish", "kb new postmortem --severity SEV1", base)


def test_values_follow_root(base: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    got = values("bash", complete("bash", f"kb --root {base} similar PM-2024", elsewhere))
    assert got == ["PM-2024-007"]
    assert values("bash", complete("bash", "kb similar PM", elsewhere, KB_ROOT=str(base))) == [
        "PM-2024-007", "PM-2025-001", "PM-2025-002",
    ]  # fmt: skip


def test_outside_a_knowledge_base_nothing_is_offered_and_nothing_breaks(tmp_path: Path) -> None:
    assert complete("bash", "kb similar PM", tmp_path) == []
    assert complete("bash", "kb search x --severity S", tmp_path) == []


@pytest.mark.parametrize("shell", SHELLS)
def test_the_shell_script_is_generated(base: Path, shell: str) -> None:
    env = {**os.environ, "_KB_COMPLETE": f"{shell}_source"}
    done = subprocess.run(KB, cwd=base, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0
    assert f"_KB_COMPLETE={shell}_complete" in done.stdout.replace("'", "").replace('"', "")


def _kb_on_path(base: Path) -> dict[str, str]:
    """An environment whose `kb` (first on PATH) runs this checkout's kb."""
    bindir = base / "bin"
    bindir.mkdir(exist_ok=True)
    wrapper = bindir / "kb"
    wrapper.write_text(f'#!/bin/sh\nexec {sys.executable} -m kb "$@"\n')
    wrapper.chmod(0o755)
    return {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}"}


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_completes_through_the_generated_script(base: Path) -> None:
    # The real thing: bash sources the script kb prints and runs its completion function,
    # which calls `kb` (here: a wrapper on PATH running this checkout's kb).
    env = _kb_on_path(base)
    script = (
        'eval "$(_KB_COMPLETE=bash_source kb)"; '
        "COMP_WORDS=(kb similar PM-2025-00); COMP_CWORD=2; _kb_completion kb; "
        'echo "${COMPREPLY[@]}"'
    )
    done = subprocess.run(
        ["bash", "--norc", "-c", script], cwd=base, env=env, capture_output=True, text=True
    )
    assert done.stdout.split() == ["PM-2025-001", "PM-2025-002"], done.stderr


@pytest.mark.skipif(
    shutil.which("fish") is None and not os.environ.get("CI"),
    reason="needs fish (.ci/run installs it)",
)
def test_fish_completes_through_the_generated_script(base: Path) -> None:
    script = (
        "_KB_COMPLETE=fish_source kb | source; "
        'complete -C "kb similar PM-2025-00"; echo ---; '
        'complete -C "kb new postmortem --severity s"'
    )
    done = subprocess.run(
        ["fish", "--no-config", "-c", script],
        cwd=base, env=_kb_on_path(base), capture_output=True, text=True, check=False,
    )  # fmt: skip
    ids, severities = done.stdout.split("---\n")
    assert ids.split() == ["PM-2025-001", "PM-2025-002"], done.stderr
    assert severities.splitlines() == ["SEV1\tCritical", "SEV2\tMajor", "SEV3\tMinor", "SEV4\tLow"]


@pytest.mark.skipif(
    shutil.which("zsh") is None and not os.environ.get("CI"),
    reason="needs zsh (.ci/run installs it)",
)
def test_zsh_runs_the_generated_script(base: Path) -> None:
    # zsh's completion system needs a terminal; here zsh runs kb's generated function as
    # compsys would, with `words` and `CURRENT` set, and the two builtins it hands its
    # results to (compadd, _describe) print them instead.
    script = (
        "compdef(){ :; }; "
        'compadd(){ print -l -- "${(@P)${@[-1]}}"; }; '
        '_describe(){ print -l -- "${(@P)3}"; }; '
        'eval "$(_KB_COMPLETE=zsh_source kb)"; '
        "words=(kb similar PM-2025-00); CURRENT=3; _kb_completion; echo ---; "
        "words=(kb new postmortem --severity s); CURRENT=5; _kb_completion"
    )
    done = subprocess.run(
        ["zsh", "-f", "-c", script],
        cwd=base, env=_kb_on_path(base), capture_output=True, text=True, check=False,
    )  # fmt: skip
    ids, severities = done.stdout.split("---\n")
    assert ids.split() == ["PM-2025-001", "PM-2025-002"], done.stderr
    assert severities.split() == ["SEV1:Critical", "SEV2:Major", "SEV3:Minor", "SEV4:Low"]
