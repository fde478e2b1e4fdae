"""mkdocs hooks of kb's documentation site: pages that are generated, never written twice.

A page holds a marker comment and gets, at build time:

    <!-- kb:schema postmortem -->    the front-matter tables, from `kb schema --type postmortem`
    <!-- kb:taxonomy -->             the default taxonomy's values, from kb's shipped taxonomy.yml
    <!-- kb:include ../FILE.md -->   a file of the repository (ARCHITECTURE.md, BENCHMARKS.md),
                                     relative to this folder, without its first heading
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
MARKER = re.compile(r"^<!-- kb:(schema|taxonomy|include) ?([^ ]*) -->$", re.MULTILINE)


def _type(node: dict[str, Any], defs: dict[str, Any]) -> str:
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{name.lower()})"
    if "anyOf" in node:
        kinds = [_type(n, defs) for n in node["anyOf"] if n.get("type") != "null"]
        return " or ".join(kinds)
    kind = node.get("type")
    if kind == "array":
        return f"list of {_type(node.get('items', {}), defs)}"
    if node.get("format") == "date":
        return "date (YYYY-MM-DD)"
    if node.get("format") == "date-time":
        return "timestamp with UTC offset"
    if kind == "integer":
        low, high = node.get("minimum"), node.get("maximum")
        if low is not None and high is not None:
            return f"whole number {low}-{high}"
        return "whole number" + (f" ≥ {low}" if low is not None else "")
    if kind == "boolean":
        return "true or false"
    if kind == "string":
        return "text" + (" (not empty)" if node.get("minLength") else "")
    return str(kind or "any")


def _values(node: dict[str, Any]) -> list[str]:
    for candidate in (node, node.get("items", {}), *node.get("anyOf", [])):
        if isinstance(candidate, dict):
            if "enum" in candidate:
                return [str(v) for v in candidate["enum"]]
            if "const" in candidate:
                return [str(candidate["const"])]
            inner = candidate.get("items")
            if isinstance(inner, dict) and "enum" in inner:
                return [str(v) for v in inner["enum"]]
    return []


def _table(model: dict[str, Any], defs: dict[str, Any], final: tuple[str, ...]) -> str:
    required = set(model.get("required", []))
    rows = ["| key | type | required | values |", "| --- | --- | --- | --- |"]
    for key, node in model.get("properties", {}).items():
        need = "yes" if key in required else "once out of draft" if key in final else ""
        values = ", ".join(f"`{v}`" for v in _values(node))
        rows.append(f"| `{key}` | {_type(node, defs)} | {need} | {values} |")
    return "\n".join(rows)


def schema_page(doc_type: str) -> str:
    """The tables of one document type's front-matter, from kb's JSON Schema."""
    from kb.models import Postmortem
    from kb.schema import json_schema
    from kb.taxonomy import load_taxonomy

    schema = json_schema(load_taxonomy(None), doc_type)
    defs = schema.get("$defs", {})
    final = Postmortem.REQUIRED_WHEN_FINAL if doc_type == "postmortem" else ()
    parts = [_table(schema, defs, final)]
    for name, sub in defs.items():
        about = sub.get("description", "")
        parts.append(f"### {name}\n\n{about}\n\n{_table(sub, defs, ())}")
    return "\n\n".join(parts)


def taxonomy_page() -> str:
    """The default taxonomy's values, one table per kind."""
    from kb.taxonomy import load_taxonomy

    taxonomy = load_taxonomy(None)
    parts = ["### Severities\n\n| id | title | description |\n| --- | --- | --- |"]
    parts[0] += "".join(
        f"\n| `{s.id}` | {s.title} | {' '.join(s.description.split())} |"
        for s in taxonomy.severities
    )
    groups = [
        ("Contributing-factor categories", taxonomy.categories),
        ("Triggers", taxonomy.triggers),
        ("Detection", taxonomy.detection),
        ("Impact categories", taxonomy.impacts),
    ]
    for title, terms in groups:
        grouped = title.startswith("Contributing")
        head = (
            "| slug | title | group | description |"
            if grouped
            else "| slug | title | description |"
        )
        rows = [head, "| --- | --- | --- | --- |" if grouped else "| --- | --- | --- |"]
        for term in terms:
            about = " ".join(term.description.split())
            group = f" {getattr(term, 'group', '')} |" if grouped else ""
            rows.append(f"| `{term.slug}` | {term.title} |{group} {about} |")
        parts.append(f"### {title}\n\n" + "\n".join(rows))
    return "\n\n".join(parts)


def include(relative: str) -> str:
    """A file of the repository, without its first heading (the page has its own)."""
    text = (HERE / relative).resolve().read_text(encoding="utf-8")
    return re.sub(r"\A# [^\n]*\n+", "", text)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Fill the markers of a page."""

    def fill(match: re.Match[str]) -> str:
        what, arg = match.groups()
        if what == "schema":
            return schema_page(arg)
        if what == "taxonomy":
            return taxonomy_page()
        return include(arg)

    return MARKER.sub(fill, markdown)
