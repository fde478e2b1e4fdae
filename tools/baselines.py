"""What a user could do without kb: the baselines tools/bench.py measures kb against.

    python tools/baselines.py yaml-floor CONTENT_DIR
    python tools/baselines.py whoosh-index CONTENT_DIR INDEX_DIR [--procs N]
    python tools/baselines.py plain-mkdocs-config KB_ROOT OUT_FILE

Each runs as its own process, as the kb command it is compared with does, so
both pay for interpreter start-up alike.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def markdown_files(folder: Path) -> Iterator[Path]:
    """Every *.md under `folder`, hidden folders skipped, in a stable order."""
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.endswith(".md"):
                yield Path(dirpath) / name


def front_matter(text: str) -> tuple[str | None, str]:
    """(front-matter YAML, body) with the least work that is still correct for '---' blocks."""
    if not text.startswith("---"):
        return None, text
    end = text.find("\n---", 3)
    if end < 0:
        return None, text
    body_start = text.find("\n", end + 4)
    return text[3:end], text[body_start + 1 :] if body_start >= 0 else ""


def yaml_floor(content: Path) -> int:
    """Read every file and load its front-matter with libyaml's C loader; the count loaded."""
    loaded = 0
    for path in markdown_files(content):
        fm, _ = front_matter(path.read_text(encoding="utf-8"))
        if fm is not None:
            yaml.load(fm, Loader=_LOADER)
            loaded += 1
    return loaded


# ---------------------------------------------------------------- raw whoosh


def _joined(values: Any) -> str:
    if isinstance(values, list):
        return ",".join(str(v) for v in values)
    return str(values)


def raw_fields(fm: dict[str, Any], body: str, path: str, names: list[str]) -> dict[str, Any]:
    """The index fields of one document straight from its parsed front-matter (no validation).

    The mapping follows kb's own (kb.search.schema.fields_for) so both writers index the
    same text; fields this does not know are filled from the key of the same name.
    """
    risks = fm.get("risks") or []
    derived: dict[str, Any] = {
        "path": path,
        "body": body,
        "actions": "\n".join(str(a.get("title", "")) for a in fm.get("action_items") or []),
        "risks": "\n".join(f"{r.get('scenario', '')}\n{r.get('mitigation', '')}" for r in risks),
        "authors": "\n".join(
            fm.get("authors")
            or [*filter(None, [fm.get("facilitator")]), *fm.get("participants", [])]
        ),
    }
    if "summary" not in fm and fm.get("project") and fm.get("project") != fm.get("title"):
        derived["summary"] = fm["project"]
    if risks and "categories" not in fm:
        derived["categories"] = _joined(sorted({c for r in risks for c in r.get("categories", [])}))
    impact = fm.get("impact")
    if isinstance(impact, dict) and impact.get("categories"):
        derived["impacts"] = _joined(impact["categories"])
    out: dict[str, Any] = {}
    for name in names:
        if name in derived:
            value = derived[name]
        elif name in fm:
            value = fm[name]
            if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                value = dt.datetime(value.year, value.month, value.day)
            elif isinstance(value, list):
                value = _joined(value)
            elif isinstance(value, dict):
                continue
            elif not isinstance(value, dt.datetime):
                value = str(value)
        else:
            continue
        if value != "":
            out[name] = value
    return out


def whoosh_index(content: Path, index_dir: Path, procs: int = 1) -> int:
    """Index every document with kb's schema through a plain whoosh writer; the count."""
    from whoosh import index

    from kb.search.schema import SCHEMA  # the same schema kb writes

    if index_dir.exists():
        shutil.rmtree(index_dir)
    index_dir.mkdir(parents=True)
    ix = index.create_in(str(index_dir), SCHEMA)
    options: dict[str, Any] = {"procs": procs, "multisegment": True} if procs > 1 else {}
    writer = ix.writer(**options)
    names = list(SCHEMA.names())
    added = 0
    for path in markdown_files(content):
        fm_text, body = front_matter(path.read_text(encoding="utf-8"))
        if fm_text is None:
            continue
        fm = yaml.load(fm_text, Loader=_LOADER)
        if not isinstance(fm, dict) or "type" not in fm:
            continue
        writer.add_document(**raw_fields(fm, body, path.relative_to(content).as_posix(), names))
        added += 1
    writer.commit()
    return added


# ---------------------------------------------------------------- plain mkdocs


def plain_mkdocs_config(root: Path, out: Path, site_dir: str = "site-plain") -> Path:
    """An mkdocs config for the same Markdown with the same bounded nav and no kb plugin,
    with Material's search plugin where kb's build makes its Pagefind index.

    It inherits everything else (theme, extensions, strictness is relaxed because the
    nav may name pages only the kb plugin generates) from the knowledge base's mkdocs.yml.
    """
    from kb.config import read_mkdocs

    base = read_mkdocs(root / "mkdocs.yml")
    plugins = base.get("plugins") or []
    if isinstance(plugins, dict):
        plugins = [{k: v} for k, v in plugins.items()]
    kept = [p for p in plugins if p != "kb" and not (isinstance(p, dict) and "kb" in p)]
    # kb's build indexes the site for search (Pagefind); the plain build does the same job
    # with Material's own search plugin, so both sides pay for a search index.
    if not any(p == "search" or (isinstance(p, dict) and "search" in p) for p in kept):
        kept.insert(0, "search")
    content = root / str(base.get("docs_dir") or "docs")
    nav = base.get("nav") or _bounded_nav(content)
    config = {
        "INHERIT": "mkdocs.yml",
        "site_dir": site_dir,
        "strict": False,
        "plugins": kept,
        "nav": nav,
        # The index pages kb generates are links here; that is expected, not worth a warning.
        "validation": {"nav": {"not_found": "info"}},
    }
    out.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return out


def _bounded_nav(content: Path) -> list[Any]:
    # kb's own navigation, entry for entry: home, its index pages, the authors' own pages
    # (guides). Documents are built but, as with kb, not listed. The index pages do not
    # exist without kb, so mkdocs renders those entries as plain links: the same nav HTML
    # on every page, which is what the comparison is about.
    from kb.site.sitebuild import bounded_nav

    own: list[str] = []
    for path in markdown_files(content):
        fm, _ = front_matter(path.read_text(encoding="utf-8"))
        data = yaml.load(fm, Loader=_LOADER) if fm else None
        if not (isinstance(data, dict) and "type" in data):
            own.append(path.relative_to(content).as_posix())
    return bounded_nav(own)


def main(argv: list[str] | None = None) -> int:
    """Command line: run one baseline and print what it did."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="task", required=True)
    floor = sub.add_parser("yaml-floor", help="read files and parse front-matter with C YAML")
    floor.add_argument("content", type=Path)
    raw = sub.add_parser("whoosh-index", help="index with a raw whoosh writer and kb's schema")
    raw.add_argument("content", type=Path)
    raw.add_argument("index_dir", type=Path)
    raw.add_argument("--procs", type=int, default=1)
    plain = sub.add_parser("plain-mkdocs-config", help="write an mkdocs config without kb")
    plain.add_argument("root", type=Path)
    plain.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    if args.task == "yaml-floor":
        print(f"{yaml_floor(args.content)} front-matters loaded")
    elif args.task == "whoosh-index":
        print(f"{whoosh_index(args.content, args.index_dir, args.procs)} documents indexed")
    else:
        print(plain_mkdocs_config(args.root, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
