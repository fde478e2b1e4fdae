"""Import whoosh without the three modules it loads at import time and kb never uses.

whoosh.compat imports `urllib.request` (for a download helper, `urlretrieve`,
that nothing in whoosh calls), which pulls in http.client, ssl and email;
whoosh.reading takes its `cached_property` decorator from the cached-property
package, which imports asyncio; and whoosh.query.terms imports the English
word-variation tables (whoosh.lang.morph_en, hundreds of regular expressions
compiled at import) for a query type kb never builds. Together they were about
70 ms of a `kb search` that must finish in 0.4 s. While whoosh's modules are
imported, light stand-ins take their place: functions that import the real
ones when first called, and the standard library's functools.cached_property
(equivalent for whoosh's one plain, synchronous use). The real modules stay
importable afterwards; if they were already imported, nothing is replaced.
"""

from __future__ import annotations

import functools
import sys
import types
from typing import Any


def _urlretrieve(*args: Any, **kwargs: Any) -> Any:
    from urllib.request import urlretrieve

    return urlretrieve(*args, **kwargs)


def _variations(*args: Any, **kwargs: Any) -> Any:
    from whoosh.lang.morph_en import variations

    return variations(*args, **kwargs)


def _stand_in(name: str, **attributes: Any) -> types.ModuleType:
    module = types.ModuleType(name, "kb's import-time stand-in (see kb.search.imports)")
    for key, value in attributes.items():
        setattr(module, key, value)
    return module


def import_whoosh() -> None:
    """Import whoosh's core modules with the stand-ins in place (once per process)."""
    if "whoosh.query" in sys.modules:
        return
    stand_ins = {
        name: module
        for name, module in (
            ("urllib.request", _stand_in("urllib.request", urlretrieve=_urlretrieve)),
            (
                "cached_property",
                _stand_in("cached_property", cached_property=functools.cached_property),
            ),
            ("whoosh.lang.morph_en", _stand_in("whoosh.lang.morph_en", variations=_variations)),
        )
        if name not in sys.modules
    }
    sys.modules.update(stand_ins)
    try:
        import whoosh.compat
        import whoosh.query  # the one user of morph_en
        import whoosh.reading  # noqa: F401  (the one user of cached_property)
    finally:
        for name, module in stand_ins.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]
