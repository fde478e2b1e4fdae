"""`kb init`: lay out a new knowledge base from kb's templates. Never overwrites a file.

The templates live in `kb/data/init/` (and the default taxonomy in `kb/data/`): a
site configuration with the kb plugin (which brings the site's search), the commented taxonomy, a home
page, a short guide, a .gitignore and, when asked, a CI workflow. Each file is
created only where none is; a folder that already holds a knowledge base (an
`mkdocs.yml`) is refused as a whole, since its settings are the user's.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib import metadata, resources
from pathlib import Path

from kb.config import MKDOCS_FILE
from kb.errors import AuthoringError, UsageError
from kb.files import write_new

CI_CHOICES = ("github", "gitlab")
# Where each CI recipe goes in the new knowledge base.
CI_FILES = {"github": ".github/workflows/kb.yml", "gitlab": ".gitlab-ci.yml"}
# (template under kb/data/init, file written); the taxonomy is kb's shipped default.
FILES = (
    ("mkdocs.yml", MKDOCS_FILE),
    ("../taxonomy.yml", "taxonomy.yml"),
    ("content/index.md", "content/index.md"),
    ("content/guide/writing-postmortems.md", "content/guide/writing-postmortems.md"),
    ("content/guide/writing-premortems.md", "content/guide/writing-premortems.md"),
    ("gitignore", ".gitignore"),
)
IGNORED = (".kb/", "site/")  # what the .gitignore must hold
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


@dataclass
class InitResult:
    """What `kb init` wrote and what it left as it was (with the reason)."""

    root: Path
    written: list[Path] = field(default_factory=list)
    kept: list[tuple[Path, str]] = field(default_factory=list)


def default_name(folder: Path) -> str:
    """The site name when none is given: from the folder's name."""
    words = re.sub(r"[-_.]+", " ", folder.resolve().name).strip()
    return f"{words} knowledge base" if words else "Incident knowledge base"


def kb_package() -> str:
    """The requirement a CI recipe installs: this kb's version."""
    try:
        return f"kb=={metadata.version('kb')}"
    except metadata.PackageNotFoundError:  # pragma: no cover - kb always runs installed
        return "kb"


def _template(name: str) -> str:
    base = resources.files("kb").joinpath("data")
    path = base.joinpath(name[3:]) if name.startswith("../") else base.joinpath("init", name)
    return path.read_text(encoding="utf-8")


def _fill(text: str, name: str) -> str:
    return text.replace("{site_name_yaml}", json.dumps(name, ensure_ascii=False)).replace(
        "{site_name}", name
    )


def plan(name: str, ci: str | None) -> list[tuple[str, str]]:
    """Every (relative path, text) `kb init` would write for this site name and CI."""
    if ci is not None and ci not in CI_CHOICES:
        raise UsageError(f"--ci {ci!r}: use one of {', '.join(CI_CHOICES)}")
    out = []
    for template, target in FILES:
        text = _template(template)
        if target == MKDOCS_FILE:
            # A JSON string is a YAML double-quoted scalar: any name reads back as given.
            text = text.replace("{site_name}", "{site_name_yaml}")
        out.append((target, _fill(text, name)))
    if ci is not None:
        recipe = _template(f"ci/{ci}.yml").replace("{kb_package}", kb_package())
        out.append((CI_FILES[ci], recipe))
    return out


def check_name(name: str) -> str:
    """The site name, stripped; refused when empty or holding control characters."""
    name = name.strip()
    if not name:
        raise UsageError("--name is empty; give the site a name or leave the option out")
    if _CONTROL.search(name):
        raise UsageError("--name holds a control character; give it as one line of plain text")
    return name


def init(folder: Path, *, name: str | None = None, ci: str | None = None) -> InitResult:
    """Write a new knowledge base into `folder` (made if missing); never overwrite a file.

    Raises UsageError when `folder` already holds a knowledge base (an mkdocs.yml) or
    is not a folder.
    """
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} is not a folder")
    if (folder / MKDOCS_FILE).exists():
        raise UsageError(
            f"{folder / MKDOCS_FILE} already exists, so this folder holds a knowledge base "
            "(or another mkdocs site); kb init changes nothing in it"
        )
    site_name = check_name(name) if name is not None else default_name(folder)
    files = plan(site_name, ci)
    result = InitResult(root=folder)
    for relative, text in files:
        target = folder / relative
        try:
            write_new(target, text)
        except FileExistsError:
            result.kept.append((target, _kept_reason(target, relative)))
            continue
        except OSError as err:
            raise AuthoringError(f"{target}: cannot write: {err.strerror}") from None
        result.written.append(target)
    return result


def _kept_reason(target: Path, relative: str) -> str:
    if relative != ".gitignore":
        return "already there; left as it is"
    try:
        lines = {line.strip() for line in target.read_text(encoding="utf-8").splitlines()}
    except (OSError, UnicodeDecodeError):
        lines = set()
    missing = [p for p in IGNORED if p not in lines and p.rstrip("/") not in lines]
    if missing:
        return f"already there; add {' and '.join(missing)} to it (kb makes them)"
    return "already there; it ignores .kb/ and site/"


def missing_setup(root: Path, content_dir: Path, taxonomy: Path | None) -> list[str]:
    """What `kb init` would have added to this knowledge base, one phrase each (none: [])."""
    from kb.config import read_mkdocs

    missing = []
    if taxonomy is None:
        missing.append("taxonomy.yml (kb's default vocabulary is in use; a copy is yours to edit)")
    mkdocs_file = root / MKDOCS_FILE
    data = read_mkdocs(mkdocs_file) if mkdocs_file.is_file() else {}
    theme = data.get("theme")
    theme_name = theme.get("name") if isinstance(theme, dict) else theme
    if theme_name != "material":
        missing.append(
            f"theme: material (kb's pages are laid out for it; this site uses "
            f"{theme_name or 'mkdocs'!s})"
        )
    if not (content_dir / "index.md").is_file():
        missing.append(f"{content_dir.name}/index.md (a home page; kb makes a plain one)")
    return missing


def setup_advice(root: Path, content_dir: Path, taxonomy: Path | None) -> str | None:
    """One line saying what `kb init` would add, or None when nothing is missing."""
    missing = missing_setup(root, content_dir, taxonomy)
    if not missing:
        return None
    return (
        "kb init would add: "
        + "; ".join(missing)
        + ". `kb init NEWFOLDER` writes a complete example to copy from"
    )
