"""The kb.search package: names load on first use, and the search path loads little."""

from __future__ import annotations

import subprocess
import sys


def test_every_public_name_resolves_to_what_it_names() -> None:
    import kb.search.morelike

    for name in kb.search.__all__:
        value = getattr(kb.search, name)
        assert not isinstance(value, type(kb.search)), f"kb.search.{name} is a module"
    # A module named like one of its functions must not shadow it once imported.
    assert kb.search.similar is kb.search.morelike.similar
    from kb.search import similar

    assert callable(similar)


def _python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_the_search_path_loads_neither_the_indexer_nor_numpy() -> None:
    out = _python(
        "import sys, kb.search, kb.search.searcher, kb.search.fresh\n"
        "print(sorted(m for m in ('whoosh.reading', 'numpy', 'kb.search.indexer', 'kb.loader')"
        " if m in sys.modules))"
    )
    assert out == "['whoosh.reading']"
