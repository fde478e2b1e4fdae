"""kb's architecture, checked: which package may import which, and where the big libraries live.

The layers, lowest first. A module may import kb modules of lower layers only
(and modules of its own package). Written down once, here; ARCHITECTURE.md draws it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

KB = Path(__file__).resolve().parents[1] / "kb"

LAYERS: list[set[str]] = [
    {"problems", "text", "lifeline", "safety", "wording"},  # no kb imports at all
    {"files"},  # regular files only, written whole (signals held: kb.lifeline)
    {"errors"},  # the one exception tree (Problem for typing only)
    {"source"},  # YAML: safe, line-accurate parsing
    {"taxonomy", "config"},
    {"models", "concepts"},  # concepts: the taxonomy's words found in a text
    {"loader", "schema", "parsecache", "inference"},  # inference: categories from text
    {"loop"},  # the learning loop's rules: repeats, digest, tripwires, exports
    {"checks"},
    {"knowledge", "trends", "authoring", "background"},
    {"search", "importing", "init"},
    {"session"},  # the one owner of the build machinery, handed in from the top
    {"site"},
    {"cli"},
    {"__main__"},  # python -m kb
]
RANK = {unit: n for n, layer in enumerate(LAYERS) for unit in layer}

# Third-party packages that only one place may import.
ONLY_IN = {
    "whoosh": "search",
    "mkdocs": "site",
    "material": "site",
    "matplotlib": "site",
    "watchdog": "site",
    "click": "cli",
}
# Inside kb/site, the modules that talk to mkdocs; the page functions never do.
SITE_MKDOCS = {"plugin", "sitebuild", "build", "config"}


def unit_of(path: Path) -> str:
    """The layer unit of a module: its package under kb/, or its own name at the top."""
    return path.relative_to(KB).with_suffix("").parts[0]


def imports(path: Path) -> Iterator[tuple[str, int]]:
    """Every module name `path` imports (with its line), including lazy imports."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "kb":  # from kb import trends
                for alias in node.names:
                    yield f"kb.{alias.name}", node.lineno
            else:
                yield node.module, node.lineno


MODULES = sorted(p for p in KB.rglob("*.py"))


def test_every_module_belongs_to_a_layer() -> None:
    assert {unit_of(p) for p in MODULES} - set(RANK) == {"__init__"}  # kb/__init__.py


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(KB).as_posix())
def test_imports_go_down_the_layers(path: Path) -> None:
    unit = unit_of(path)
    if unit == "__init__":
        return
    wrong = []
    for name, line in imports(path):
        if not name.startswith("kb."):
            continue
        target = name.split(".")[1]
        if target != unit and RANK.get(target, -1) >= RANK[unit]:
            wrong.append(f"{path.relative_to(KB)}:{line}: {unit} imports {name}")
    assert wrong == []


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(KB).as_posix())
def test_big_libraries_stay_in_their_package(path: Path) -> None:
    unit = unit_of(path)
    wrong = []
    for name, line in imports(path):
        top = name.split(".")[0]
        home = ONLY_IN.get(top)
        if home is not None and home != unit:
            wrong.append(f"{path.relative_to(KB)}:{line}: {name} outside kb/{home}/")
        if unit == "site" and top == "mkdocs" and path.stem not in SITE_MKDOCS:
            wrong.append(f"{path.relative_to(KB)}:{line}: a page module imports {name}")
    assert wrong == []


def test_nothing_outside_the_cli_prints() -> None:
    printing = [
        f"{p.relative_to(KB)}:{node.lineno}"
        for p in MODULES
        if unit_of(p) != "cli"
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ("print", "exit")
    ]
    assert printing == []


def test_a_module_that_breaks_the_rule_is_caught(tmp_path: Path) -> None:
    # The check itself can fail: an upward import is named with its line.
    bad = tmp_path / "bad.py"
    bad.write_text("import os\n\nfrom kb.site.plugin import KbPlugin\n")
    assert list(imports(bad)) == [("os", 1), ("kb.site.plugin", 3)]
    assert RANK["site"] > RANK["knowledge"]
