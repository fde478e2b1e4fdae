"""`kb build` and `kb serve` as users run them."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from docfactory import postmortem
from sitecheck import write_kb

pytestmark = pytest.mark.slow


def kb(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the real `kb` entry point in a fresh interpreter."""
    return subprocess.run(
        [sys.executable, "-m", "kb", *args], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_build_then_invalid_document_stops_the_next_build(tmp_path: Path) -> None:
    root = write_kb(tmp_path / "kb", [postmortem("PM-2025-001", "2025-03-01")])
    ok = kb("build", cwd=root)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("Built ") and " pages into site in " in ok.stdout
    assert "1 documents checked: 0 error(s)" in ok.stderr
    index = (root / "site" / "index.html").read_bytes()

    bad = root / "content" / "postmortems" / "2025" / "pm-2025-001.md"
    bad.write_text(bad.read_text().replace("severity: SEV2", "severity: SEV9"))
    failed = kb("build", cwd=root)
    assert failed.returncode == 1
    assert failed.stdout.startswith(
        "content/postmortems/2025/pm-2025-001.md:6:1: severity: 'SEV9' is not one of"
    )
    assert "The site was not built." in failed.stderr and "Traceback" not in failed.stderr
    assert (root / "site" / "index.html").read_bytes() == index


def test_build_reports_a_broken_link_and_keeps_the_site(tmp_path: Path) -> None:
    root = write_kb(tmp_path / "kb", [postmortem("PM-2025-001", "2025-03-01")])
    assert kb("build", cwd=root).returncode == 0
    (root / "content" / "about.md").write_text("# About\n\n[Gone](gone.md)\n")
    failed = kb("build", cwd=root)
    assert failed.returncode == 1
    assert "about.md" in failed.stderr and "gone.md" in failed.stderr
    assert "kb: the site was not built" in failed.stderr and "site is unchanged" in failed.stderr
    assert not (root / "site" / "about.html").exists()


def test_build_into_another_folder(tmp_path: Path) -> None:
    root = write_kb(tmp_path / "kb", [postmortem("PM-2025-001", "2025-03-01")])
    out = kb("build", "--site-dir", str(tmp_path / "public"), cwd=root)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "public" / "trends" / "index.html").is_file()
    assert not (root / "site").exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pages_and_charts(site: Path) -> dict[str, bytes]:
    return {
        p.relative_to(site).as_posix(): p.read_bytes()
        for p in site.rglob("*")
        if p.suffix in (".html", ".svg")
    }


def test_a_build_reuses_the_charts_kept_by_the_one_before_and_gives_the_same_site(
    tmp_path: Path,
) -> None:
    root = write_kb(
        tmp_path / "kb",
        [
            postmortem("PM-2025-001", "2025-03-01", services=["edge"]),
            postmortem("PM-2025-002", "2025-05-01", services=["edge"]),
        ],
    )
    cold = kb("build", "--no-cache", "--site-dir", str(tmp_path / "cold"), cwd=root)
    assert cold.returncode == 0, cold.stderr
    assert not (root / ".kb" / "cache").exists()  # --no-cache writes nothing either
    assert kb("build", cwd=root).returncode == 0
    kept = sorted((root / ".kb" / "cache" / "charts").glob("*.svg"))
    assert len(kept) == 8  # the category's and the service's chart, and six trend charts
    stamps = [p.stat().st_mtime_ns for p in kept]
    warm = kb("build", "--site-dir", str(tmp_path / "warm"), cwd=root)
    assert warm.returncode == 0, warm.stderr
    assert sorted((root / ".kb" / "cache" / "charts").glob("*.svg")) == kept  # none redrawn
    assert [p.read_text().rstrip().endswith("</svg>") for p in kept] == [True] * 8
    assert stamps != [p.stat().st_mtime_ns for p in kept]  # read back, so marked as used
    cold_files, warm_files = (
        _pages_and_charts(tmp_path / "cold"),
        _pages_and_charts(tmp_path / "warm"),
    )
    assert cold_files.keys() == warm_files.keys() and len(cold_files) > 20
    assert [name for name in cold_files if cold_files[name] != warm_files[name]] == []


def test_serve_previews_the_site(tmp_path: Path) -> None:
    root = write_kb(tmp_path / "kb", [postmortem("PM-2025-001", "2025-03-01", title="Served one")])
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "kb", "serve", "--dev-addr", f"127.0.0.1:{port}"],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        page = ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not page:
            try:
                url = f"http://127.0.0.1:{port}/postmortems/2025/pm-2025-001.html"
                with urllib.request.urlopen(url, timeout=2) as response:
                    page = response.read().decode()
            except OSError:
                assert proc.poll() is None, proc.communicate()[0]
                time.sleep(0.3)
        assert "Served one" in page and "Time to detect / mitigate / resolve" in page
        # An edit is rebuilt (helper process, charts and all) and served.
        doc = root / "content" / "postmortems" / "2025" / "pm-2025-001.md"
        doc.write_text(doc.read_text().replace("Served one", "Edited one"))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "Edited one" not in page:
            time.sleep(0.5)
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    page = response.read().decode()
            except OSError:
                assert proc.poll() is None, proc.communicate()[0]
        assert "Edited one" in page
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/trends/incidents-per-month.svg", timeout=2
        ) as response:
            assert b"<svg" in response.read()
    finally:
        proc.terminate()
        output = proc.communicate(timeout=20)[0]
    assert "Serving on http://127.0.0.1:" in output
    assert not (root / "site").exists()  # the preview never writes the site folder


def test_build_says_when_the_site_would_load_fonts_from_the_internet(tmp_path: Path) -> None:
    root = write_kb(tmp_path / "kb", [postmortem("PM-2025-001", "2025-03-01")])
    config = root / "mkdocs.yml"
    quiet = kb("build", cwd=root)
    assert quiet.returncode == 0 and "fonts.googleapis.com" not in quiet.stderr  # font: false
    config.write_text(config.read_text().replace("  font: false\n", ""))
    loud = kb("build", cwd=root)
    assert loud.returncode == 0, loud.stderr
    assert "kb: theme.font is not false, so Material loads Google Fonts" in loud.stderr
