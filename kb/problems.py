"""A problem found in a document: where it is, what is wrong, how bad it is."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one file, pointing at the line of the offending key."""

    path: str
    line: int
    column: int
    field: str
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}:{self.column}"
        level = "warning: " if self.severity == "warning" else ""
        field = f"{self.field}: " if self.field else ""
        return f"{where}: {level}{field}{self.message}"

    def as_dict(self) -> dict[str, object]:
        """The problem as plain data, for JSON output."""
        return asdict(self)


def format_field(loc: tuple[str | int | None, ...]) -> str:
    """Render a field path like ('action_items', 2, 'due') as action_items[2].due."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + ("~" if part is None else part)
    return out
