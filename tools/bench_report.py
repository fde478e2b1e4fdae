"""Benchmark results as Markdown tables: one row per task, targets beside the figures."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

START = "<!-- bench:start -->"
END = "<!-- bench:end -->"
GIB = 1024**3


@dataclass(frozen=True)
class Target:
    """An upper bound on a ratio (x), seconds (s) or bytes (B)."""

    unit: str  # "x", "s" or "B"
    limit: float
    at: int = 0  # the corpus size the issue sets the target for; 0: every size

    def __str__(self) -> str:
        where = f" at {self.at:,} docs" if self.at else ""
        return f"<= {_value(self.limit, self.unit)}{where}"

    def applies(self, count: int) -> bool:
        """Whether the target is meant for a corpus of `count` documents."""
        return count >= self.at

    def met(self, value: float) -> bool:
        """Whether `value` is within the bound."""
        return value <= self.limit


@dataclass
class Row:
    """One measured task; `kb` and `baseline` are seconds or bytes, per `unit`."""

    task: str
    unit: str = "s"  # "s" or "B"
    kb: float | None = None
    baseline: float | None = None
    baseline_name: str = ""
    target: Target | None = None
    note: str = ""
    count: int = 0  # documents in the corpus (set by the harness)
    # Every run's wall seconds, kb's and the baseline's, in the order they ran (--json only).
    samples: list[float] = field(default_factory=list)
    baseline_samples: list[float] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        """kb / baseline, when both were measured."""
        if self.kb is None or not self.baseline:
            return None
        return self.kb / self.baseline

    @property
    def checked(self) -> float | None:
        """The figure the target applies to: the ratio for x targets, else kb's own."""
        if self.target is None:
            return None
        return self.ratio if self.target.unit == "x" else self.kb

    @property
    def verdict(self) -> str:
        """'met', 'MISSED', or '' when there is no target or no figure."""
        value = self.checked
        if self.target is None or value is None:
            return ""
        if not self.target.applies(self.count):
            return "n/a"
        return "met" if self.target.met(value) else "MISSED"

    def cells(self) -> list[str]:
        """The row's table cells."""
        if self.kb is None and self.baseline is None:
            return [self.task, "not available", "", "", str(self.target or ""), "", self.note]
        base = _value(self.baseline, self.unit) if self.baseline is not None else ""
        if base and self.baseline_name:
            base += f" ({self.baseline_name})"
        ratio = f"{self.ratio:.2f}x" if self.ratio is not None else ""
        kb = _value(self.kb, self.unit) if self.kb is not None else ""
        return [self.task, kb, base, ratio, str(self.target or ""), self.verdict, self.note]

    def as_dict(self) -> dict[str, Any]:
        """Plain data for --json."""
        data = asdict(self)
        data["target"] = str(self.target) if self.target else None
        data["ratio"] = self.ratio
        data["verdict"] = self.verdict
        return data


def not_available(task: str, why: str, target: Target | None = None) -> Row:
    """A row for a task whose kb command or module is missing."""
    return Row(task, target=target, note=why)


def _value(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    if unit == "x":
        return f"{value:g}x"
    if unit == "B":
        if value >= GIB:
            return f"{value / GIB:.2f} GiB"
        if value >= 1024**2:
            return f"{value / 1024**2:.1f} MiB"
        return f"{value / 1024:.0f} KiB"
    if value < 1:
        return f"{value * 1000:.0f} ms"
    return f"{value:.2f} s"


HEADER = ["Task", "kb", "Baseline (same run)", "kb / baseline", "Target", "Met", "Notes"]


def table(title: str, rows: Sequence[Row]) -> str:
    """A Markdown table with a heading."""
    lines = [f"### {title}", "", _line(HEADER), _line(["---"] * len(HEADER))]
    lines += [_line(row.cells()) for row in rows]
    return "\n".join(lines) + "\n"


def _line(cells: Sequence[str]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def machine_lines(info: dict[str, str]) -> str:
    """The run's date and machine as a short list."""
    return (
        f"- Date: {info['date']}; kb at commit {info.get('revision', '?')}\n"
        f"- Machine: {info['cores']} cores ({info['cpu']}), {info['memory']} memory, "
        f"{info['os']}\n"
        f"- Python: {info['python']}\n"
        f"- Load average at start / end: {info['load']} / {info.get('load_end', '?')}\n"
    )


def update_region(path: Path, text: str) -> None:
    """Replace what lies between the bench markers in `path` (append them when missing)."""
    block = f"{START}\n{text.rstrip()}\n{END}"
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.DOTALL)
    if pattern.search(old):
        new = pattern.sub(lambda _: block, old, count=1)
    else:
        new = (old.rstrip() + "\n\n" if old.strip() else "") + block + "\n"
    path.write_text(new, encoding="utf-8")
