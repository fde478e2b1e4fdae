"""tools/bench.py and its parts: the tables, the measurements, the baselines, a quick run."""

from __future__ import annotations

import importlib
import importlib.util
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

TOOLS = Path(__file__).resolve().parents[1] / "tools"
sys.path.insert(0, str(TOOLS))

import baselines  # noqa: E402
import bench  # noqa: E402
import bench_report as report  # noqa: E402
import bench_run  # noqa: E402
import bench_tasks  # noqa: E402
import gen_corpus  # noqa: E402

# ---------------------------------------------------------------- tables


def test_row_ratio_and_verdict_against_a_ratio_target() -> None:
    row = report.Row("validate", "s", 6.0, 4.0, "C-YAML floor", report.Target("x", 1.5), count=10)
    assert row.ratio == 1.5
    assert row.verdict == "met"
    cells = row.cells()
    assert cells[1:6] == ["6.00 s", "4.00 s (C-YAML floor)", "1.50x", "<= 1.5x", "met"]
    assert report.Row("v", "s", 6.1, 4.0, target=report.Target("x", 1.5)).verdict == "MISSED"


def test_absolute_targets_and_sizes_they_apply_to() -> None:
    target = report.Target("s", 1.0, at=10_000)
    assert report.Row("re-index", "s", 0.2, target=target, count=10_000).verdict == "met"
    assert report.Row("re-index", "s", 1.2, target=target, count=10_000).verdict == "MISSED"
    assert report.Row("re-index", "s", 1.2, target=target, count=1_000).verdict == "n/a"
    assert str(target) == "<= 1.00 s at 10,000 docs"
    page = report.Row("page", "B", 150 * 1024, target=report.Target("B", 100 * 1024), count=5)
    assert page.verdict == "MISSED" and page.cells()[1] == "150 KiB"


def test_missing_features_make_a_clear_row() -> None:
    row = report.not_available("kb search end to end", "no `kb search` command")
    assert row.cells()[1] == "not available"
    assert row.cells()[-1] == "no `kb search` command"
    assert row.verdict == ""


def test_table_is_markdown_with_one_line_per_row() -> None:
    rows = [report.Row("a", "s", 0.5, 0.25), report.Row("b | c", "B", 2 * 1024**3)]
    text = report.table("1,000 documents", rows)
    lines = text.strip().splitlines()
    assert lines[0] == "### 1,000 documents"
    assert lines[2].startswith("| Task | kb |")
    assert lines[4] == "| a | 500 ms | 250 ms | 2.00x |  |  |  |"
    assert "b \\| c" in lines[5] and "2.00 GiB" in lines[5]


def test_update_region_replaces_only_between_the_markers(tmp_path: Path) -> None:
    doc = tmp_path / "BENCHMARKS.md"
    doc.write_text(
        f"# Benchmarks\n\nIntro.\n\n{report.START}\nold\n{report.END}\n\n## Notes\nKeep.\n"
    )
    report.update_region(doc, "new tables")
    text = doc.read_text()
    assert "old" not in text and "new tables" in text
    assert text.startswith("# Benchmarks\n\nIntro.") and text.endswith("## Notes\nKeep.\n")
    fresh = tmp_path / "other.md"
    report.update_region(fresh, "first")
    assert fresh.read_text() == f"{report.START}\nfirst\n{report.END}\n"


# ---------------------------------------------------------------- measuring


def test_run_measures_time_and_peak_memory() -> None:
    code = "b = bytearray(64 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096]); print('ok')"
    result = bench_run.run([sys.executable, "-c", code])
    assert result.stdout.strip() == "ok"
    assert result.max_rss > 64 * 1024 * 1024
    assert 0 < result.seconds < 60


def test_run_raises_on_an_unexpected_exit_code() -> None:
    cmd = [sys.executable, "-c", "import sys; print('boom', file=sys.stderr); sys.exit(3)"]
    with pytest.raises(bench_run.CommandFailed, match="exited 3: boom"):
        bench_run.run(cmd)
    assert bench_run.run(cmd, ok=(3,)).returncode == 3


def test_paired_alternates_and_keeps_medians() -> None:
    order: list[str] = []

    def first() -> float:
        order.append("a")
        return 1.0 + len(order) / 100

    def second() -> float:
        order.append("b")
        return 2.0

    a, b = bench_run.paired(first, second, max_runs=3, budget=60)
    assert order == ["a", "b"] * 3
    assert a.runs == b.runs == 3
    assert a.median == pytest.approx(1.03)


def test_rounds_run_every_task_in_order_and_count_child_cpu() -> None:
    order: list[str] = []

    def task(name: str, seconds: float) -> Callable[[], float]:
        def run() -> float:
            order.append(name)
            return seconds

        return run

    m = bench_run.rounds(
        {"plain": task("p", 1.0), "kb": task("k", 2.0), "slow": task("s", 11.0)},
        max_runs=3,
        budget=60,
        repeat_below=60,
    )
    assert order == ["p", "k", "s"] * 3 and m["kb"].median == 2.0
    order.clear()
    assert bench_run.rounds({"s": task("s", 11.0)}, max_runs=3, budget=60)["s"].runs == 1
    # CPU time counts the helpers a command waited for, as kb build's helper process.
    code = "import subprocess, sys; subprocess.run([sys.executable, '-c', 'sum(range(10**7))'])"
    result = bench_run.run([sys.executable, "-c", code])
    spin = bench_run.run([sys.executable, "-c", "sum(range(10**7))"])
    assert result.cpu > spin.cpu * 0.8 > 0


def test_slow_tasks_run_once_unless_asked() -> None:
    def slow() -> float:
        return 12.0

    assert bench_run.paired(slow, slow, max_runs=3, budget=1e9)[0].runs == 1
    assert bench_run.repeated(slow, max_runs=3, budget=1e9, repeat_below=60).runs == 3


def test_percentile_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert bench_run.percentile(values, 50) == 50.0
    assert bench_run.percentile(values, 95) == 95.0
    assert bench_run.percentile([3.0], 95) == 3.0


def test_machine_reports_cores_memory_and_python() -> None:
    info = bench_run.machine()
    assert int(info["cores"]) >= 1
    assert info["memory"].endswith("GiB")
    assert info["python"].startswith("CPython 3.")


# ---------------------------------------------------------------- baselines and queries


def test_front_matter_split_and_yaml_floor(tmp_path: Path) -> None:
    assert baselines.front_matter("---\na: 1\n---\nbody\n") == ("\na: 1", "body\n")
    assert baselines.front_matter("# no front-matter\n") == (None, "# no front-matter\n")
    (tmp_path / "a.md").write_text("---\nid: PM-2025-001\n---\ntext\n")
    (tmp_path / "b.md").write_text("plain page\n")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "c.md").write_text("---\nx: 1\n---\n")
    assert baselines.yaml_floor(tmp_path) == 1


def test_plain_mkdocs_config_drops_only_the_kb_plugin(tmp_path: Path) -> None:
    gen_corpus.generate(tmp_path / "kb", 20)
    root = tmp_path / "kb"
    mkdocs = root / "mkdocs.yml"
    # kb's own search (Pagefind) is the default; the plain build pays for Material's instead.
    default = yaml.safe_load(baselines.plain_mkdocs_config(root, root / "plain.yml").read_text())
    assert default["plugins"] == ["search"]
    mkdocs.write_text(
        mkdocs.read_text()
        + "\nplugins:\n  - search:\n      lang: en\n  - kb:\n      pagefind: false\n"
    )
    out = baselines.plain_mkdocs_config(root, root / "plain.yml")
    config = yaml.safe_load(out.read_text())
    assert config["INHERIT"] == "mkdocs.yml"
    assert config["plugins"] == [{"search": {"lang": "en"}}]
    assert config["site_dir"] == "site-plain"
    # The same bounded nav as kb's own build of this corpus: entry for entry.
    from mkdocs.config import load_config
    from mkdocs.structure.files import get_files

    kb_config = load_config(str(mkdocs))
    kb_config = kb_config.plugins.on_config(kb_config)
    kb_config.plugins.on_files(get_files(kb_config), config=kb_config)
    kb_config.plugins["kb"].on_post_build(config=kb_config)
    assert config["nav"] == kb_config.nav
    assert config["nav"][0] == {"Home": "index.md"}
    assert {"Trends": "trends/index.md"} in config["nav"]
    assert not any("postmortems/" in str(entry) for entry in config["nav"])


def test_queries_are_varied_and_half_filtered() -> None:
    qs = bench_tasks.queries(200, seed=1)
    assert len(qs) == 200 and qs == bench_tasks.queries(200, seed=1)
    texts = [q for q, _ in qs]
    assert len(set(texts)) > 150
    assert any('"' in t for t in texts) and any(t.endswith("*") for t in texts)
    assert any(" AND " in t for t in texts) and any("service:" in t for t in texts)
    assert sum(1 for _, f in qs if f) == 100
    assert bench_tasks._grep_text('"connection pool" AND x') == "connection pool"
    assert bench_tasks._grep_text("replic*") == "replic"


@pytest.mark.skipif(importlib.util.find_spec("kb.search") is None, reason="kb.search not merged")
def test_raw_fields_index_the_same_text_as_kb(tmp_path: Path) -> None:
    from kb.config import load_settings
    from kb.knowledge import load_knowledge_base

    schema = importlib.import_module("kb.search.schema")
    SCHEMA, fields_for = schema.SCHEMA, schema.fields_for

    gen_corpus.generate(tmp_path / "kb", 40)
    kb = load_knowledge_base(load_settings(tmp_path / "kb"))
    for doc in kb.documents:
        ours = fields_for(doc, doc.src_uri)
        fm_text, body = baselines.front_matter(doc.path.read_text())
        assert fm_text is not None
        fm = yaml.load(fm_text, Loader=yaml.CSafeLoader)
        raw = baselines.raw_fields(fm, body, doc.src_uri, list(SCHEMA.names()))
        assert set(raw) == set(ours), doc.id
        for name in ("title", "summary", "actions", "risks", "services", "date"):
            assert raw.get(name) == ours.get(name), (doc.id, name)


# ---------------------------------------------------------------- the harness end to end


def test_a_broken_task_becomes_a_failed_row(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def broken(b: bench_tasks.Bench) -> list[report.Row]:
        raise ValueError("the index is gone")

    def fine(b: bench_tasks.Bench) -> list[report.Row]:
        return [report.Row("fine", "s", 1.0)]

    monkeypatch.setitem(bench.TASKS, "index", broken)
    monkeypatch.setitem(bench.TASKS, "validate", fine)
    rows = bench.run_size(bench_tasks.Bench(tmp_path, 50), ["index", "validate"])
    assert [r.task for r in rows] == ["index", "fine"]
    assert rows[0].note == "FAILED: ValueError: the index is gone"
    assert all(r.count == 50 for r in rows)


def test_corpora_are_reused_until_their_inputs_change(tmp_path: Path) -> None:
    first = bench.ensure_corpus(tmp_path, 20, seed=1)
    marker = first / "content" / "kept.md"
    marker.write_text("reused\n")
    assert bench.ensure_corpus(tmp_path, 20, seed=1) == first and marker.exists()
    (first / bench.STAMP).write_text("stale\n")
    assert bench.ensure_corpus(tmp_path, 20, seed=1) == first and not marker.exists()
    other = tmp_path / "corpus-30-seed1"
    other.mkdir()
    (other / "mine.txt").write_text("not a corpus\n")
    with pytest.raises(SystemExit, match="not a generated corpus"):
        bench.ensure_corpus(tmp_path, 30, seed=1)
    assert (other / "mine.txt").exists()


def test_site_notes_give_cpu_and_the_spread_of_per_round_ratios() -> None:
    kb = bench_run.Measure(seconds=[11.0, 9.0, 12.6], cpu=[13.0, 9.5, 14.0])
    plain = bench_run.Measure(seconds=[10.0, 9.0, 9.0], cpu=[9.8, 8.8, 8.9])
    note = bench_tasks._cpu_note(kb, plain)
    # Medians 11.0 / 9.0 for the verdict; each round's own ratio 1.10, 1.00, 1.40.
    assert note.startswith("median of 3 runs; CPU 13.0 s vs 8.9 s (1.46x)")
    assert note.endswith("; rounds 1.00-1.40x")
    one = bench_tasks._cpu_note(
        bench_run.Measure([5.0], cpu=[5.0]), bench_run.Measure([4.0], cpu=[4.0])
    )
    assert "rounds" not in one


@pytest.mark.slow
def test_quick_run_prints_a_table_for_every_task(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [
            sys.executable,
            str(TOOLS / "bench.py"),
            "--quick",
            "--cache",
            str(tmp_path / "cache"),
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "### 200 documents" in done.stdout
    assert "| validate |" in done.stdout
    rows = json.loads(out.read_text())["sizes"]["200"]
    by_task = {r["task"]: r for r in rows}
    validate = by_task["validate"]
    assert validate["kb"] > 0 and validate["baseline"] > 0 and validate["ratio"] > 0
    memory = by_task["peak RSS: kb validate"]
    assert memory["kb"] > 10 * 1024**2 and memory["baseline_name"] == "C-YAML floor"
    assert not [r for r in rows if r["note"].startswith("FAILED")]
    for name in ("index: full build", "kb search end to end", "site build"):
        matching = [r for r in rows if r["task"].startswith(name)]
        assert matching, f"no row for {name}"
        # Measured, or plainly marked as not available on this branch.
        assert all(r["kb"] is not None or r["note"] for r in matching)
    # Every site build's run is kept, so the spread between rounds can be checked later.
    for task in ("site build", "site build, cache kept", "site build, fresh clone"):
        row = by_task[task]
        assert len(row["samples"]) == len(row["baseline_samples"]) >= 1
        assert min(row["samples"]) <= row["kb"] <= max(row["samples"])
        if len(row["samples"]) > 1:
            assert "rounds " in row["note"]
