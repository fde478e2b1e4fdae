"""`kb new`: allocate the next id and write a document from the template. Never overwrites."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Literal

from kb.errors import AuthoringError, UsageError
from kb.loader import iter_markdown
from kb.taxonomy import Taxonomy

DocType = Literal["postmortem", "premortem"]
PREFIX: dict[str, str] = {"postmortem": "PM", "premortem": "PRE"}
FOLDER: dict[str, str] = {"postmortem": "postmortems", "premortem": "premortems"}
_ID_LINE = re.compile(r"^id:\s*['\"]?((?:PM|PRE)-(\d{4})-(\d{3,}))", re.MULTILINE)


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


def slugify(title: str, max_length: int = 60) -> str:
    """A file-name-safe, lower-case, hyphenated version of a title."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return slug[:max_length].rstrip("-")


def used_ids(content_dir: Path) -> set[str]:
    """Every id already in the content folder (a fast scan; invalid files count too)."""
    ids: set[str] = set()
    if not content_dir.is_dir():
        return ids
    for path in iter_markdown(content_dir):
        try:
            head = path.read_text(encoding="utf-8", errors="replace")[:4096]
        except OSError:
            continue
        ids.update(m.group(1) for m in _ID_LINE.finditer(head))
    return ids


def next_id(doc_type: DocType, year: int, taken: set[str]) -> str:
    """The next free id of this type for `year`, e.g. PM-2026-004."""
    prefix = f"{PREFIX[doc_type]}-{year}-"
    numbers = [int(i[len(prefix) :]) for i in taken if i.startswith(prefix)]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


def default_path(content_dir: Path, new: NewDocument) -> Path:
    """content/<type>s/YYYY/YYYY-MM-DD-<slug>.md"""
    slug = slugify(new.title)
    if not slug:
        raise UsageError(f"the title {new.title!r} has no letters or digits to name a file with")
    return content_dir / FOLDER[new.type] / str(new.date.year) / f"{new.date.isoformat()}-{slug}.md"


def check_inside(path: Path, content_dir: Path) -> Path:
    """Refuse a path that would land outside the content folder."""
    resolved = path.resolve()
    base = content_dir.resolve()
    if base not in resolved.parents:
        raise UsageError(
            f"{path} is outside the content folder {content_dir}; refusing to write it"
        )
    if resolved.suffix != ".md":
        raise UsageError(f"{path}: documents are Markdown files and must end in .md")
    return resolved


def _yaml_str(value: str) -> str:
    """A YAML double-quoted scalar (always safe, whatever the title holds)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _list(values: list[str]) -> str:
    return "[" + ", ".join(_yaml_str(v) for v in values) + "]" if values else "[]"


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
title: {_yaml_str(new.title)}
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
title: {_yaml_str(new.title)}
project: {_yaml_str(new.project or new.title)}
date: {new.date.isoformat()}  # the day of the pre-mortem session
launch_date: {launch}
facilitator: {_yaml_str(new.authors[0]) if new.authors else ""}
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
#    owner: ""
#    due: {new.date.isoformat()}
#    status: open  # open | mitigating | accepted | resolved
"""


def create(
    content_dir: Path, new: NewDocument, taxonomy: Taxonomy, *, path: Path | None = None
) -> tuple[Path, str]:
    """Write a new document with the next free id; returns (path, id). Never overwrites."""
    if new.severity is not None and not taxonomy.is_valid("severities", new.severity):
        raise UsageError(f"severity: {taxonomy.explain('severities', new.severity)}")
    target = check_inside(path if path else default_path(content_dir, new), content_dir)
    doc_id = next_id(new.type, new.date.year, used_ids(content_dir))
    text = render(new, doc_id, taxonomy)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with target.open("x", encoding="utf-8") as out:
            out.write(text)
    except FileExistsError:
        raise AuthoringError(f"{target} already exists; not overwriting it") from None
    except OSError as err:
        raise AuthoringError(f"{target}: cannot write: {err.strerror}") from None
    return target, doc_id
