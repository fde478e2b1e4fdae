"""Shell completion of kb's own values: document ids and taxonomy words.

Click completes commands and options itself (`_KB_COMPLETE=bash_source kb`, see
the docs' "Shell completion"); these functions add the values only the knowledge
base knows. They run on every Tab press, so they read as little as possible (ids
by a fast scan of the first lines of each file, the taxonomy file), and they never
fail: outside a knowledge base, or with a broken one, they offer nothing.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click
from click.shell_completion import CompletionItem

# Statuses of both document types, as `kb search --status` takes them.
STATUSES = ("draft", "in-review", "published", "open", "reviewed", "closed")


def _settings(ctx: click.Context) -> Any:
    from kb.config import load_settings

    root = ctx.find_root().params.get("root") or os.environ.get("KB_ROOT")
    return load_settings(Path(root) if root else None)


def _taxonomy_words(ctx: click.Context, kind: str, incomplete: str) -> list[CompletionItem]:
    from kb.taxonomy import load_taxonomy

    try:
        taxonomy = load_taxonomy(_settings(ctx).taxonomy_path)
    except Exception:  # completion must never print a traceback into the shell
        return []
    out = []
    for value in taxonomy.values(kind):  # type: ignore[arg-type]
        if value.lower().startswith(incomplete.lower()):
            out.append(CompletionItem(value, help=taxonomy.title(kind, value)))  # type: ignore[arg-type]
    return out


def severities(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Severity ids of the knowledge base's taxonomy."""
    return _taxonomy_words(ctx, "severities", incomplete)


def categories(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Contributing-factor categories of the taxonomy."""
    return _taxonomy_words(ctx, "categories", incomplete)


def statuses(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Statuses a document may have."""
    return [CompletionItem(s) for s in STATUSES if s.startswith(incomplete.lower())]


def document_ids(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Ids of the documents in the content folder (PM-... and PRE-...)."""
    from kb.authoring import used_ids

    try:
        ids = used_ids(_settings(ctx).content_dir)
    except Exception:  # completion must never print a traceback into the shell
        return []
    wanted = incomplete.upper()
    return [CompletionItem(i) for i in sorted(ids) if i.startswith(wanted)]
