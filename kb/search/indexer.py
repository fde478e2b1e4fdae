"""Bring the index up to date with the content folder: incrementally, or by a full build.

Only this module parses documents for the index (pydantic, YAML), and only for
files whose bytes changed, so an up-to-date check costs one stat per file.
Documents with errors are left out of the index and reported; one bad file
never stops the others from being indexed.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from whoosh import index

from kb.config import Settings
from kb.files import Stat, read_regular, stat_of
from kb.problems import Problem
from kb.search import manifest as mf
from kb.search import store, vocab
from kb.search.fresh import taxonomy_digest, version_reason
from kb.search.schema import SCHEMA, SCHEMA_VERSION

if TYPE_CHECKING:
    from kb.inference import CategoryModel, Text
    from kb.loader import Document
    from kb.taxonomy import Taxonomy

Progress = Callable[[int, int], None]  # (files done, files to do)

# A change touching more files than this is done as a full (parallel) build.
REBUILD_SHARE = 0.5
REBUILD_MIN = 500
# Below this many documents a single process writes faster than a pool of them.
PARALLEL_MIN = 400
BATCH = 64  # documents handed to a worker process at a time
MENTIONED = 2  # distinct phrases of a concept before a document is said to use its words


@dataclass
class IndexReport:
    """What one update did to the index."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    documents: int = 0  # documents in the index afterwards
    rebuilt: str | None = None  # why a full build happened, if one did
    problems: list[Problem] = field(default_factory=list)  # from files read in this run
    skipped: list[Problem] = field(default_factory=list)  # why each left-out file is out
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        """Whether the index content changed."""
        return bool(self.added or self.updated or self.removed or self.rebuilt)


def update_index(
    settings: Settings,
    *,
    rebuild: bool = False,
    progress: Progress | None = None,
    timeout: float = 60.0,
    on_wait: Callable[[str], None] | None = None,
) -> IndexReport:
    """Make the index match the content folder; `rebuild` starts from nothing.

    Waits up to `timeout` seconds for another process that is writing the index.
    """
    settings.require_content()
    started = time.perf_counter()
    with store.write_lock(settings.index_dir, timeout=timeout, on_wait=on_wait):
        report = _update(settings, rebuild, progress)
    report.seconds = time.perf_counter() - started
    return report


def _update(settings: Settings, rebuild: bool, progress: Progress | None) -> IndexReport:
    folder = store.current(settings.index_dir)
    # Holding the lock, nobody else can be writing: leftovers of killed builds can go.
    store.sweep(settings.index_dir, keep=folder)
    manifest = mf.load(folder) if folder else None
    if rebuild:
        reason: str | None = "asked to rebuild"
    elif folder is None:
        reason = "there was no index yet"
    elif manifest is None:
        reason = mf.unreadable_reason(folder)
    else:
        reason = version_reason(manifest.schema) or _unreadable(folder)
    scanned_ns = mf.now_ns()
    refused: list[tuple[Path, str]] = []
    files = mf.scan(settings.content_dir, refused)
    taxonomy_sha = taxonomy_digest(settings)
    work = _Work(settings, scanned_ns, taxonomy_sha, progress, refused)
    if reason is None and manifest is not None and folder is not None:
        changes = mf.diff(manifest, files)
        recheck = manifest.taxonomy != taxonomy_sha
        if recheck:
            # Validity depends on the vocabulary: every file is parsed again.
            changes.modified = sorted(set(files) & set(manifest.entries))
        many = max(REBUILD_MIN, int(REBUILD_SHARE * len(manifest.entries)))
        if len(changes.suspects) > many:
            reason = f"{len(changes.suspects)} of {len(files)} files changed"
        else:
            return work.incremental(folder, manifest, changes, recheck)
    return work.build(files, reason or "rebuild")


def _unreadable(folder: Path) -> str | None:
    try:
        index.open_dir(str(folder), schema=SCHEMA).latest_generation()
    except Exception as err:  # whoosh raises many kinds; any of them means rebuild
        return f"the index could not be read ({type(err).__name__})"
    return None


@dataclass
class _Read:
    entry: mf.Entry
    fields: dict[str, Any] | None
    problems: list[Problem]
    text: Text | None = None  # a document as the category model reads it
    postmortem: bool = False
    labels: list[str] | None = None  # its categories, when an author chose them
    rejected: tuple[str, ...] = ()  # categories its author ruled out (never inferred)


class _Work:
    """One locked update: reads changed files and writes them to whoosh."""

    def __init__(
        self,
        settings: Settings,
        scanned_ns: int,
        taxonomy_sha: str,
        progress: Progress | None,
        refused: list[tuple[Path, str]],
    ) -> None:
        self.settings = settings
        self.content_dir = settings.content_dir
        self.scanned_ns = scanned_ns
        self.taxonomy_sha = taxonomy_sha
        self.progress = progress
        self.cwd = Path.cwd().resolve()
        self._taxonomy: Taxonomy | None = None
        self.report = IndexReport()
        self.refused = refused  # symbolic links the scan would not follow

    @property
    def taxonomy(self) -> Taxonomy:
        """Loaded on first need: a no-change run never imports pydantic."""
        if self._taxonomy is None:
            from kb.taxonomy import load_taxonomy

            self._taxonomy = load_taxonomy(self.settings.taxonomy_path)
        return self._taxonomy

    def read(self, rel: str, old: mf.Entry | None, recheck: bool) -> _Read | None:
        """Stat, read and (when its bytes changed) parse one file; None when it vanished."""
        path = self.content_dir / rel
        try:
            st = os.stat(path)
            raw = read_regular(path)
        except FileNotFoundError:
            return None
        except OSError as err:
            problem = Problem(self._shown(path), 1, 1, "", f"cannot read file: {err.strerror}")
            entry = mf.Entry((0, 0, 0, 0), "", "error", None, _keep([problem]))
            return _Read(entry, None, [problem])
        sha = mf.digest(raw)
        if old is not None and old.sha == sha and not recheck:
            return _Read(replace(old, stat=stat_of(st)), None, [])
        fields, kind, doc_id, problems, doc = self._parse(path, rel, raw)
        entry = mf.Entry(stat_of(st), sha, kind, doc_id, _keep(problems))
        got = _Read(entry, fields, problems)
        if doc is not None:
            from kb.checks import labelled, model_text

            got.text = model_text(doc)
            got.postmortem = doc.type == "postmortem"
            got.labels = list(getattr(doc.meta, "categories", [])) if labelled(doc) else None
            got.rejected = tuple(getattr(doc.meta, "not_categories", ()))
        return got

    def _shown(self, path: Path) -> str:
        from kb.loader import display_path

        return display_path(path, self.cwd)

    def _parse(
        self, path: Path, rel: str, raw: bytes
    ) -> tuple[dict[str, Any] | None, mf.Kind, str | None, list[Problem], Document | None]:
        from kb.loader import load_text
        from kb.search.schema import fields_for

        shown = self._shown(path)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            line = raw.count(b"\n", 0, err.start) + 1
            problem = Problem(shown, line, 1, "", "file is not valid UTF-8")
            return None, "error", None, [problem], None
        loaded = load_text(text, path, shown=shown, src_uri=rel, taxonomy=self.taxonomy)
        doc = loaded.document
        if doc is not None:
            return fields_for(doc, rel), "doc", doc.id, [], doc
        return None, ("error" if loaded.is_document else "page"), None, loaded.problems, None

    def trained(self, files: list[str]) -> tuple[CategoryModel, dict[str, _Read | None]]:
        """The category model of a full build, and the files read to train it (by name).

        It learns from at most TRAIN_MAX files spread evenly over the collection, read
        before the build so that every document is written with its inferred categories
        as soon as it is read (the writer's processes keep pace with the reading).
        """
        from kb.concepts import Thesaurus, concepts_of
        from kb.inference import TRAIN_MAX, train_model

        step = max(1, -(-len(files) // TRAIN_MAX))
        read = {rel: self.read(rel, None, False) for rel in files[::step]}
        examples = [
            (r.text, r.labels) for r in read.values() if r is not None and r.text and r.labels
        ]
        return train_model(Thesaurus(concepts_of(self.taxonomy)), examples), read

    def saved(self, folder: Path) -> CategoryModel:
        """The category model of an update: this taxonomy, the last full build's classifier."""
        from kb.concepts import Thesaurus, concepts_of
        from kb.inference import CategoryModel, Classifier

        _, data = vocab.load(folder)
        classifier = Classifier.from_data(data) if data else None
        return CategoryModel(Thesaurus(concepts_of(self.taxonomy)), classifier)

    def _tick(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(done, total)

    def build(self, files: dict[str, Stat], reason: str) -> IndexReport:
        """Write every document into a new generation and switch to it when complete."""
        report = self.report
        report.rebuilt = reason
        index_dir = self.settings.index_dir
        folder = store.new_generation(index_dir)
        manifest = mf.Manifest(SCHEMA_VERSION, self.taxonomy_sha, self.scanned_ns)
        writer: Any = None
        try:
            ordered = sorted(files)
            # Before the writer's processes start: an interrupted training leaves none.
            model, early = self.trained(ordered)
            ix = index.create_in(str(folder), SCHEMA)
            writer = _writer(ix, len(files))
            total = len(files)
            for done, rel in enumerate(ordered, start=1):
                got = early.pop(rel) if rel in early else self.read(rel, None, False)
                if got is not None:
                    manifest.entries[rel] = got.entry
                    report.problems.extend(got.problems)
                    if got.fields is not None:
                        writer.add_document(**_inferred(got, model))
                        report.added += 1
                self._tick(done, total)
            writer.commit()
            writer = None
            mf.save(folder, manifest)
            _save_vocab(folder, model)
        except BaseException:
            _abort(writer)
            store.discard(folder)
            raise
        store.publish(index_dir, folder)
        store.sweep(index_dir, keep=folder)
        return self._finish(manifest)

    def incremental(
        self, folder: Path, manifest: mf.Manifest, changes: mf.Changes, recheck: bool
    ) -> IndexReport:
        """Apply only what changed to the current generation (one atomic whoosh commit)."""
        report = self.report
        if not changes:
            return self._finish(manifest)
        writer: Any = None
        model: CategoryModel | None = None
        try:
            writer = index.open_dir(str(folder), schema=SCHEMA).writer()
            writes = 0
            gone = list(changes.deleted)
            total = len(changes.suspects)
            for done, rel in enumerate(changes.suspects, start=1):
                old = manifest.entries.get(rel)
                got = self.read(rel, old, recheck)
                self._tick(done, total)
                if got is None:
                    gone.append(rel)
                    continue
                manifest.entries[rel] = got.entry
                report.problems.extend(got.problems)
                if got.fields is not None:
                    model = model or self.saved(folder)
                    writer.update_document(**_inferred(got, model))
                    writes += 1
                    if old is not None and old.kind == "doc":
                        report.updated += 1
                    else:
                        report.added += 1
                elif got.entry.kind != "doc" and old is not None and old.kind == "doc":
                    writer.delete_by_term("path", rel)
                    writes += 1
                    report.removed += 1
            for rel in gone:
                old = manifest.entries.pop(rel, None)
                if old is not None and old.kind == "doc":
                    writer.delete_by_term("path", rel)
                    writes += 1
                    report.removed += 1
            if writes:
                writer.commit()
            else:
                writer.cancel()
            writer = None
        except BaseException:
            _abort(writer)
            raise
        manifest.scanned_ns = self.scanned_ns
        manifest.taxonomy = self.taxonomy_sha
        mf.save(folder, manifest)
        if recheck:  # the taxonomy's words changed: searches expand to the new ones
            _save_vocab(folder, model or self.saved(folder))
        return self._finish(manifest)

    def _finish(self, manifest: mf.Manifest) -> IndexReport:
        entries = manifest.entries.values()
        self.report.documents = sum(1 for e in entries if e.kind == "doc")
        self.report.skipped = [
            Problem(self._shown(self.content_dir / rel), line, column, name, message)
            for rel, entry in sorted(manifest.entries.items())
            if entry.kind == "error"
            for line, column, name, message in entry.problems
        ]
        self.report.skipped += [
            Problem(self._shown(path), 1, 1, "", reason) for path, reason in self.refused
        ]
        return self.report


def _inferred(got: _Read, model: CategoryModel) -> dict[str, Any]:
    """The document's fields with the concepts its text names and its inferred categories."""
    fields = dict(got.fields or {})
    text, got.text = got.text, None  # read once: let it go with the fields
    if text is not None:
        # A concept counts once its text uses two of its phrases: one word in passing
        # ("a rollback", "we were paged") says little, and would put most documents in
        # every common concept's posting list.
        named = [
            f"{m.concept.kind}:{m.concept.slug}"
            for m in model.mentions(text)
            if m.distinct >= MENTIONED
            for _ in m.phrases
        ]
        if named:
            fields["mentions"] = ",".join(named)
        inferred = model.infer(text) if got.postmortem else []
        slugs = [found.slug for found in inferred if found.slug not in got.rejected]
        if slugs:
            fields["inferred"] = ",".join(slugs)
    return fields


def _save_vocab(folder: Path, model: CategoryModel) -> None:
    classifier = model.classifier.as_data() if model.classifier else None
    vocab.save(folder, model.thesaurus.concepts, classifier)


def _keep(problems: list[Problem]) -> tuple[tuple[int, int, str, str], ...]:
    return tuple((p.line, p.column, p.field, p.message) for p in problems)


def _writer(ix: Any, documents: int) -> Any:
    procs = min(2, os.cpu_count() or 1)
    if procs > 1 and documents >= PARALLEL_MIN:
        from kb.search.parallel import ParallelWriter

        # Each process writes its own segment; merging them afterwards would cost
        # more than the parallelism saves (measured), so keep them separate.
        return ParallelWriter(ix, procs=procs, multisegment=True, batchsize=BATCH)
    return ix.writer()


def _abort(writer: Any) -> None:
    """Cancel a half-done writer, stopping any worker processes it started."""
    if writer is None:
        return
    # Batches still buffered for the workers would make this process wait at exit for a
    # reader that is gone (multiprocessing joins a queue's feeder thread): drop them.
    for queue in (getattr(writer, "jobqueue", None), getattr(writer, "resultqueue", None)):
        if queue is not None and hasattr(queue, "cancel_join_thread"):
            queue.cancel_join_thread()
    for task in getattr(writer, "tasks", []):
        if hasattr(task, "terminate"):
            task.terminate()
            task.join()
    # Best effort: nothing it wrote is referenced by a TOC, and the next commit
    # deletes unreferenced files; the error that got us here matters more.
    with contextlib.suppress(Exception):
        writer.cancel()
