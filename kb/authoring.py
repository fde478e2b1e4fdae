"""`kb new`: allocate the next id and write a document from the template. Never overwrites.

Ids are allocated under the knowledge base's id lock (`.kb/ids.lock`, an flock the
kernel releases however its holder ends), held from reading the ids in use until
the new file is in place, so two `kb new` or `kb import` runs at once never hand
out the same id. Files are written whole or not at all (kb.files.write_new).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Literal

from kb.errors import AuthoringError, UsageError
from kb.files import iter_markdown, read_regular, remove_stale_new, write_new
from kb.taxonomy import Taxonomy
from kb.text import slugify

DocType = Literal["postmortem", "premortem"]
PREFIX: dict[str, str] = {"postmortem": "PM", "premortem": "PRE"}
FOLDER: dict[str, str] = {"postmortem": "postmortems", "premortem": "premortems"}
_ID_LINE = re.compile(r"^id:\s*['\"]?((?:PM|PRE)-(\d{4})-(\d{3,}))", re.MULTILINE | re.ASCII)
# Characters a one-line value given to `kb new` may not hold: control characters
# (a newline would end the YAML line, an escape sequence acts on terminals) and lone
# surrogates (bytes of an argument that were not UTF-8).
_REFUSED_CHARS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


@dataclass
class NewDocument:
    """What the author told `kb new`; everything else gets a placeholder."""

    type: DocType
    title: str
    date: dt.date
    severity: str | None = None
    services: list[str] = field(default_factory=list)
    teams: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    project: str | None = None
    launch_date: dt.date | None = None


def used_ids(content_dir: Path) -> set[str]:
    """Every id already in the content folder (a fast scan; invalid files count too)."""
    ids: set[str] = set()
    if not content_dir.is_dir():
        return ids
    for path in iter_markdown(content_dir):
        try:
            head = read_regular(path)[:4096].decode("utf-8", errors="replace")
        except OSError:
            continue  # not a regular file (a FIFO never blocks here) or unreadable
        ids.update(m.group(1) for m in _ID_LINE.finditer(head))
    return ids


def next_id(doc_type: DocType, year: int, taken: set[str]) -> str:
    """The next free id of this type for `year`, e.g. PM-2026-004."""
    prefix = f"{PREFIX[doc_type]}-{year:04d}-"
    numbers = [int(i[len(prefix) :]) for i in taken if i.startswith(prefix)]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


def default_path(content_dir: Path, new: NewDocument) -> Path:
    """content/<type>s/YYYY/YYYY-MM-DD-<slug>.md"""
    slug = slugify(new.title)
    if not slug:
        raise UsageError(f"the title {new.title!r} has no letters or digits to name a file with")
    return (
        content_dir
        / FOLDER[new.type]
        / f"{new.date.year:04d}"
        / f"{new.date.isoformat()}-{slug}.md"
    )


def check_inside(path: Path, content_dir: Path) -> Path:
    """Refuse a path kb would not read back: outside the content folder, hidden, not .md.

    A document in a hidden folder (or a hidden file) is skipped by every command, so
    its id would be handed out again; the same goes for a name not ending in `.md`.
    """
    resolved = path.resolve()
    base = content_dir.resolve()
    if base not in resolved.parents:
        raise UsageError(
            f"{path} is outside the content folder {content_dir}; refusing to write it"
        )
    # As written (links not followed: kb reads a linked folder under the link's name),
    # and where it really is when it was written through another spelling of the folder.
    lexical = Path(os.path.abspath(path))
    lexical_base = Path(os.path.abspath(content_dir))
    if lexical_base in lexical.parents:
        parts = lexical.relative_to(lexical_base).parts
    else:
        parts = resolved.relative_to(base).parts
    hidden = [part for part in parts if part.startswith(".")]
    if hidden:
        raise UsageError(
            f"{path}: '{hidden[0]}' is hidden, and kb reads no hidden file or folder; "
            "choose a path without a leading '.' in any part"
        )
    if not resolved.name.endswith(".md"):
        raise UsageError(f"{path}: documents are Markdown files and must end in .md")
    return resolved


def yaml_quote(value: str) -> str:
    """A YAML double-quoted scalar that reads back as exactly `value`, on one line."""
    out = []
    for char in value:
        if char == "\\":
            out.append("\\\\")
        elif char == '"':
            out.append('\\"')
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif not char.isprintable() or char in "\u2028\u2029\ufeff\x85":
            code = ord(char)
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _list(values: list[str]) -> str:
    return "[" + ", ".join(yaml_quote(v) for v in values) + "]" if values else "[]"


def check_values(new: NewDocument) -> None:
    """Refuse a title, name or project that holds a control character or is not text."""
    named: list[tuple[str, str | None]] = [("--title", new.title), ("--project", new.project)]
    named += [("--service", v) for v in new.services]
    named += [("--team", v) for v in new.teams]
    named += [("--author", v) for v in new.authors]
    for option, value in named:
        if value is not None and not value.strip() and option != "--project":
            raise UsageError(f"{option} is empty; give it a value or leave the option out")
        found = _REFUSED_CHARS.search(value) if value is not None else None
        if found is None:
            continue
        char = found.group()
        what = (
            "bytes that are not UTF-8"
            if "\ud800" <= char <= "\udfff"
            else f"the control character U+{ord(char):04X}"
        )
        raise UsageError(f"{option} holds {what}; give it as one line of plain text")


def _choices(taxonomy: Taxonomy, kind: str) -> str:
    return ", ".join(taxonomy.values(kind))  # type: ignore[arg-type]


def render(new: NewDocument, doc_id: str, taxonomy: Taxonomy) -> str:
    """The full text of a new document: commented front-matter and the section template."""
    if new.type == "postmortem":
        front = _postmortem_front(new, doc_id, taxonomy)
    else:
        front = _premortem_front(new, doc_id, taxonomy)
    body = resources.files("kb").joinpath("data", "templates", f"{new.type}.md").read_text("utf-8")
    return f"---\n{front}---\n\n{body}"


def _postmortem_front(new: NewDocument, doc_id: str, t: Taxonomy) -> str:
    sev = new.severity or ""
    return f"""id: {doc_id}
type: postmortem
title: {yaml_quote(new.title)}
status: draft  # draft | in-review | published; fields below may stay empty while draft
severity: {sev}  # {_choices(t, "severities")}
date: {new.date.isoformat()}  # the day the incident started
authors: {_list(new.authors)}
reviewers: []
services: {_list(new.services)}
teams: {_list(new.teams)}
tags: []
summary: ""  # one paragraph: what happened, to whom, for how long
timeline:  # uncomment and fill in; every timestamp needs its UTC offset
#  started: {new.date.isoformat()}T09:00:00+00:00
#  detected: {new.date.isoformat()}T09:10:00+00:00
#  mitigated: {new.date.isoformat()}T09:40:00+00:00
#  resolved: {new.date.isoformat()}T11:00:00+00:00
detection:  # {_choices(t, "detection")}
trigger:  # {_choices(t, "triggers")}
categories: []  # contributing factors, one or more of: {_choices(t, "categories")}
# not_categories: []  # categories you considered and ruled out; kb validate stops suggesting them
impact:
  summary: ""
  users_affected:
  slo_breached: false
  categories: []  # {_choices(t, "impacts")}
near_miss: false
action_items: []
#  - title: ""
#    kind: prevent  # prevent | detect | mitigate | process
#    owner: ""
#    due: {new.date.isoformat()}
#    status: open  # open | in-progress | done | wont-do
#    ticket: ""
related: []  # ids of related documents, e.g. PM-2024-011
premortem_risks: []  # risks this incident realised, e.g. PRE-2025-002#R3
"""


def _premortem_front(new: NewDocument, doc_id: str, t: Taxonomy) -> str:
    launch = new.launch_date.isoformat() if new.launch_date else ""
    return f"""id: {doc_id}
type: premortem
title: {yaml_quote(new.title)}
project: {yaml_quote(new.project or new.title)}
date: {new.date.isoformat()}  # the day of the pre-mortem session
launch_date: {launch}
facilitator: {yaml_quote(new.authors[0]) if new.authors else ""}
participants: {_list(new.authors[1:])}
status: open  # open | reviewed | closed
review_after:  # when to look back and compare with what happened
services: {_list(new.services)}
tags: []
risks: []
#  - id: R1
#    scenario: ""
#    categories: []  # {_choices(t, "categories")}
#    likelihood: 3  # 1-5
#    impact: 3  # 1-5
#    mitigation: ""
#    tripwire: ""  # the observable early sign, e.g. p99 checkout latency > 800 ms for 10 min
#    response: ""  # what we agreed to do when the tripwire fires
#    owner: ""
#    due: {new.date.isoformat()}
#    review_after: {new.date.isoformat()}
#    status: open  # open | mitigating | mitigated | accepted | retired (realised: set by kb)
"""


def lock_path(root: Path) -> Path:
    """The id lock of the knowledge base at `root`."""
    return root / ".kb" / "ids.lock"


@contextlib.contextmanager
def allocating_ids(lock: Path, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the id lock: one kb process at a time reads the ids in use and writes new ones.

    Waits while another holds it (saying so once through `on_wait`). The lock is an
    flock, so a holder that is killed releases it with its last file descriptor.
    """
    try:
        lock.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as err:
        raise AuthoringError(f"{lock}: cannot open the id lock: {err.strerror}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait(f"waiting for another kb new or kb import to finish writing ({lock})")
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError as err:
            if err.errno not in (errno.EAGAIN, errno.EACCES):
                raise AuthoringError(f"{lock}: cannot lock: {err.strerror}") from None
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def create(
    content_dir: Path,
    new: NewDocument,
    taxonomy: Taxonomy,
    *,
    path: Path | None = None,
    lock: Path | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> tuple[Path, str]:
    """Write a new document with the next free id; returns (path, id). Never overwrites.

    `lock` is the knowledge base's id lock (default: `.kb/ids.lock` beside the
    content folder); every writer of new documents must use the same one.
    """
    check_values(new)
    if new.severity is not None and not taxonomy.is_valid("severities", new.severity):
        raise UsageError(f"severity: {taxonomy.explain('severities', new.severity)}")
    target = check_inside(path if path else default_path(content_dir, new), content_dir)
    with allocating_ids(lock or lock_path(content_dir.parent), on_wait):
        doc_id = next_id(new.type, new.date.year, used_ids(content_dir))
        text = render(new, doc_id, taxonomy)
        try:
            remove_stale_new(target.parent)
            write_new(target, text)
        except FileExistsError:
            raise AuthoringError(f"{target} already exists; not overwriting it") from None
        except OSError as err:
            raise AuthoringError(f"{target}: cannot write: {err.strerror}") from None
    return target, doc_id
