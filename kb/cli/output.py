"""Everything kb prints goes through `echo`, which makes control characters visible.

Titles, summaries, services, file names and the problem messages that quote
them come from documents anyone can write. Printed raw, an escape sequence in a
title (`ESC ] 0 ; ... BEL`, `ESC [ 2 J`) would retitle or clear the reader's
terminal, and a bidi override would make a line read differently from what it
holds. `clean` replaces each such character with a visible escape (`\\x1b`,
`\\u202e`), so the text is shown, not obeyed. Line feeds and tabs stay: output
is laid out with them.

kb's own styling (bold ids, highlighted search terms) is applied after the text
is cleaned: pass `Styled` parts to `echo`. JSON output is unaffected in
practice (json.dumps escapes these characters itself), and cleaning keeps it
valid JSON either way.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from typing import IO, Any

import click

# C0 controls but tab and line feed, DEL, C1 controls, the line and paragraph
# separators, bidi embeddings/overrides/isolates, and lone surrogates (a file name
# that is not UTF-8 arrives with them, and printing one would raise).
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"  # the byte a surrogate-escaped file name held
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def clean(text: str) -> str:
    """`text` with every control, bidi-override and lone surrogate character made visible."""
    return _UNSAFE.sub(_visible, text)


@dataclass(frozen=True)
class Styled:
    """A part of a line that kb styles (click.style options); its text is cleaned first."""

    text: str
    style: dict[str, Any] = field(default_factory=dict)


def styled(text: str, **style: Any) -> Styled:
    """`text` to be shown with click.style(**style), once cleaned."""
    return Styled(text, style)


def render(*parts: str | Styled) -> str:
    """The parts joined into one line: text cleaned, then kb's styles applied."""
    out = []
    for part in parts:
        if isinstance(part, Styled):
            out.append(click.style(clean(part.text), **part.style))
        else:
            out.append(clean(str(part)))
    return "".join(out)


_COLOR: list[bool | None] = [None]  # --color / --no-color; None: decide per stream


def set_color(wanted: bool | None) -> None:
    """--color (True), --no-color (False), or neither (None: NO_COLOR, then the terminal)."""
    _COLOR[0] = wanted


def color() -> bool | None:
    """Whether to colour: as asked; else never with NO_COLOR set (no-color.org); else
    None, so click colours only a terminal."""
    if _COLOR[0] is not None:
        return _COLOR[0]
    if os.environ.get("NO_COLOR"):
        return False
    return None


def echo(*parts: str | Styled, err: bool = False) -> None:
    """Print one line (stdout, or stderr with err=True) with its values cleaned."""
    click.echo(render(*parts), err=err, color=color())


class CleanStream:
    """A text stream that cleans what is written through it (for click's own messages)."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        """Write `text`, cleaned."""
        return self._stream.write(clean(text))

    def flush(self) -> None:
        """Flush the underlying stream."""
        self._stream.flush()

    def isatty(self) -> bool:
        """Whether the underlying stream is a terminal (click asks before colouring)."""
        return self._stream.isatty()


def show_click_error(err: click.ClickException) -> None:
    """Show click's message for a usage error with the values it quotes cleaned."""
    err.show(file=CleanStream(sys.stderr))  # type: ignore[arg-type]
