"""Relevance of `kb search` and `kb similar`, measured on hand-judged queries.

The knowledge base measured is the repository's example content plus the real public
reports of ../shared/corpus imported as drafts (`kb import`, as a user would). The
queries and their judgements are in tests/data/relevance/queries.yml (README there).

For each query: precision@5, precision@10, nDCG@10 and reciprocal rank of
`kb search` with concept expansion, without it (--exact), and of a grep baseline
(documents ranked by how often the query's words occur in their files, as
`grep -ciow` counts them); means over the queries. For `kb similar`: how often a
document's top 5 share its first category, against the same rate over every pair
(the base rate of a random list).

    python tools/relevance.py [--corpus ../shared/corpus] [--json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kb.config import Settings, load_settings  # noqa: E402
from kb.importing.dates import user_zone  # noqa: E402
from kb.importing.run import Importer  # noqa: E402
from kb.knowledge import load_knowledge_base  # noqa: E402
from kb.models import Postmortem  # noqa: E402
from kb.search import SearchIndex, similar_map, update_index  # noqa: E402
from kb.taxonomy import load_taxonomy  # noqa: E402

QUERIES = REPO / "tests" / "data" / "relevance" / "queries.yml"
CORPUS = REPO.parent / "shared" / "corpus"
CORPUS_FOLDERS = ("dfds", "mybinder")
TODAY = dt.date(2026, 12, 7)
WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Query:
    """One judged query: what someone typed, what kind of query it is, what is relevant."""

    text: str
    kind: str
    relevant: frozenset[str]  # document ids
    not_relevant: frozenset[str] = frozenset()  # judged, and not relevant

    @property
    def judged(self) -> frozenset[str]:
        """Every document judged for this query, relevant or not."""
        return self.relevant | self.not_relevant


@dataclass
class Scores:
    """Mean metrics of one system over the queries."""

    p5: float = 0.0
    p10: float = 0.0
    ndcg10: float = 0.0
    mrr: float = 0.0
    per_query: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, float]:
        """The means, rounded."""
        return {k: round(getattr(self, k), 3) for k in ("p5", "p10", "ndcg10", "mrr")}


def build(root: Path, corpus: Path | None) -> Settings:
    """A knowledge base at `root`: the example content, and the corpus imported as drafts."""
    shutil.copytree(REPO / "content", root / "content")
    for name in ("mkdocs.yml", "taxonomy.yml"):
        shutil.copy(REPO / name, root / name)
    settings = load_settings(root)
    if corpus is not None:
        importer = Importer(
            settings, load_taxonomy(settings.taxonomy_path), zone=user_zone("UTC"), today=TODAY
        )
        report = importer.run([corpus / folder for folder in CORPUS_FOLDERS])
        if report.failed:
            raise SystemExit(f"importing the corpus failed: {report.failed}")
    update_index(settings)
    return settings


def keys(settings: Settings) -> dict[str, str]:
    """Judgement key -> document id: an example document's id, or `corpus:folder/file`."""
    out = {}
    for doc in load_knowledge_base(settings, today=TODAY).documents:
        meta = doc.meta
        if isinstance(meta, Postmortem) and meta.source is not None:
            path = Path(meta.source.path)
            out[f"corpus:{path.parent.name}/{path.name}"] = doc.id
        else:
            out[doc.id] = doc.id
    return out


def load_queries(known: dict[str, str], path: Path = QUERIES) -> list[Query]:
    """The judged queries, with judgement keys turned into ids; unknown keys are an error."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    queries = []
    for entry in data["queries"]:
        relevant, rejected = entry["relevant"], entry.get("not_relevant") or []
        missing = [k for k in [*relevant, *rejected] if k not in known]
        if missing:
            raise SystemExit(f"{path}: query {entry['query']!r}: unknown documents {missing}")
        both = sorted(set(relevant) & set(rejected))
        if both:
            raise SystemExit(f"{path}: query {entry['query']!r}: judged both ways: {both}")
        ids = frozenset(known[k] for k in relevant)
        no = frozenset(known[k] for k in rejected)
        queries.append(Query(str(entry["query"]), str(entry["kind"]), ids, no))
    return queries


def pool(
    queries: list[Query], rankers: dict[str, Callable[[str], list[str]]], depth: int = 10
) -> dict[str, list[str]]:
    """Each query's pool not yet judged: the union of every system's top `depth`, in the
    order first met (the standard way to complete judgements: whatever any system
    returns near the top gets a verdict)."""
    out: dict[str, list[str]] = {}
    for q in queries:
        seen: dict[str, None] = {}
        for rank in rankers.values():
            seen.update(dict.fromkeys(d for d in rank(q.text)[:depth] if d not in q.judged))
        out[q.text] = list(seen)
    return out


def grep_ranker(settings: Settings) -> Callable[[str], list[str]]:
    """Rank documents by how many times the query's words occur in their files."""
    texts: dict[str, str] = {}
    with SearchIndex(settings) as index:
        for doc_id in index.ids():
            hit = index.get(doc_id)
            assert hit is not None
            texts[doc_id] = hit.path.read_text(encoding="utf-8").lower()

    def rank(text: str) -> list[str]:
        words = [w.lower() for w in WORD.findall(text) if len(w) > 1]
        counts = {
            doc_id: sum(len(re.findall(rf"\b{re.escape(w)}\b", body)) for w in words)
            for doc_id, body in texts.items()
        }
        ranked = sorted(
            (doc_id for doc_id, n in counts.items() if n), key=lambda d: (-counts[d], d)
        )
        return ranked

    return rank


def kb_ranker(index: SearchIndex, *, exact: bool) -> Callable[[str], list[str]]:
    """Rank documents as `kb search` does (with or without concept expansion)."""

    def rank(text: str) -> list[str]:
        return [hit.id for hit in index.search(text, limit=10, exact=exact).hits]

    return rank


def score(queries: Iterable[Query], rank: Callable[[str], list[str]]) -> Scores:
    """Mean precision@5/@10, nDCG@10 and MRR of a ranking over the queries."""
    out = Scores()
    rows = []
    for q in queries:
        ranked = rank(q.text)[:10]
        hits = [doc in q.relevant for doc in ranked]
        dcg = sum(1 / math.log2(i + 2) for i, hit in enumerate(hits) if hit)
        ideal = sum(1 / math.log2(i + 2) for i in range(min(10, len(q.relevant))))
        first = next((i + 1 for i, hit in enumerate(hits) if hit), None)
        rows.append(
            {
                "query": q.text,
                "kind": q.kind,
                "relevant": len(q.relevant),
                "p5": sum(hits[:5]) / 5,
                "p10": sum(hits) / 10,
                "ndcg10": dcg / ideal if ideal else 0.0,
                "rr": 1 / first if first else 0.0,
            }
        )
    n = len(rows) or 1
    out.p5 = sum(r["p5"] for r in rows) / n
    out.p10 = sum(r["p10"] for r in rows) / n
    out.ndcg10 = sum(r["ndcg10"] for r in rows) / n
    out.mrr = sum(r["rr"] for r in rows) / n
    out.per_query = rows
    return out


def ideal_p10(queries: list[Query]) -> float:
    """Precision@10 of a perfect ranking: a query with 4 relevant documents scores 0.4."""
    return sum(min(10, len(q.relevant)) / 10 for q in queries) / (len(queries) or 1)


def similar_agreement(settings: Settings, limit: int = 5) -> dict[str, float]:
    """How often `kb similar`'s top results share a document's first category, and chance.

    Only the example documents count as sources and results: their categories are
    the authors' (imported drafts carry suggested ones).
    """
    kb = load_knowledge_base(settings, today=TODAY)
    first: dict[str, str] = {}
    for doc in kb.documents:
        meta = doc.meta
        if isinstance(meta, Postmortem):
            if meta.source is None and meta.categories:
                first[doc.id] = meta.categories[0]
        elif meta.risks and meta.risks[0].categories:
            first[doc.id] = meta.risks[0].categories[0]
    with SearchIndex(settings) as index:
        found = similar_map(index, list(first), limit=len(index))
    shared = pairs = 0
    for doc_id, ranked in found.items():
        top = [other for other, _ in ranked if other in first][:limit]
        shared += sum(first[other] == first[doc_id] for other in top)
        pairs += len(top)
    ids = list(first)
    chance = sum(first[a] == first[b] for a in ids for b in ids if a != b)
    base = chance / (len(ids) * (len(ids) - 1)) if len(ids) > 1 else 0.0
    agreement = shared / pairs if pairs else 0.0
    return {
        "documents": len(ids),
        "pairs": pairs,
        "agreement": round(agreement, 3),
        "base_rate": round(base, 3),
        "lift": round(agreement / base, 2) if base else 0.0,
    }


def measure(corpus: Path | None = CORPUS) -> dict[str, Any]:
    """Every figure, on a knowledge base built in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="kb-relevance-") as tmp:
        settings = build(Path(tmp) / "kb", corpus if corpus and corpus.is_dir() else None)
        known = keys(settings)
        queries = load_queries(known)
        with SearchIndex(settings) as index:
            rankers = {
                "kb search": kb_ranker(index, exact=False),
                "kb search --exact": kb_ranker(index, exact=True),
                "grep baseline": grep_ranker(settings),
            }
            systems = {name: score(queries, rank) for name, rank in rankers.items()}
            unjudged = pool(queries, rankers)
            documents = len(index)
        similar = similar_agreement(settings)
    key_of = {doc_id: key for key, doc_id in known.items()}
    return {
        "queries": len(queries),
        "documents": documents,
        "ideal_p10": round(ideal_p10(queries), 3),
        "systems": systems,
        "similar": similar,
        "unjudged": {text: [key_of[d] for d in ids] for text, ids in unjudged.items()},
    }


def main(argv: list[str] | None = None) -> int:
    """Print the figures as a table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="the real reports' folder")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--per-query", action="store_true", help="also each query's figures")
    parser.add_argument(
        "--pool",
        action="store_true",
        help="list each query's pooled documents not yet judged (top 10 of every system)",
    )
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(
            f"relevance: no corpus at {args.corpus}; its queries cannot be judged", file=sys.stderr
        )
        return 2
    found = measure(args.corpus)
    if args.pool:
        for text, pooled in found["unjudged"].items():
            print(f"{text}: {len(pooled)} to judge")
            for key in pooled:
                print(f"  - {key}")
        return 0
    if args.json:
        out = dict(found)
        out["systems"] = {name: s.as_dict() for name, s in found["systems"].items()}
        print(json.dumps(out, indent=2))
        return 0
    left = sum(len(pooled) for pooled in found["unjudged"].values())
    print(
        f"{found['queries']} queries over {found['documents']} documents "
        f"(a perfect ranking scores precision@10 {found['ideal_p10']:.3f}); "
        f"{left} pooled result(s) not yet judged (--pool lists them)"
    )
    print(f"{'system':<20} {'P@5':>6} {'P@10':>6} {'nDCG@10':>8} {'MRR':>6}")
    for name, s in found["systems"].items():
        print(f"{name:<20} {s.p5:6.3f} {s.p10:6.3f} {s.ndcg10:8.3f} {s.mrr:6.3f}")
    sim = found["similar"]
    print(
        f"kb similar: {sim['agreement']:.3f} of top-5 results share the document's first "
        f"category, against a base rate of {sim['base_rate']:.3f} ({sim['lift']}x; "
        f"{sim['pairs']} results of {sim['documents']} example documents)"
    )
    if args.per_query:
        for name, s in found["systems"].items():
            print(f"\n{name}")
            for row in s.per_query:
                print(
                    f"  P@10 {row['p10']:.1f}  RR {row['rr']:.2f}  ({row['relevant']:>2} relevant)"
                    f"  [{row['kind']}] {row['query']}"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
