"""kb's benchmark harness: kb against the baseline a user would otherwise have, in one run.

    python tools/bench.py --sizes 1000,10000 [--only validate,index,search,site]
    python tools/bench.py --quick                     # 200 documents, a smoke check
    python tools/bench.py --sizes 1000,10000 --update BENCHMARKS.md

Corpora come from tools/gen_corpus.py and are kept in .bench/ (git-ignored), reused
while the generator, taxonomy, mkdocs.yml and home pages are unchanged. Each size
gets one Markdown table: kb's figure, the baseline's figure from the same run,
their ratio and the target. Tasks under ~10 s are repeated (kb and baseline
alternately) and the median kept. On a shared machine absolute times are noisy;
the ratios, measured side by side, are the figures to trust.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import time
from pathlib import Path

import bench_report as report
import bench_run as R
import gen_corpus
from bench_report import Row, Target
from bench_tasks import TASKS, Bench, memory_rows

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CACHE = REPO / ".bench"
STAMP = ".bench-stamp"
LINEAR = Target("x", 1.5)


def fingerprint(repo: Path = REPO) -> str:
    """A hash of everything a corpus is made from; a change means regenerate."""
    digest = hashlib.sha256()
    tools = Path(__file__).resolve().parent
    inputs = [tools / "gen_corpus.py", tools / "corpus_words.py", repo / "taxonomy.yml"]
    inputs.append(repo / "mkdocs.yml")
    content = repo / "content"
    if content.is_dir():
        inputs += sorted(
            p
            for p in content.rglob("*")
            if p.is_file() and not {"postmortems", "premortems"} & set(p.parts)
        )
    for path in inputs:
        if path.is_file():
            digest.update(str(path.relative_to(repo)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def ensure_corpus(cache: Path, count: int, seed: int) -> Path:
    """The corpus of `count` documents in `cache`, generated unless an identical one is there."""
    folder = cache / f"corpus-{count}-seed{seed}"
    stamp = fingerprint()
    if (folder / STAMP).is_file() and (folder / STAMP).read_text().strip() == stamp:
        return folder
    if folder.exists():
        if not (folder / gen_corpus.MARKER).is_file():
            raise SystemExit(f"bench: {folder} exists but is not a generated corpus; move it away")
        shutil.rmtree(folder)
    start = time.perf_counter()
    gen_corpus.generate(folder, count, seed)
    (folder / STAMP).write_text(stamp + "\n")
    print(
        f"bench: generated {count} documents in {time.perf_counter() - start:.1f} s",
        file=sys.stderr,
    )
    return folder


def run_size(bench: Bench, only: list[str]) -> list[Row]:
    """Every selected task on one corpus; a failing command becomes a row, not a crash."""
    rows: list[Row] = []
    for name in only:
        print(f"bench: {bench.count} documents: {name} ...", file=sys.stderr)
        try:
            rows += TASKS[name](bench)
        except R.CommandFailed as err:
            rows.append(Row(name, note=f"FAILED: {err}"))
    rows += memory_rows(bench)
    for row in rows:
        row.count = bench.count
    return rows


def scaling(benches: list[Bench]) -> str:
    """Seconds per 1,000 documents at each size, and how that grows from smallest to largest."""
    small, large = benches[0], benches[-1]
    header = ["Task", *(f"{b.count:,} docs" for b in benches), "growth", "Target", "Met"]
    lines = [
        "### Time per 1,000 documents",
        "",
        report._line(header),
        report._line(["---"] * len(header)),
    ]
    for task in ("validate", "index", "site"):
        if not all(task in b.per_doc for b in benches):
            continue
        growth = large.per_doc[task] / small.per_doc[task]
        target = LINEAR if task == "site" else None
        cells = [task, *(f"{b.per_doc[task] * 1000:.2f} s" for b in benches), f"{growth:.2f}x"]
        verdict = ("met" if target.met(growth) else "MISSED") if target else ""
        lines.append(report._line([*cells, str(target or ""), verdict]))
    return "\n".join(lines) + "\n"


def revision(repo: Path = REPO) -> str:
    """The measured code's git commit (with '+changes' when the tree is dirty)."""
    try:
        head = R.run(["git", "-C", repo, "rev-parse", "--short", "HEAD"]).stdout.strip()
        dirty = R.run(["git", "-C", repo, "status", "--porcelain", "--", "kb"]).stdout.strip()
    except (R.CommandFailed, OSError):
        return "unknown"
    return head + (" + uncommitted changes in kb/" if dirty else "")


def main(argv: list[str] | None = None) -> int:
    """Command line: generate or reuse corpora, run the tasks, print (and save) the tables."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000,10000", help="corpus sizes (default 1000,10000)")
    parser.add_argument("--only", default=",".join(TASKS), help=f"tasks: {', '.join(TASKS)}")
    parser.add_argument(
        "--quick", action="store_true", help="200 documents, few runs: a smoke check"
    )
    parser.add_argument("--seed", type=int, default=1, help="corpus seed (default 1)")
    parser.add_argument("--runs", type=int, help="most runs of a short task (default 5; quick 3)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where corpora live")
    parser.add_argument("--json", type=Path, help="also write every row as JSON here")
    parser.add_argument("--update", type=Path, help="replace the tables in this Markdown file")
    args = parser.parse_args(argv)
    only = [t.strip() for t in args.only.split(",") if t.strip()]
    unknown = [t for t in only if t not in TASKS]
    if unknown:
        parser.error(f"unknown task(s) {', '.join(unknown)}; choose from {', '.join(TASKS)}")
    try:
        sizes = [200] if args.quick else sorted({int(s) for s in args.sizes.split(",")})
    except ValueError:
        parser.error(f"--sizes must be numbers separated by commas, not {args.sizes!r}")
    if any(s < 10 for s in sizes):
        parser.error("every size must be at least 10 documents")
    runs = args.runs or (3 if args.quick else 5)
    budget = 10.0 if args.quick else 90.0

    info = R.machine()
    info["revision"] = revision()
    sections: list[str] = []
    benches: list[Bench] = []
    results: dict[str, list[dict[str, object]]] = {}
    for size in sizes:
        corpus = ensure_corpus(args.cache, size, args.seed)
        bench = Bench(corpus, size, runs, budget, args.seed, samples=8 if args.quick else 20)
        rows = run_size(bench, only)
        benches.append(bench)
        results[str(size)] = [r.as_dict() for r in rows]
        section = report.table(f"{size:,} documents", rows)
        sections.append(section)
        print(section, flush=True)
    if len(benches) > 1:
        sections.append(scaling(benches))
        print(sections[-1])
    info["load_end"] = R.machine()["load"]
    command = "python tools/bench.py " + " ".join(argv if argv is not None else sys.argv[1:])
    text = (
        f"Measured with `{command.strip()}`.\n\n"
        + report.machine_lines(info)
        + "\n"
        + "\n".join(sections)
    )
    print(report.machine_lines(info))
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "sizes": results}, indent=2) + "\n")
    if args.update:
        report.update_region(args.update, text)
        print(f"bench: tables written into {args.update}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
