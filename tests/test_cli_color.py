"""Colour and progress bars: only on a terminal, never with NO_COLOR, as --color/--no-color say."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import postmortem

ESC = "\x1b["


def run(args: list[str], cwd: Path, *, tty: bool, **env: str) -> str:
    """kb's stdout and stderr together, written to a pipe or to a pseudo-terminal."""
    environ = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    environ.update(env)
    command = [sys.executable, "-m", "kb", *args]
    if not tty:
        done = subprocess.run(command, cwd=cwd, env=environ, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout + done.stderr
    leader, follower = pty.openpty()
    with subprocess.Popen(
        command, cwd=cwd, env=environ, stdin=subprocess.DEVNULL, stdout=follower, stderr=follower
    ) as proc:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal's other end closed: kb has exited
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert proc.wait() == 0
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.fixture
def base(kb_root: Path) -> Path:
    # As many documents as it takes kb to draw a bar (kb.cli.search.BAR_MIN).
    for n in range(1, 101):
        (kb_root / "content" / f"{n}.md").write_text(postmortem(f"PM-2025-{n:03d}"))
    return kb_root


SEARCH = ["search", "pool"]


def test_a_pipe_gets_no_colour_and_no_progress_bar(base: Path) -> None:
    out = run(SEARCH, base, tty=False)
    assert "PM-2025-001" in out
    assert ESC not in out and "Indexing" not in out


def test_a_terminal_gets_colour_and_a_progress_bar(base: Path) -> None:
    out = run(SEARCH, base, tty=True)
    assert "PM-2025-001" in out
    assert ESC in out  # the bold ids and highlighted words
    assert "Indexing" in out  # the index was stale: a bar while it is brought up to date


def test_no_color_is_respected_on_a_terminal(base: Path) -> None:
    out = run(SEARCH, base, tty=True, NO_COLOR="1")
    assert "PM-2025-001" in out and ESC + "1m" not in out and ESC + "33m" not in out


def test_color_and_no_color_options_win(base: Path) -> None:
    assert ESC in run(["--color", *SEARCH], base, tty=False)
    assert ESC in run(["--color", *SEARCH], base, tty=False, NO_COLOR="1")
    out = run(["--no-color", *SEARCH], base, tty=True)
    assert "PM-2025-001" in out and ESC + "1m" not in out and ESC + "33m" not in out
