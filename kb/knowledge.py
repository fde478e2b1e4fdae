"""The knowledge base as a whole: settings, taxonomy, validated documents and their links."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

from kb.checks import check_corpus
from kb.config import Settings
from kb.files import iter_markdown
from kb.loader import Document, Positions, Reloads, display_path, load_documents
from kb.models import Postmortem, Premortem
from kb.problems import Problem
from kb.source import KeyLocator, parse_yaml
from kb.taxonomy import Taxonomy, load_taxonomy


@dataclass
class KnowledgeBase:
    """Every document of one knowledge base, with the problems found while loading it."""

    settings: Settings
    taxonomy: Taxonomy
    documents: list[Document]
    problems: list[Problem] = field(default_factory=list)
    today: date = field(default_factory=date.today)
    failed: int = 0  # documents that did not load (their problems are in `problems`)

    @property
    def checked(self) -> int:
        """How many kb documents were found (loaded or not)."""
        return len(self.documents) + self.failed

    @property
    def errors(self) -> list[Problem]:
        """Problems that fail validation."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """Problems that fail only with --strict."""
        return [p for p in self.problems if p.severity == "warning"]

    @cached_property
    def by_id(self) -> dict[str, Document]:
        """Documents by id (the first one when an id is duplicated)."""
        out: dict[str, Document] = {}
        for doc in self.documents:
            out.setdefault(doc.id, doc)
        return out

    @property
    def postmortems(self) -> list[Document]:
        """Postmortem documents, in load order."""
        return [d for d in self.documents if isinstance(d.meta, Postmortem)]

    @property
    def premortems(self) -> list[Document]:
        """Pre-mortem documents, in load order."""
        return [d for d in self.documents if isinstance(d.meta, Premortem)]

    @cached_property
    def realised_by(self) -> dict[str, list[Document]]:
        """'PRE-2025-001#R2' -> the postmortems that say they realised that risk."""
        out: dict[str, list[Document]] = defaultdict(list)
        for doc in self.postmortems:
            assert isinstance(doc.meta, Postmortem)
            for ref in doc.meta.premortem_risks:
                out[ref].append(doc)
        return dict(out)

    @cached_property
    def linked_from(self) -> dict[str, list[Document]]:
        """id -> documents whose `related` lists it (the backlinks)."""
        out: dict[str, list[Document]] = defaultdict(list)
        for doc in self.postmortems:
            assert isinstance(doc.meta, Postmortem)
            for ref in doc.meta.related:
                out[ref].append(doc)
        return dict(out)


def _under(path: Path, roots: list[Path]) -> bool:
    return any(path == r or r in path.parents for r in roots)


def load_knowledge_base(
    settings: Settings,
    *,
    only: Iterable[Path] | None = None,
    today: date | None = None,
    parse: Callable[[str, int], Any] | None = None,
    positions: Positions | None = None,
    reloads: Reloads | None = None,
) -> KnowledgeBase:
    """Load and check every document; `only` limits which files' problems are reported.

    References are always resolved against the whole knowledge base, so checking
    one file still knows every id. `parse` reads a front-matter's YAML (default:
    kb.source.parse_yaml; kb.session passes a cached one that gives the same values) and
    `positions` keeps the positions of keys that problems point at (the same cache's);
    `reloads` takes the documents of unchanged files from the last load (kb.loader).
    """
    settings.require_content()
    taxonomy = load_taxonomy(settings.taxonomy_path)
    refused: list[tuple[Path, str]] = []
    files = list(iter_markdown(settings.content_dir, refused))
    selected = [p.resolve() for p in only] if only else None
    if selected:
        # Files named on the command line may live outside the content folder.
        known = {f.resolve() for f in files}
        for path in selected:
            if path.is_dir():
                files.extend(f for f in iter_markdown(path, refused) if f.resolve() not in known)
            elif path.exists() and path not in known:
                files.append(path)  # a regular file, or one whose reading says what it is
    day = today or date.today()
    result = load_documents(
        files,
        taxonomy=taxonomy,
        content_dir=settings.content_dir,
        parse=parse or parse_yaml,
        positions=positions,
        reloads=reloads,
    )
    cwd = Path.cwd().resolve()
    problems = [Problem(display_path(path, cwd), 1, 1, "", reason) for path, reason in refused]
    problems += result.problems + check_corpus(
        result.documents,
        day,
        result.unloaded_ids,
        taxonomy,
        partial=result.partial,
        reported=result.problems,
    )
    # Problems carry their lines now: the last node tree composed to find them can go.
    KeyLocator.release()
    if selected:
        keep = {display_path(f, cwd) for f in files if _under(f.resolve(), selected)}
        keep |= {display_path(f, cwd) for f, _ in refused if _under(f.absolute(), selected)}
        problems = [p for p in problems if p.path in keep]
    problems.sort(key=lambda p: (p.path, p.line, p.column))
    failed = result.failed + len(refused)
    return KnowledgeBase(settings, taxonomy, result.documents, problems, day, failed)
