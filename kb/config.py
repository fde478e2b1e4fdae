"""Where a knowledge base lives: its root, content folder, taxonomy, index and site folders.

The root is the nearest folder (from the working directory up) holding an
`mkdocs.yml`. `docs_dir` and `site_dir` come from that file, and the `kb`
plugin's options there (`taxonomy`, `index_dir`, `cache`, `cache_dir`) are the
one place settings live, shared by the CLI and the site.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import yaml

from kb.errors import ConfigError, UsageError
from kb.source import ValueProblem, guard_constructors

MKDOCS_FILE = "mkdocs.yml"
MKDOCS_DOCS_DIR = "docs"  # mkdocs' docs_dir when mkdocs.yml names none
DEFAULTS = {
    "docs_dir": "content",
    "site_dir": "site",
    "taxonomy": "taxonomy.yml",
    "index_dir": ".kb/index",
    "cache_dir": ".kb/cache",
}


class _TolerantLoader(yaml.SafeLoader):
    """Safe loader that reads mkdocs.yml's custom tags (!ENV, !!python/name ...) as None."""


def _ignore_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> None:
    return None


guard_constructors(_TolerantLoader)
_TolerantLoader.add_multi_constructor("!", _ignore_tag)
_TolerantLoader.add_multi_constructor("tag:yaml.org,2002:python/", _ignore_tag)


@dataclass(frozen=True)
class LoopOptions:
    """How the learning loop (kb.loop) judges: the kb plugin's options of the same names."""

    recurring_count: int = 3  # incidents in one category and service ...
    recurring_months: int = 12  # ... within this many months make a recurring failure
    stale_days: int = 7  # a draft or in-review postmortem this many days after its incident

    MINIMUM: ClassVar[dict[str, int]] = {
        "recurring_count": 2,
        "recurring_months": 1,
        "stale_days": 0,
    }

    @classmethod
    def from_options(cls, options: dict[str, Any], where: Path | None = None) -> LoopOptions:
        """The options given to the kb plugin; a wrong value is a ConfigError naming it."""
        values: dict[str, int] = {}
        for name, minimum in cls.MINIMUM.items():
            if name not in options:
                continue
            value = options[name]
            if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
                raise ConfigError(
                    f"{where or 'mkdocs.yml'}: the kb plugin's {name} must be a whole number "
                    f"of at least {minimum}, got {value!r}"
                )
            values[name] = value
        return cls(**values)


@dataclass(frozen=True)
class Settings:
    """Resolved, absolute locations of one knowledge base."""

    root: Path
    content_dir: Path
    taxonomy_path: Path | None  # None: use kb's shipped default
    index_dir: Path
    site_dir: Path
    mkdocs_file: Path | None
    cache_dir: Path | None = None  # what site builds keep for the next; None: keep nothing
    loop: LoopOptions = field(default_factory=LoopOptions)

    def require_content(self) -> None:
        """Raise UsageError unless the content folder exists (nothing to check is no pass)."""
        if not self.content_dir.is_dir():
            source = f"{self.mkdocs_file}'s docs_dir" if self.mkdocs_file else "the default"
            raise UsageError(
                f"the content folder {self.content_dir} does not exist ({source}); "
                "create it or fix docs_dir"
            )

    def relative(self, path: Path) -> str:
        """A path as people should see it: relative to the working directory when possible."""
        try:
            return str(path.resolve().relative_to(Path.cwd().resolve()))
        except ValueError:
            return str(path)


def _has_content(folder: Path) -> bool:
    return (folder / DEFAULTS["docs_dir"]).is_dir()


def _default_docs_dir(root: Path) -> str:
    """The content folder of an mkdocs.yml that names none: mkdocs' own default (docs/)
    when that folder is there and kb's usual content/ is not; else content/."""
    if (root / MKDOCS_DOCS_DIR).is_dir() and not (root / DEFAULTS["docs_dir"]).is_dir():
        return MKDOCS_DOCS_DIR
    return DEFAULTS["docs_dir"]


def find_root(start: Path) -> Path | None:
    """The nearest folder at or above `start` holding mkdocs.yml."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / MKDOCS_FILE).is_file():
            return folder
    return None


def kb_plugin_options(mkdocs: dict[str, Any]) -> dict[str, Any]:
    """The options given to the `kb` plugin in a parsed mkdocs.yml (empty when none)."""
    plugins = mkdocs.get("plugins") or []
    if isinstance(plugins, dict):
        plugins = [{k: v} for k, v in plugins.items()]
    for entry in plugins:
        if isinstance(entry, dict) and "kb" in entry:
            return dict(entry["kb"] or {})
    return {}


def read_mkdocs(path: Path) -> dict[str, Any]:
    """Parse mkdocs.yml leniently (custom tags become None)."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_TolerantLoader)
    except OSError as err:
        raise ConfigError(f"{path}: cannot read: {err.strerror}") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        if isinstance(err, ValueProblem):
            raise ConfigError(f"{where}: {err.message}") from None
        raise ConfigError(f"{where}: invalid YAML: {getattr(err, 'problem', err)}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: is not valid UTF-8") from None
    except RecursionError:
        raise ConfigError(f"{path}: is nested too deeply") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1:1: mkdocs.yml must be a mapping")
    return data


def load_settings(root: Path | None = None, *, start: Path | None = None) -> Settings:
    """Settings for the knowledge base at `root`, or the one found from `start` (the cwd)."""
    if root is None:
        here = (start or Path.cwd()).resolve()
        root = find_root(here) or here
        if root == here and not (here / MKDOCS_FILE).is_file() and not _has_content(here):
            raise UsageError(
                f"no knowledge base here: looked for {MKDOCS_FILE} in {here} and every folder "
                f"above it, and for a {DEFAULTS['docs_dir']}/ folder in {here}; run kb inside a "
                "knowledge base or give its folder with --root"
            )
    elif not root.is_dir():
        raise UsageError(f"--root {root}: no such folder")
    root = root.resolve()
    mkdocs_file = root / MKDOCS_FILE
    options: dict[str, Any] = {}
    docs_dir, site_dir = DEFAULTS["docs_dir"], DEFAULTS["site_dir"]
    if mkdocs_file.is_file():
        data = read_mkdocs(mkdocs_file)
        docs_dir = str(data.get("docs_dir") or _default_docs_dir(root))
        site_dir = str(data.get("site_dir") or site_dir)
        options = kb_plugin_options(data)
    else:
        mkdocs_file = None  # type: ignore[assignment]
    taxonomy = root / str(options.get("taxonomy") or DEFAULTS["taxonomy"])
    if taxonomy.exists() and not taxonomy.is_file():
        raise UsageError(f"{taxonomy}: the taxonomy must be a YAML file, and this is not a file")
    if options.get("taxonomy") and not taxonomy.exists():
        raise UsageError(
            f"{mkdocs_file}: the kb plugin's taxonomy option names {taxonomy}, which does not exist"
        )
    return Settings(
        root=root,
        content_dir=root / docs_dir,
        taxonomy_path=taxonomy if taxonomy.is_file() else None,
        index_dir=root / str(options.get("index_dir") or DEFAULTS["index_dir"]),
        site_dir=root / site_dir,
        mkdocs_file=mkdocs_file,
        cache_dir=(
            root / str(options.get("cache_dir") or DEFAULTS["cache_dir"])
            if options.get("cache", True) is not False
            else None
        ),
        loop=LoopOptions.from_options(options, mkdocs_file),
    )
