"""Build the same knowledge bases with an earlier revision of kb and with the working tree,
and compare the two sites byte for byte.

For refactors that must not change what the site shows: the example content and a
generated corpus are each built twice (the earlier revision checked out with
`git worktree` into a temporary folder, run through PYTHONPATH), after `kb index` so
that similar incidents are ranked by text, and every file is compared.

    python tools/site_diff.py --base origin/main --count 300

Exit 0 when every site is identical, 1 when any file differs (each is listed).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))

import gen_corpus  # noqa: E402

# gzip stamps the time into the compressed sitemap; the marker names the building process.
SKIPPED = {"sitemap.xml.gz", ".kb-site"}


def build(code: Path, kb: Path) -> Path:
    """`kb index` then `kb build` of the knowledge base at `kb`, with kb's code from `code`."""
    env = {**os.environ, "PYTHONPATH": str(code), "NO_MKDOCS_2_WARNING": "1"}
    for args in (["index"], ["build", "--no-cache", "--site-dir", str(kb / "site")]):
        subprocess.run(
            [sys.executable, "-m", "kb", *args], cwd=kb, env=env, check=True, capture_output=True
        )
    return kb / "site"


def files(site: Path) -> dict[str, bytes]:
    """Every file of a built site by its path inside it."""
    return {
        p.relative_to(site).as_posix(): p.read_bytes()
        for p in site.rglob("*")
        if p.is_file() and p.name not in SKIPPED
    }


def differences(old: Path, new: Path) -> list[str]:
    """The paths whose bytes differ, or that only one site has."""
    a, b = files(old), files(new)
    return sorted(path for path in a.keys() | b.keys() if a.get(path) != b.get(path))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="HEAD", help="the earlier revision (default HEAD)")
    parser.add_argument("--count", type=int, default=300, help="generated documents (0: none)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kb-site-diff-") as tmp:
        work = Path(tmp)
        base = work / "base"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(base), args.base],
            cwd=REPO,
            check=True,
            capture_output=True,
        )
        try:
            sources = {"example": work / "example"}
            sources["example"].mkdir()
            for name in ("content", "mkdocs.yml", "taxonomy.yml", "overrides"):
                source = REPO / name
                if not source.exists():
                    continue
                copy = shutil.copytree if source.is_dir() else shutil.copy
                copy(source, sources["example"] / name)
            if args.count:
                sources["generated"] = work / "generated"
                gen_corpus.generate(sources["generated"], args.count, seed=1)
            failed = False
            for name, kb in sources.items():
                old, new = work / f"{name}-old", work / f"{name}-new"
                shutil.copytree(kb, old)
                shutil.copytree(kb, new)
                changed = differences(build(base, old), build(REPO, new))
                pages = sum(1 for p in (new / "site").rglob("*.html"))
                if changed:
                    failed = True
                    print(f"{name}: {len(changed)} file(s) differ:", *changed[:50], sep="\n  ")
                else:
                    print(f"{name}: identical ({pages} pages)")
            return 1 if failed else 0
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(base)], cwd=REPO, capture_output=True
            )


if __name__ == "__main__":
    sys.exit(main())
