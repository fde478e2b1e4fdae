"""Small knowledge bases written into tmp_path for the search tests."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from kb.config import Settings, load_settings

MKDOCS = "site_name: Test KB\ndocs_dir: content\n"


@dataclass
class Doc:
    """A postmortem or pre-mortem to write as a Markdown file."""

    id: str
    title: str
    body: str
    date: str = "2025-03-14"
    summary: str = ""
    severity: str = "SEV2"
    status: str = "published"
    categories: list[str] = field(default_factory=lambda: ["code-bug"])
    services: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    trigger: str = "code-deploy"
    actions: list[str] = field(default_factory=list)
    risks: list[tuple[str, str]] = field(default_factory=list)  # (scenario, category)

    @property
    def is_premortem(self) -> bool:
        """Whether this is a pre-mortem (by its id)."""
        return self.id.startswith("PRE-")

    @property
    def path(self) -> str:
        """Where it lives, relative to the content folder."""
        folder = "premortems" if self.is_premortem else "postmortems"
        slug = self.title.lower().replace(" ", "-")[:40]
        return f"{folder}/{self.date[:4]}/{self.date}-{slug}.md"

    def text(self) -> str:
        """The whole file: front-matter and body."""
        return (self._premortem() if self.is_premortem else self._postmortem()) + self.body + "\n"

    def _list(self, key: str, values: list[str]) -> str:
        return f"{key}: [{', '.join(values)}]\n"

    def _postmortem(self) -> str:
        items = "".join(
            f"  - title: {a}\n    kind: prevent\n    owner: sam\n    due: 2099-01-01\n"
            for a in self.actions
        )
        return (
            "---\n"
            f"id: {self.id}\ntype: postmortem\ntitle: {self.title}\nstatus: {self.status}\n"
            f"severity: {self.severity}\ndate: {self.date}\nauthors: [Sam Okafor]\n"
            + self._list("services", self.services)
            + self._list("tags", self.tags)
            + f"summary: {self.summary or self.title}\n"
            f"timeline:\n  started: {self.date}T09:00:00Z\n"
            f"detection: alert\ntrigger: {self.trigger}\n"
            + self._list("categories", self.categories)
            + (f"action_items:\n{items}" if items else "near_miss: true\n")
            + "---\n\n"
        )

    def _premortem(self) -> str:
        risks = "".join(
            f"  - id: R{i}\n    scenario: {scenario}\n    categories: [{category}]\n"
            f"    likelihood: 3\n    impact: 4\n"
            for i, (scenario, category) in enumerate(self.risks, start=1)
        )
        return (
            "---\n"
            f"id: {self.id}\ntype: premortem\ntitle: {self.title}\ndate: {self.date}\n"
            "status: open\nfacilitator: Ana Lima\n"
            + self._list("services", self.services)
            + (f"risks:\n{risks}" if risks else "")
            + "---\n\n"
        )


def write_kb(root: Path, docs: list[Doc]) -> Settings:
    """A knowledge base at `root` holding `docs`; returns its settings."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "mkdocs.yml").write_text(MKDOCS, encoding="utf-8")
    for doc in docs:
        write_doc(root, doc)
    return load_settings(root)


def write_doc(root: Path, doc: Doc) -> Path:
    """Write (or overwrite) one document under root/content; returns its path."""
    path = root / "content" / doc.path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(doc.text(), encoding="utf-8")
    return path


# A small, distinct set of incidents that the mechanics tests search in.
INCIDENTS = [
    Doc(
        "PM-2025-001",
        "Checkout connection pool exhausted",
        "## Summary\n\nThe checkout service ran out of database connections.\n\n"
        "## Contributing factors\n\nA retry loop held connections open while the pool\n"
        "was exhausted, so every new request waited for a connection until it timed out.\n",
        date="2025-02-03",
        severity="SEV1",
        categories=["capacity", "datastore"],
        services=["checkout", "postgres"],
        actions=["Cap the connection pool per pod"],
    ),
    Doc(
        "PM-2025-002",
        "Expired TLS certificate on the public API",
        "## Summary\n\nThe certificate of api.example.com expired at midnight and clients\n"
        "refused to connect. Renewal had been done by hand every year.\n",
        date="2025-04-20",
        severity="SEV1",
        categories=["time-and-certificates"],
        services=["api-gateway"],
        trigger="expiry",
    ),
    Doc(
        "PM-2025-003",
        "Search latency after index rebuild",
        "## Summary\n\nA full rebuild of the product search index doubled latency for an hour.\n"
        "The rebuild ran during peak traffic because the cron schedule used UTC.\n",
        date="2025-06-11",
        severity="SEV3",
        categories=["capacity", "time-and-certificates"],
        services=["search"],
    ),
    Doc(
        "PM-2024-007",
        "Queue consumer deadlock during failover",
        "## Summary\n\nDuring a database failover the queue consumers deadlocked on a row\n"
        "lock and stopped processing payments for 40 minutes.\n",
        date="2024-11-30",
        severity="SEV2",
        categories=["datastore", "code-bug"],
        services=["payments", "postgres"],
    ),
    Doc(
        "PRE-2025-001",
        "Launch of the loyalty programme",
        "## Context\n\nWe launch loyalty points for every customer in May.\n",
        date="2025-04-01",
        services=["loyalty"],
        risks=[
            ("The points ledger runs out of database connections at launch", "capacity"),
            ("Partner API certificate expires during the campaign", "time-and-certificates"),
        ],
    ),
]


def age(root: Path, seconds: int = 3600) -> None:
    """Backdate every content file's mtime (its ctime stays now: see exact_clock)."""
    import os
    import time

    then = time.time() - seconds
    for path in (root / "content").rglob("*.md"):
        os.utime(path, (then, then))


def exact_clock(monkeypatch: object) -> None:
    """Trust file times to the nanosecond in this test: nothing counts as racily clean.

    Files written by a test have a ctime of now, which no tool can backdate, so
    right after they are indexed every one of them would be verified by hash
    (kb.search.manifest.RACY_NS). Racy entries have their own tests.
    """
    from kb.search import manifest

    monkeypatch.setattr(manifest, "RACY_NS", 0)  # type: ignore[attr-defined]


def run_kb(args: list[str], capsys: object) -> tuple[int, str, str]:
    """Run the kb command line in-process; (exit code, stdout, stderr)."""
    import pytest

    from kb.cli import main

    with pytest.raises(SystemExit) as exited:
        main(args)
    out, err = capsys.readouterr()  # type: ignore[attr-defined]
    code = exited.value.code
    return (code if isinstance(code, int) else 0), out, err


def write_example_kb(root: Path) -> Settings:
    """A copy of the repository's example knowledge base (content, mkdocs.yml, taxonomy)."""
    repo = Path(__file__).resolve().parents[1]
    shutil.copytree(repo / "content", root / "content")
    for name in ("mkdocs.yml", "taxonomy.yml"):
        shutil.copy(repo / name, root / name)
    shutil.copytree(repo / "overrides", root / "overrides")  # mkdocs.yml's theme custom_dir
    return load_settings(root)


@contextmanager
def lock_holder(index_dir: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the index's write lock until the block ends."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from kb.search import store\n"
            "with store.write_lock(Path(sys.argv[1]), timeout=5):\n"
            "    print('locked', flush=True); time.sleep(30)\n",
            str(index_dir),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        yield holder
    finally:
        holder.kill()
        holder.communicate()
