"""`kb import`: find the sources, read each into a draft, give it an id and a path, write it.

Each source gets an outcome (imported, skipped or failed, with a one-line
reason), so one bad file never stops the run: a source kb cannot read is a
failure with its reason, and so is any error kb did not expect (reported with
its type, never swallowed). Nothing is overwritten: each draft is written to a
hidden temporary file and linked into place only where no file is (a killed run
leaves no cut draft), and a source already imported (its recorded path and
content hash) is skipped. A run that writes holds the knowledge base's id lock
(kb.authoring.allocating_ids) from reading the ids in use to its last draft.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ValidationError

from kb.authoring import FOLDER, allocating_ids, lock_path, next_id, used_ids
from kb.config import Settings
from kb.errors import SourceError, UsageError, YamlError
from kb.files import iter_markdown, read_regular, remove_stale_new, write_new
from kb.importing import rules
from kb.importing.dates import Zone
from kb.importing.foreign import split_foreign
from kb.importing.infer import Draft, infer
from kb.importing.render import SourceRecord, render
from kb.loader import display_path
from kb.models import DOC_ID, Postmortem
from kb.source import parse_yaml, split
from kb.taxonomy import Taxonomy
from kb.text import slugify

if TYPE_CHECKING:
    from kb.inference import CategoryModel

Status = Literal["imported", "would import", "skipped", "failed"]
FILLED = ("title", "date", "timeline", "summary", "action_items")


@dataclass
class Outcome:
    """What happened to one source."""

    source: str  # the source path as shown to people
    status: Status
    reason: str = ""  # skipped / failed: why, in one line
    line: int | None = None  # failed: the line of the source at fault, when known
    target: str | None = None  # the draft's path as shown
    doc_id: str | None = None
    notes: dict[str, str] = field(default_factory=dict)
    filled: dict[str, bool] = field(default_factory=dict)
    has_timeline_section: bool = False
    text: str | None = None  # the draft's full text (dry runs)

    def as_dict(self) -> dict[str, Any]:
        """The outcome as plain data, for JSON output."""
        out: dict[str, Any] = {
            "source": self.source,
            "status": self.status,
            "reason": self.reason,
            "line": self.line,
            "path": self.target,
            "id": self.doc_id,
            "notes": self.notes,
            "filled": self.filled,
        }
        if self.text is not None:
            out["text"] = self.text
        return out


@dataclass
class ImportReport:
    """Every source's outcome, in the order the sources were given."""

    outcomes: list[Outcome]
    dry_run: bool = False

    @property
    def failed(self) -> list[Outcome]:
        """Sources that could not be imported."""
        return [o for o in self.outcomes if o.status == "failed"]

    def count(self, status: Status) -> int:
        """How many sources ended with `status`."""
        return sum(1 for o in self.outcomes if o.status == status)

    def fill_rates(self) -> dict[str, tuple[int, int]]:
        """field -> (drafts where the text filled it, drafts it could have been filled in)."""
        drafts = [o for o in self.outcomes if o.filled]
        rates = {name: (sum(1 for o in drafts if o.filled[name]), len(drafts)) for name in FILLED}
        with_section = [o for o in drafts if o.has_timeline_section]
        rates["timeline"] = (
            sum(1 for o in with_section if o.filled["timeline"]),
            len(with_section),
        )
        return rates


@dataclass(frozen=True)
class _Known:
    doc_id: str
    file: str
    source_path: str
    sha256: str


def imported_sources(content_dir: Path) -> list[_Known]:
    """The `source` records of every document already in the content folder."""
    known: list[_Known] = []
    if not content_dir.is_dir():
        return known
    cwd = Path.cwd().resolve()
    for path in iter_markdown(content_dir):
        try:
            text = read_regular(path).decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if "sha256:" not in text:
            continue
        parts = split(text)
        if parts.front_matter is None:
            continue
        try:
            data = parse_yaml(parts.front_matter)
        except YamlError:
            continue
        source = data.get("source") if isinstance(data, dict) else None
        if isinstance(source, dict) and source.get("sha256"):
            known.append(
                _Known(
                    str(data.get("id", "?")),
                    display_path(path.resolve(), cwd),
                    str(source.get("path", "")),
                    str(source["sha256"]),
                )
            )
    return known


def _is_markdown_name(path: Path) -> bool:
    return path.suffix.lower() in rules.MARKDOWN_SUFFIXES


def discover(paths: Iterable[Path]) -> Iterator[tuple[Path, str | None]]:
    """(file, reason to skip it or None) for every source under `paths`, each once."""
    seen: set[Path] = set()
    for given in paths:
        if given.is_dir():
            found = []
            for candidate in sorted(given.rglob("*")):
                relative = candidate.relative_to(given).parts
                if any(part.startswith(".") for part in relative):
                    continue
                # Anything with a Markdown name but a folder: a named pipe or a broken
                # link is reported when it cannot be read, not passed over in silence.
                if _is_markdown_name(candidate) and not candidate.is_dir():
                    found.append(candidate)
            for path in found:
                resolved = path.resolve()
                if resolved in seen:
                    continue
                seen.add(resolved)
                if path.stem.lower() in rules.NOT_REPORTS:
                    yield path, f"not a report ({path.name}); name the file to import it"
                else:
                    yield path, None
        else:
            resolved = given.resolve()
            if resolved not in seen:
                seen.add(resolved)
                yield given, None


def source_label(path: Path, root: Path) -> str:
    """How a source is recorded: relative to the knowledge base root inside it, else absolute."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(root.resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


def _fill(draft: Draft) -> dict[str, bool]:
    return {
        "title": draft.notes["title"] != "from the file name",
        "date": "modification date" not in draft.notes["date"],
        "timeline": bool(draft.moments),
        "summary": bool(draft.summary),
        "action_items": bool(draft.actions),
    }


def _left_empty(draft: Draft) -> str:
    empty = [
        name
        for name, value in (
            ("severity", draft.severity),
            ("authors", draft.authors),
            ("summary", draft.summary),
            ("timeline", draft.moments),
            ("detection", None),
            ("trigger", draft.trigger),
            ("categories", draft.categories),
            ("action_items", draft.actions),
        )
        if not value
    ]
    return ", ".join(empty)


def kb_document_id(text: str, shown: str) -> str | None:
    """The id of a text that already is a kb document (front-matter with a kb type and id)."""
    data = split_foreign(text.removeprefix("\ufeff"), shown).data
    doc_id = data.get("id")
    if data.get("type") in ("postmortem", "premortem") and isinstance(doc_id, str):
        return doc_id if DOC_ID.match(doc_id) else None
    return None


def check_valid(text: str, taxonomy: Taxonomy) -> None:
    """Raise ValueError when a rendered draft would not pass `kb validate`."""
    parts = split(text)
    if parts.front_matter is None:
        raise ValueError("no front-matter")
    data = parse_yaml(parts.front_matter, parts.fm_first_line)
    Postmortem.model_validate(data, context={"taxonomy": taxonomy})


class Importer:
    """One `kb import` run over a knowledge base."""

    def __init__(
        self,
        settings: Settings,
        taxonomy: Taxonomy,
        *,
        zone: Zone,
        into: Path | None = None,
        dry_run: bool = False,
        today: dt.date | None = None,
        on_wait: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings
        self.taxonomy = taxonomy
        self.zone = zone
        self.dry_run = dry_run
        self.today = today or dt.date.today()
        self.on_wait = on_wait
        self.into = self._check_into(into) if into is not None else None
        self.cwd = Path.cwd().resolve()
        self.taken: set[str] = set()
        self.by_sha: dict[str, list[_Known]] = defaultdict(list)
        self.by_path: dict[str, list[_Known]] = defaultdict(list)
        self.planned: set[Path] = set()
        self.swept: set[Path] = set()

    @cached_property
    def model(self) -> CategoryModel:
        """The category model of this knowledge base: the one `kb validate` and the index use."""
        from kb.checks import category_model
        from kb.loader import load_documents

        files = list(iter_markdown(self.settings.content_dir))
        loaded = load_documents(
            files, taxonomy=self.taxonomy, content_dir=self.settings.content_dir
        )
        return category_model(self.taxonomy, loaded.documents)

    def _scan(self) -> None:
        """Read the ids in use and the sources already imported."""
        content = self.settings.content_dir
        self.taken = used_ids(content)
        self.by_sha.clear()
        self.by_path.clear()
        for known in imported_sources(content):
            self._remember(known)

    def _remember(self, known: _Known) -> None:
        self.by_sha[known.sha256].append(known)
        self.by_path[known.source_path].append(known)

    def _check_into(self, into: Path) -> Path:
        folder = into.resolve()
        content = self.settings.content_dir.resolve()
        if folder != content and content not in folder.parents:
            raise UsageError(
                f"--into {into}: outside the content folder {self.settings.relative(content)}; "
                "drafts must live in the knowledge base"
            )
        if folder.exists() and not folder.is_dir():
            raise UsageError(f"--into {into}: not a folder")
        return folder

    def run(self, paths: Iterable[Path]) -> ImportReport:
        """Import every source under `paths`; never raises for one bad source."""
        writing = (
            contextlib.nullcontext()
            if self.dry_run
            else allocating_ids(lock_path(self.settings.root), self.on_wait)
        )
        with writing:
            self._scan()
            outcomes = []
            for path, skip in discover(paths):
                shown = str(path)  # as the user typed it (folders: joined with what was found)
                if skip is not None:
                    outcomes.append(Outcome(shown, "skipped", skip))
                    continue
                outcomes.append(self._one(path, shown))
        return ImportReport(outcomes, self.dry_run)

    def _one(self, path: Path, shown: str) -> Outcome:
        """The outcome of importing one source, whatever goes wrong with it."""
        try:
            return self.import_one(path, shown)
        except SourceError as err:
            return Outcome(shown, "failed", err.reason, err.line)
        except Exception as err:  # one source must never stop the others
            # Not a problem kb knows how to name, so a bug in kb: say what it was, so it
            # can be reported, and go on with the next source.
            detail = " ".join(str(err).split())[:300]
            return Outcome(
                shown,
                "failed",
                f"kb failed on this file ({type(err).__name__}: {detail}); "
                "please report it with the file",
            )

    def _read(self, path: Path, shown: str) -> tuple[str, str, dt.date]:
        try:
            raw = read_regular(path)
            stamp = path.stat().st_mtime
        except OSError as err:
            raise SourceError(shown, f"cannot read: {err.strerror}") from None
        try:
            mtime = dt.date.fromtimestamp(stamp)
        except (OverflowError, OSError, ValueError):
            mtime = self.today  # a modification time beyond the calendar
        if not raw.strip():
            raise SourceError(shown, "empty file")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            line = raw.count(b"\n", 0, err.start) + 1
            raise SourceError(
                shown, f"not UTF-8 (byte 0x{raw[err.start]:02x}); convert it to UTF-8 first", line
            ) from None
        return text, hashlib.sha256(raw).hexdigest(), mtime

    def _already(self, label: str, sha: str) -> tuple[str | None, str]:
        """(reason to skip, note) given what is already imported."""
        same_content = self.by_sha.get(sha, [])
        for known in same_content:
            if known.source_path == label:
                return f"already imported as {known.doc_id} ({known.file})", ""
        if same_content:
            known = same_content[0]
            return (
                f"same content as {known.source_path}, already imported as {known.doc_id} "
                f"({known.file})",
                "",
            )
        earlier = self.by_path.get(label, [])
        if earlier:
            ids = ", ".join(k.doc_id for k in earlier)
            return None, f"the source changed since it was imported as {ids}; imported again"
        return None, ""

    def _target(self, draft: Draft, stem: str) -> Path:
        folder = self.into or (
            self.settings.content_dir / FOLDER["postmortem"] / f"{draft.date.year:04d}"
        )
        # A title that starts with the date would repeat it in the file name.
        slug = slugify(draft.title).replace(draft.date.isoformat(), "").strip("-")
        slug = re.sub(r"-{2,}", "-", slug) or slugify(stem) or "imported"
        name = f"{draft.date.isoformat()}-{slug}"
        candidate = folder / f"{name}.md"
        n = 2
        while candidate.exists() or candidate.resolve() in self.planned:
            candidate = folder / f"{name}-{n}.md"
            n += 1
        return candidate

    def import_one(self, path: Path, shown: str) -> Outcome:
        """Read, infer, check and (unless a dry run) write one source."""
        text, sha, mtime = self._read(path, shown)
        label = source_label(path, self.settings.root)
        skip, note = self._already(label, sha)
        if skip is not None:
            return Outcome(shown, "skipped", skip)
        existing = kb_document_id(text, shown)
        if existing is not None:
            return Outcome(shown, "skipped", f"already a kb document ({existing})")
        draft = infer(
            text,
            shown=shown,
            stem=path.stem,
            suffix=path.suffix,
            fallback_date=mtime,
            taxonomy=self.taxonomy,
            default_zone=self.zone,
            model=self.model,
        )
        notes = dict(draft.notes)
        notes["left empty"] = _left_empty(draft)
        if note:
            notes["note"] = note
        doc_id = next_id("postmortem", draft.date.year, self.taken)
        target = self._target(draft, path.stem)
        record = SourceRecord(label, sha, self.today)
        content = render(draft, doc_id, record, self.taxonomy)
        try:
            check_valid(content, self.taxonomy)
        except (ValueError, ValidationError, YamlError) as err:
            # A bug in kb, not in the source: say so and write nothing.
            detail = " ".join(str(err).split())[:300]
            raise SourceError(shown, f"kb made a draft that does not validate: {detail}") from None
        if not self.dry_run:
            self._write(target, content, shown)
        self.taken.add(doc_id)
        self.planned.add(target.resolve())
        self._remember(_Known(doc_id, display_path(target.resolve(), self.cwd), label, sha))
        return Outcome(
            shown,
            "would import" if self.dry_run else "imported",
            target=display_path(target.resolve(), self.cwd),
            doc_id=doc_id,
            notes=notes,
            filled=_fill(draft),
            has_timeline_section=draft.has_timeline_section,
            text=content if self.dry_run else None,
        )

    def _write(self, target: Path, content: str, shown: str) -> None:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.parent not in self.swept:
                remove_stale_new(target.parent)  # safe: the id lock is held
                self.swept.add(target.parent)
            write_new(target, content)
        except FileExistsError:
            raise SourceError(
                shown, f"{target} appeared while importing; not overwriting it"
            ) from None
        except OSError as err:
            raise SourceError(shown, f"cannot write {target}: {err.strerror}") from None
