"""The kb.search package: names load on first use, whoosh loads without its unused extras."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


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


def test_whoosh_loads_without_urllib_request_or_asyncio() -> None:
    out = _python(
        "import sys, kb.search, kb.search.searcher, kb.search.fresh\n"
        "print(sorted(m for m in ('whoosh.reading', 'urllib.request', 'asyncio',"
        " 'cached_property', 'whoosh.lang.morph_en', 'numpy', 'kb.search.indexer')"
        " if m in sys.modules))"
    )
    assert out == "['whoosh.reading']"


def test_the_stand_ins_still_do_the_real_work(tmp_path: Path) -> None:
    source = tmp_path / "source.txt"
    source.write_text("fetched", encoding="utf-8")
    out = _python(
        "import sys, kb.search, whoosh.compat, whoosh.reading, functools\n"
        f"whoosh.compat.urlretrieve({source.as_uri()!r}, {str(tmp_path / 'copy.txt')!r})\n"
        "print(whoosh.reading.cached_property is functools.cached_property)\n"
        "import urllib.request, cached_property\n"
        "print(hasattr(urllib.request, 'Request'), hasattr(cached_property, '__version__'))\n"
        "import whoosh.query.terms\n"
        "from whoosh.lang.morph_en import variations\n"
        "found = whoosh.query.terms.variations('rendering')\n"
        "print('render' in found, found == variations('rendering'))\n"
    )
    assert out.splitlines() == ["True", "True True", "True True"]
    assert (tmp_path / "copy.txt").read_text(encoding="utf-8") == "fetched"
