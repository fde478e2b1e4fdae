"""The benchmark tasks: each measures kb and its baseline on one corpus and returns rows.

A task whose kb command or module does not exist (yet) returns "not available"
rows instead of failing, so the harness runs on any branch.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import random
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bench_run as R
import corpus_words as W
from bench_report import GIB, Row, Target, not_available

TOOLS = Path(__file__).resolve().parent
BASELINES = TOOLS / "baselines.py"

# The targets of issues 2-5, at the corpus size each issue states.
VALIDATE = Target("x", 1.5, 10_000)
INDEX = Target("x", 1.1, 10_000)
NO_CHANGE = Target("s", 1.0, 10_000)
ONE_FILE = Target("s", 2.0, 10_000)
SEARCH_E2E = Target("s", 0.4, 10_000)
SITE = Target("x", 1.30)  # issue 16: 1.25x before, traded for readable build machinery
SITE_1K = Target("s", 25.0, 1_000)
PAGE = Target("B", 100 * 1024)
RSS = Target("B", GIB, 10_000)


@dataclass
class Bench:
    """One corpus and how hard to try on it."""

    root: Path
    count: int
    max_runs: int = 5
    budget: float = 60.0  # seconds of repeats per task
    repeat_below: float = R.REPEAT_BELOW  # tasks longer than this run once
    seed: int = 1
    samples: int = 20  # processes started for `kb search` (and half as many for `kb similar`)
    rss: dict[str, int] = field(default_factory=dict)  # kb command -> peak RSS bytes
    per_doc: dict[str, float] = field(default_factory=dict)  # task -> seconds per document
    # kb command -> (peak RSS of its baseline, the baseline's name)
    base_rss: dict[str, tuple[int, str]] = field(default_factory=dict)
    _commands: dict[str, bool] = field(default_factory=dict)

    @property
    def content(self) -> Path:
        """The corpus's content folder."""
        return self.root / "content"

    def kb(self, *args: str, ok: tuple[int, ...] = (0,)) -> R.Run:
        """Run `kb --root ROOT ARGS...` as its own process, recording its peak RSS."""
        result = R.run(
            [sys.executable, "-m", "kb", "--root", self.root, *args], cwd=self.root, ok=ok
        )
        name = f"kb {args[0]}"
        self.rss[name] = max(self.rss.get(name, 0), result.max_rss)
        return result

    def has(self, command: str) -> bool:
        """Whether this kb has the command."""
        if command not in self._commands:
            found = R.run([sys.executable, "-m", "kb", command, "--help"], ok=(0, 1, 2))
            self._commands[command] = found.returncode == 0
        return self._commands[command]

    def baseline(self, *args: str | Path, ok: tuple[int, ...] = (0,)) -> R.Run:
        """Run one of tools/baselines.py's tasks as its own process."""
        return R.run([sys.executable, BASELINES, *args], cwd=self.root, ok=ok)

    def settings(self) -> Any:
        """kb's settings for the corpus (index and site folders)."""
        from kb.config import load_settings

        return load_settings(self.root)


def _note(*measures: R.Measure) -> str:
    runs = {m.runs for m in measures}
    n = runs.pop() if len(runs) == 1 else max(m.runs for m in measures)
    return f"median of {n} runs" if n > 1 else "1 run"


# ---------------------------------------------------------------- validate


def validate(b: Bench) -> list[Row]:
    """`kb validate` against reading every file and parsing its front-matter with C YAML."""
    kb, floor = R.paired(
        lambda: b.kb("validate", ok=(0, 1)),
        lambda: b.baseline("yaml-floor", b.content),
        max_runs=b.max_runs,
        budget=b.budget,
        repeat_below=b.repeat_below,
    )
    b.per_doc["validate"] = kb.median / b.count
    b.base_rss["kb validate"] = (floor.max_rss, "C-YAML floor")
    return [
        Row("validate", "s", kb.median, floor.median, "C-YAML floor", VALIDATE, _note(kb, floor))
    ]


# ---------------------------------------------------------------- index


def index(b: Bench) -> list[Row]:
    """Full, no-change and one-file-change `kb index` against a raw whoosh writer."""
    rows = ["index: full build", "index: no-change re-index", "index: one-file change"]
    targets = [INDEX, NO_CHANGE, ONE_FILE]
    if not b.has("index"):
        return [
            not_available(r, "no `kb index` command", t) for r, t in zip(rows, targets, strict=True)
        ]
    if importlib.util.find_spec("kb.search") is None:
        return [
            not_available(r, "no kb.search.schema module", t)
            for r, t in zip(rows, targets, strict=True)
        ]
    index_dir = b.settings().index_dir
    raw_dir = b.root / ".bench-raw-index"

    def full() -> R.Run:
        shutil.rmtree(index_dir, ignore_errors=True)
        return b.kb("index")

    def raw(procs: int = 1) -> R.Run:
        return b.baseline("whoosh-index", b.content, raw_dir, "--procs", str(procs))

    kb, base = R.paired(
        full, raw, max_runs=b.max_runs, budget=b.budget, repeat_below=b.repeat_below
    )
    base2 = R.repeated(
        lambda: raw(2), max_runs=b.max_runs, budget=b.budget, repeat_below=b.repeat_below
    )
    shutil.rmtree(raw_dir, ignore_errors=True)
    b.per_doc["index"] = kb.median / b.count
    b.base_rss["kb index"] = (base.max_rss, "raw whoosh writer")
    out = [
        Row(rows[0], "s", kb.median, base.median, "raw whoosh writer", INDEX, _note(kb, base)),
        Row(
            "index: full build vs raw writer with procs=2",
            "s",
            kb.median,
            base2.median,
            "raw whoosh, procs=2, multisegment",
            note="for comparison; the target is against the plain writer",
        ),
    ]
    same = R.repeated(
        lambda: b.kb("index"), max_runs=b.max_runs, budget=b.budget, repeat_below=b.repeat_below
    )
    out.append(Row(rows[1], "s", same.median, target=NO_CHANGE, note=_note(same)))
    changed = _one_file_changes(b)
    out.append(Row(rows[2], "s", changed.median, target=ONE_FILE, note=_note(changed)))
    return out


def _one_file_changes(b: Bench) -> R.Measure:
    files = sorted((b.content / "postmortems").rglob("*.md"))
    target = files[len(files) // 2]
    original = target.read_bytes()
    m = R.Measure()
    try:
        for i in range(max(2, b.max_runs)):
            if i % 2 == 0:
                target.write_bytes(original + f"\nA note the benchmark added ({i}).\n".encode())
            else:
                target.write_bytes(original)
            m.add(b.kb("index"))
    finally:
        target.write_bytes(original)
    b.kb("index")  # leave the index matching the content for the next task
    return m


# ---------------------------------------------------------------- search


def queries(n: int, seed: int) -> list[tuple[str, dict[str, Any]]]:
    """`n` varied queries (words, phrases, fields, boolean, prefix), every other one filtered."""
    rng = random.Random(seed)
    phrases = [p for kinds in W.CATEGORY_PHRASES.values() for ps in kinds.values() for p in ps]
    words = sorted({w.strip(".,") for p in phrases for w in p.split() if len(w) > 5})
    categories = sorted(W.CATEGORY_PHRASES)
    out: list[tuple[str, dict[str, Any]]] = []
    for i in range(n):
        kind = i % 8
        phrase = rng.choice(phrases).split()
        start = rng.randrange(max(1, len(phrase) - 2))
        if kind == 0:
            text = rng.choice(words)
        elif kind == 1:
            text = '"' + " ".join(phrase[start : start + 2]) + '"'
        elif kind == 2:
            text = " ".join(phrase[start : start + 3])
        elif kind == 3:
            text = f"{rng.choice(words)} service:{rng.choice(W.SERVICES)}"
        elif kind == 4:
            text = f"{rng.choice(words)} AND {rng.choice(words)}"
        elif kind == 5:
            text = f"{rng.choice(words)} OR {rng.choice(words)}"
        elif kind == 6:
            text = f"{rng.choice(words)} NOT {rng.choice(words)}"
        else:
            text = rng.choice(words)[:5] + "*"
        filters: dict[str, Any] = {}
        if i % 2:
            pick = rng.randrange(4)
            if pick == 0:
                filters["categories"] = [rng.choice(categories)]
            elif pick == 1:
                filters["severities"] = [rng.choice(["SEV1", "SEV2"])]
            elif pick == 2:
                filters["services"] = [rng.choice(W.SERVICES[:20])]
            else:
                filters["since"] = f"{rng.randint(2022, 2026)}-01-01"
        out.append((text, filters))
    return out


def _cli_filters(filters: dict[str, Any]) -> list[str]:
    args: list[str] = []
    for key, flag in (("categories", "--category"), ("services", "--service")):
        for value in filters.get(key, []):
            args += [flag, value]
    for value in filters.get("severities", []):
        args += ["--severity", value]
    if "since" in filters:
        args += ["--since", filters["since"]]
    return args


def _grep_text(query: str) -> str:
    if '"' in query:
        return query.split('"')[1]
    words = [w for w in query.split() if ":" not in w and w not in ("AND", "OR", "NOT")]
    return max(words, key=len).rstrip("*")


def search(b: Bench) -> list[Row]:
    """Query latency in-process, `kb search` end to end, `grep -ril`, and `kb similar`."""
    names = [
        "search in-process p50 (no filters)",
        "search in-process p50 (filtered)",
        "kb search end to end",
        "kb similar end to end",
    ]
    if not b.has("search"):
        return [not_available(n, "no `kb search` command") for n in names]
    b.kb("index")  # a fresh index, so no search below pays for an update
    qs = queries(200, b.seed)
    rows = _in_process(b, qs)
    sample = qs[:: max(1, len(qs) // b.samples)][: b.samples]
    kb_times, grep_times = [], []
    for text, filters in sample:
        kb_times.append(b.kb("search", text, *_cli_filters(filters), ok=(0, 1)).seconds)
        grep = R.run(["grep", "-rilF", "--", _grep_text(text), b.content], ok=(0, 1))
        grep_times.append(grep.seconds)
    note = f"{len(sample)} queries, half filtered; grep: the query's phrase or longest word"
    rows.append(
        Row(
            "kb search end to end, p50",
            "s",
            R.percentile(kb_times, 50),
            R.percentile(grep_times, 50),
            "grep -ril",
            SEARCH_E2E,
            note,
        )
    )
    rows.append(
        Row(
            "kb search end to end, p95",
            "s",
            R.percentile(kb_times, 95),
            R.percentile(grep_times, 95),
            "grep -ril",
        )
    )
    rows.append(_similar(b) if b.has("similar") else not_available(names[3], "no `kb similar`"))
    return rows


def _in_process(b: Bench, qs: list[tuple[str, dict[str, Any]]]) -> list[Row]:
    try:
        from kb.search import Filters, SearchIndex
    except ImportError as err:
        why = f"kb.search has no SearchIndex/Filters: {err}"
        return [not_available("search in-process", why)]
    settings = b.settings()
    plain: list[float] = []
    filtered: list[float] = []
    with SearchIndex(settings) as ix:
        for text, _ in qs[:10]:  # warm the searcher's caches, as a running process would be
            ix.search(text)
        for text, filters in qs:
            made = Filters(
                categories=tuple(filters.get("categories", ())),
                services=tuple(filters.get("services", ())),
                severities=tuple(filters.get("severities", ())),
                since=dt.date.fromisoformat(filters["since"]) if "since" in filters else None,
            )
            start = time.perf_counter()
            ix.search(text, made if filters else None)
            (filtered if filters else plain).append(time.perf_counter() - start)
    rows = []
    for label, values in (("no filters", plain), ("filtered", filtered)):
        note = f"{len(values)} queries: words, phrases, fields, AND/OR/NOT, prefix"
        rows.append(
            Row(f"search in-process p50 ({label})", "s", R.percentile(values, 50), note=note)
        )
        rows.append(Row(f"search in-process p95 ({label})", "s", R.percentile(values, 95)))
    return rows


def _similar(b: Bench) -> Row:
    from kb.search import SearchIndex

    with SearchIndex(b.settings()) as ix:
        ids = ix.ids()
    rng = random.Random(b.seed)
    picked = rng.sample(ids, min(max(2, b.samples // 2), len(ids)))
    times = [b.kb("similar", doc_id).seconds for doc_id in picked]
    return Row(
        "kb similar end to end, p50",
        "s",
        R.percentile(times, 50),
        note=f"{len(times)} documents",
    )


# ---------------------------------------------------------------- site


def site(b: Bench) -> list[Row]:
    """`kb build` against plain mkdocs on the same Markdown and bounded nav; page sizes.

    Three kinds of kb build alternate with the plain build, round after round:
    the first build after `kb index` (kb's cache folder removed: similar incidents
    ranked by text, every chart drawn), a build with what that one kept
    (kb.site.cache), and a fresh clone's build (no search index, no cache, as in CI).
    """
    names = ["site build", "largest HTML page", "site total size", "search index size"]
    if not b.has("build"):
        return [not_available(n, "no `kb build` command") for n in names]
    import baselines

    plain_config = baselines.plain_mkdocs_config(b.root, b.root / "mkdocs-plain.yml")
    settings = b.settings()
    site_dir, index = settings.site_dir, settings.index_dir
    plain_dir = b.root / "site-plain"
    cache = getattr(settings, "cache_dir", None) or b.root / ".kb" / "cache"
    away = index.with_name(index.name + "-away")
    # The corpus is the harness's own: a site an older kb built in it, without the
    # marker kb now needs before it replaces a folder, can simply go.
    shutil.rmtree(site_dir, ignore_errors=True)

    def plain() -> R.Run:
        return R.run(
            [sys.executable, "-m", "mkdocs", "build", "-q", "-f", plain_config], cwd=b.root
        )

    def first_build() -> R.Run:
        shutil.rmtree(cache, ignore_errors=True)
        return b.kb("build")

    def fresh_clone() -> R.Run:
        shutil.rmtree(cache, ignore_errors=True)
        moved = index.exists()
        if moved:
            index.rename(away)
        try:
            return b.kb("build")
        finally:
            if moved:
                away.rename(index)

    m = R.rounds(
        {
            "plain": plain,
            "first": first_build,
            "kept": lambda: b.kb("build"),
            "fresh": fresh_clone,
        },
        max_runs=b.max_runs,
        budget=b.budget,
        repeat_below=b.repeat_below,
    )
    base, kb = m["plain"], m["first"]
    b.per_doc["site"] = kb.median / b.count
    b.base_rss["kb build"] = (base.max_rss, "plain mkdocs")
    ours, theirs = _sizes(site_dir), _sizes(plain_dir)
    return [
        _build_row(names[0], kb, base, "; first build after `kb index`"),
        _build_row("site build, cache kept", m["kept"], base),
        _build_row("site build, fresh clone", m["fresh"], base, "; no search index, no cache"),
        Row("site build, absolute", "s", kb.median, target=SITE_1K if b.count <= 1000 else None),
        Row(names[1], "B", ours["largest"], theirs["largest"], "plain", PAGE, ours["largest_page"]),
        Row(names[2], "B", ours["total"], theirs["total"], "plain", note=f"{ours['pages']} pages"),
        Row(
            names[3],
            "B",
            ours["search"],
            theirs["search"],
            "plain",
            # Pagefind's folder is fetched a few chunks per query (tools/search_bench.py
            # measures a query); Material's search_index.json is fetched whole.
            note="kb: pagefind/ (fetched in chunks); plain: search/search_index.json (whole)",
        ),
    ]


def _build_row(task: str, ours: R.Measure, base: R.Measure, note: str = "") -> Row:
    """A site build against the plain build, with every run's seconds kept for --json."""
    return Row(
        task,
        "s",
        ours.median,
        base.median,
        "plain mkdocs",
        SITE,
        _cpu_note(ours, base) + note,
        samples=ours.seconds,
        baseline_samples=base.seconds,
    )


def _cpu_note(kb: R.Measure, base: R.Measure) -> str:
    # CPU time shows the work done on every core: kb's helper process works beside mkdocs,
    # so on a machine whose other cores are busy the wall-time ratio drifts towards this one.
    note = _note(kb, base)
    if base.cpu_median:
        note += (
            f"; CPU {kb.cpu_median:.1f} s vs {base.cpu_median:.1f} s "
            f"({kb.cpu_median / base.cpu_median:.2f}x)"
        )
    # Each round's kb build against that round's plain build: how far noise moves a ratio.
    ratios = [ours / theirs for ours, theirs in zip(kb.seconds, base.seconds, strict=False)]
    if len(ratios) > 1:
        note += f"; rounds {min(ratios):.2f}-{max(ratios):.2f}x"
    return note


def _sizes(site_dir: Path) -> dict[str, Any]:
    largest, largest_page, total, pages = 0, "", 0, 0
    for path in site_dir.rglob("*"):
        if not path.is_file():
            continue
        size = path.stat().st_size
        total += size
        if path.suffix == ".html":
            pages += 1
            if size > largest:
                largest, largest_page = size, path.relative_to(site_dir).as_posix()
    from kb.site.build import search_index_size

    return {
        "largest": largest,
        "largest_page": largest_page,
        "total": total,
        "pages": pages,
        "search": search_index_size(site_dir),
    }


# ---------------------------------------------------------------- memory


def memory_rows(b: Bench) -> list[Row]:
    """Peak RSS of every kb command the other tasks ran."""
    rows = []
    for name, rss in sorted(b.rss.items()):
        if name.split()[1] not in ("validate", "index", "search", "similar", "build"):
            continue
        base, base_name = b.base_rss.get(name, (None, ""))
        rows.append(Row(f"peak RSS: {name}", "B", rss, base, base_name, RSS))
    return rows


TASKS: dict[str, Callable[[Bench], list[Row]]] = {
    "validate": validate,
    "index": index,
    "search": search,
    "site": site,
}
