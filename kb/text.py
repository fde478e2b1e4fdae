"""Words kb derives from what people write: file-name slugs and the nearest known name.

Imports nothing else from kb, so every layer may use it.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence


def slugify(title: str, max_length: int = 60) -> str:
    """A file-name-safe, lower-case, hyphenated version of a title."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return slug[:max_length].rstrip("-")


def closest(word: str, choices: Sequence[str]) -> str | None:
    """The choice closest to `word` (any case), when one is close enough to suggest."""
    lowered = {c.lower(): c for c in choices}
    if word.lower() in lowered:
        return lowered[word.lower()]
    found = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[found[0]] if found else None


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    """'did you mean X?' for the closest choice, or '' when nothing is close."""
    found = closest(word, choices)
    return f"did you mean '{found}'?" if found else ""
