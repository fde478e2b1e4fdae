"""Shared fixtures: small knowledge bases written into tmp_path."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]

POSTMORTEM = """\
---
id: {id}
type: postmortem
title: {title}
status: published
severity: SEV2
date: {date}
authors: [amara.okafor]
services: [checkout]
summary: Checkout failed for some customers after a pool change.
timeline:
  started: {date}T09:00:00+01:00
  detected: {date}T09:10:00+01:00
  mitigated: {date}T09:40:00+01:00
  resolved: {date}T11:00:00+01:00
detection: alert
trigger: config-change
categories: [config, datastore]
action_items:
  - title: Alert on pool saturation
    kind: detect
    owner: amara.okafor
    due: 2030-01-01
    status: open
{extra}---

## Summary

Body text about the connection pool.
"""

PREMORTEM = """\
---
id: {id}
type: premortem
title: {title}
project: Payments migration
date: {date}
launch_date: {date}
facilitator: priya.raman
status: reviewed
risks:
  - id: R1
    scenario: Webhooks arrive twice.
    categories: [third-party]
    likelihood: 3
    impact: 4
    owner: priya.raman
  - id: R2
    scenario: Capacity runs out.
    categories: [capacity]
    likelihood: 2
    impact: 5
{extra}---

## Context

Moving payments.
"""


def postmortem(
    doc_id: str = "PM-2025-001",
    title: str = "Checkout errors",
    date: str = "2025-03-14",
    extra: str = "",
) -> str:
    """A valid postmortem's text; `extra` is appended inside the front-matter."""
    return POSTMORTEM.format(id=doc_id, title=title, date=date, extra=textwrap.dedent(extra))


def premortem(
    doc_id: str = "PRE-2025-001",
    title: str = "Payments migration",
    date: str = "2025-01-10",
    extra: str = "",
) -> str:
    """A valid pre-mortem's text."""
    return PREMORTEM.format(id=doc_id, title=title, date=date, extra=textwrap.dedent(extra))


KbFactory = Callable[..., Path]


@pytest.fixture
def kb_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty knowledge base (mkdocs.yml + content/) as the working directory."""
    (tmp_path / "mkdocs.yml").write_text("site_name: test\ndocs_dir: content\n")
    (tmp_path / "content").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def write(kb_root: Path) -> Callable[[str, str], Path]:
    """Write a file under content/ and return its path."""

    def _write(rel: str, text: str) -> Path:
        path = kb_root / "content" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return _write


@pytest.fixture(scope="session")
def example_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's example knowledge base built once into a temporary folder."""
    from kb.config import load_settings
    from kb.site.build import build_site

    site = tmp_path_factory.mktemp("example") / "site"
    build_site(load_settings(REPO), site)
    return site


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never Playwright's own browsers)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()
