"""tools/gen_corpus.py: valid, deterministic, realistically distributed corpora."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parents[1] / "tools"
sys.path.insert(0, str(TOOLS))

import gen_corpus  # noqa: E402

from kb.config import load_settings  # noqa: E402
from kb.knowledge import load_knowledge_base  # noqa: E402
from kb.models import Postmortem, Premortem  # noqa: E402


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("corpus") / "kb"
    gen_corpus.generate(out, 500, seed=3)
    return out


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*.md")}


@pytest.mark.slow
def test_a_generated_corpus_passes_kb_validate(corpus: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kb", "--root", str(corpus), "validate"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "500 documents checked: 0 error(s)" in done.stderr


def test_it_is_a_knowledge_base_kb_can_run_on(corpus: Path) -> None:
    settings = load_settings(corpus)
    assert settings.taxonomy_path == corpus / "taxonomy.yml"
    assert (corpus / "taxonomy.yml").read_text() == (gen_corpus.REPO / "taxonomy.yml").read_text()
    mkdocs = (corpus / "mkdocs.yml").read_text()
    assert "site_name: kb benchmark corpus" in mkdocs
    assert (corpus / "content" / "index.md").is_file()


def test_distributions_look_like_a_real_knowledge_base(corpus: Path) -> None:
    kb = load_knowledge_base(load_settings(corpus))
    pms = [d.meta for d in kb.documents if isinstance(d.meta, Postmortem)]
    pres = [d.meta for d in kb.documents if isinstance(d.meta, Premortem)]
    assert len(pms) + len(pres) == 500
    assert len(pres) == 25  # about 5%

    severity = Counter(p.severity for p in pms)
    assert severity["SEV4"] + severity["SEV3"] > 3 * (severity["SEV1"] + severity["SEV2"])
    assert severity["SEV1"] < severity["SEV2"] < severity["SEV3"]

    years = Counter(p.date.year for p in pms)
    assert max(years) - min(years) <= 5
    assert years[max(years)] > 2 * years[min(years)]  # recent years are busier

    category = Counter(c for p in pms for c in p.categories)
    top, *_, bottom = [n for _, n in category.most_common()]
    assert top > 5 * bottom  # Zipf-like, not uniform

    resolve_minutes = sorted(
        p.time_to_resolve.total_seconds() / 60 for p in pms if p.time_to_resolve
    )
    assert resolve_minutes[0] < 60 and resolve_minutes[-1] > 24 * 60  # minutes to days

    items = Counter(len(p.action_items) for p in pms)
    assert set(items) <= set(range(9)) and len(items) >= 7
    statuses = Counter(a.status for p in pms for a in p.action_items)
    assert set(statuses) == {"open", "in-progress", "done", "wont-do"}

    assert sum(1 for p in pms if p.related) > 50
    realised = {r for p in pms for r in p.premortem_risks}
    assert realised and len(realised) < sum(len(p.risks) for p in pres)  # some, not all

    words = [gen_corpus.word_count(d.body) for d in kb.documents]
    assert min(words) >= 300 and max(words) <= 1500
    assert 500 < sorted(words)[len(words) // 2] < 900


def test_bodies_use_the_operations_vocabulary(corpus: Path) -> None:
    kb = load_knowledge_base(load_settings(corpus))
    text = " ".join(d.body for d in kb.documents).lower()
    for phrase in ("connection pool", "replication lag", "certificate", "rollback", "dns"):
        assert phrase in text
    assert "lorem" not in text


def test_same_seed_same_bytes_other_seed_other_corpus(tmp_path: Path) -> None:
    gen_corpus.generate(tmp_path / "a", 60, seed=7)
    gen_corpus.generate(tmp_path / "b", 60, seed=7)
    gen_corpus.generate(tmp_path / "c", 60, seed=8)
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")
    assert _tree(tmp_path / "a") != _tree(tmp_path / "c")


def test_it_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("mine\n")
    with pytest.raises(SystemExit, match="is not empty"):
        gen_corpus.generate(tmp_path, 20)
    assert (tmp_path / "notes.md").read_text() == "mine\n"


def test_command_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(TOOLS / "gen_corpus.py"),
            "--count",
            "30",
            "--out",
            str(tmp_path / "k"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "wrote 28 postmortems and 2 pre-mortems" in done.stderr
    assert len(list((tmp_path / "k" / "content").rglob("*.md"))) >= 30
