"""Build small in-memory knowledge bases for tests: front-matter dicts -> Documents."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from kb.config import Settings
from kb.knowledge import KnowledgeBase
from kb.loader import Document, load_text
from kb.site.pages import Parts
from kb.taxonomy import Taxonomy, load_taxonomy

ROOT = Path(__file__).resolve().parent.parent
TAXONOMY = load_taxonomy(ROOT / "taxonomy.yml")
UTC = dt.UTC


def at(day: str, hour: int = 0, minute: int = 0) -> dt.datetime:
    """An aware UTC datetime on `day` (YYYY-MM-DD)."""
    start = dt.datetime.fromisoformat(day).replace(tzinfo=UTC)
    return start + dt.timedelta(hours=hour, minutes=minute)


def postmortem(doc_id: str, day: str, **fields: Any) -> dict[str, Any]:
    """Front-matter of a published postmortem with sensible defaults."""
    data: dict[str, Any] = {
        "id": doc_id,
        "type": "postmortem",
        "title": f"Incident {doc_id}",
        "status": "published",
        "severity": "SEV2",
        "date": dt.date.fromisoformat(day),
        "authors": ["Ada"],
        "summary": "Something broke.",
        "timeline": {"started": at(day, 10), "detected": at(day, 10, 10), "resolved": at(day, 12)},
        "detection": "alert",
        "trigger": "code-deploy",
        "categories": ["config"],
    }
    data.update(fields)
    return data


def premortem(doc_id: str, day: str, **fields: Any) -> dict[str, Any]:
    """Front-matter of a pre-mortem with sensible defaults."""
    data: dict[str, Any] = {
        "id": doc_id,
        "type": "premortem",
        "title": f"Launch {doc_id}",
        "date": dt.date.fromisoformat(day),
        "risks": [],
    }
    data.update(fields)
    return data


def document(
    front: dict[str, Any], body: str = "## Summary\n\nText.\n", taxonomy: Taxonomy = TAXONOMY
) -> Document:
    """A validated Document from front-matter and body (fails the test if invalid)."""
    folder = "postmortems" if front["type"] == "postmortem" else "premortems"
    src_uri = f"{folder}/{front['date'].year}/{front['id'].lower()}.md"
    text = "---\n" + yaml.safe_dump(front, sort_keys=False) + "---\n\n" + body
    loaded = load_text(
        text, Path("/kb/content") / src_uri, shown=src_uri, src_uri=src_uri, taxonomy=taxonomy
    )
    assert loaded.document is not None, [str(p) for p in loaded.problems]
    return loaded.document


def knowledge_base(fronts: list[dict[str, Any]], today: str = "2025-06-30") -> KnowledgeBase:
    """A KnowledgeBase over the given front-matters (no files on disk)."""
    root = Path("/kb")
    settings = Settings(
        root=root,
        content_dir=root / "content",
        taxonomy_path=None,
        index_dir=root / ".kb/index",
        site_dir=root / "site",
        mkdocs_file=None,
    )
    docs = [document(f) for f in fronts]
    return KnowledgeBase(settings, TAXONOMY, docs, [], dt.date.fromisoformat(today))


def render(
    text: str, fragments: dict[str, str] | None = None, extensions: list[object] | None = None
) -> str:
    """Markdown -> HTML as the site renders it: its extensions, then the slots filled."""
    import markdown

    from kb.site.fragments import fill

    if text.startswith("---\n"):
        text = text.split("\n---\n", 1)[1]
    names: list[object] = ["tables", "admonition", "attr_list", "toc"]
    html = markdown.markdown(text, extensions=names + (extensions or []))  # type: ignore[arg-type]
    return fill(html, fragments or {})


def render_document(parts: Parts, body: str) -> str:
    """A document's page as HTML: kb's outline around the author's Markdown, slots filled."""
    from kb.site.outline import PageOutline

    outline = PageOutline()
    fragments = {**parts.searched(), **parts.unsearched()}
    return render(outline.mark(parts.outline) + body, fragments, [outline])
