"""What the index knows of the taxonomy's words: concepts and the trained classifier.

Saved next to each index generation as `concepts.json`, so a search expands a query
without loading the taxonomy (YAML, pydantic), and an incremental update infers the
categories of changed documents with the classifier the last full build trained.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kb.concepts import Concept
from kb.files import write_atomically

FILE = "concepts.json"


def save(folder: Path, concepts: list[Concept], classifier: dict[str, Any] | None) -> None:
    """Write the concepts and the classifier's data (None: none was trained)."""
    data = {
        "concepts": [[c.kind, c.slug, c.title, list(c.phrases)] for c in concepts],
        "classifier": classifier,
    }
    write_atomically(folder / FILE, json.dumps(data, separators=(",", ":")))


def load(folder: Path) -> tuple[list[Concept], dict[str, Any] | None]:
    """The concepts and classifier data saved with a generation (none when unreadable)."""
    try:
        data = json.loads((folder / FILE).read_text(encoding="utf-8"))
        concepts = [
            Concept(str(kind), str(slug), str(title), tuple(str(p) for p in phrases))
            for kind, slug, title, phrases in data["concepts"]
        ]
        classifier = data.get("classifier")
    except (OSError, ValueError, KeyError, TypeError):
        return [], None
    return concepts, classifier if isinstance(classifier, dict) else None
