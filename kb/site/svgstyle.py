"""Repeated inline styles of an SVG drawing moved into classes.

matplotlib writes every element's presentation inline: each tick, bar and label carries
its own `style="fill: ...; stroke: ..."` and clip path, the same few dozen strings again
and again. A page that shows six charts inline paid for that many times over (about
a third of their markup). `shared_styles` gives each style used more than once a class,
with one rule in the drawing's own style sheet, scoped to the drawing by its id so that
two drawings on one page cannot reach each other's elements.

A scoped class rule (an id and a class) outranks the page's own rules for SVG elements,
as the inline style did. Elements inside `<defs>` keep their inline style: what a
`<use>` shows of them is a copy outside the drawing's element tree, which a scoped
selector is not sure to reach in every browser.
"""

from __future__ import annotations

import re
from collections import Counter

_DEFS = re.compile(r"<defs>.*?</defs>", re.S)
_TAG = re.compile(r"<(?!/)([a-zA-Z]+)((?:\s+[\w:-]+=\"[^\"]*\")*)\s*(/?)>")
_ATTRIBUTE = re.compile(r'\s+([\w:-]+)="([^"]*)"')
_STYLE_END = "</style>"


def shared_styles(svg: str, scope: str) -> str:
    """`svg` (one drawing's markup, its root element's id `scope`) with every style used
    more than once outside `<defs>` turned into a class; clip paths count as style."""
    root_end = svg.find(">") + 1
    head, body = svg[:root_end], svg[root_end:]
    pieces = _outside_defs(body)
    counts = Counter(style for outside, text in pieces if outside for style in _styles_in(text))
    names = {style: f"s{i}" for i, (style, n) in enumerate(counts.most_common()) if n > 1}
    if not names:
        return svg
    out = "".join(
        _TAG.sub(lambda m: _with_class(m, names), text) if outside else text
        for outside, text in pieces
    )
    rules = "".join(f"#{scope} .{name}{{{style}}}" for style, name in names.items())
    if _STYLE_END in out:
        out = out.replace(_STYLE_END, rules + _STYLE_END, 1)
    else:
        out = f'<defs><style type="text/css">{rules}</style></defs>' + out
    return head + out


def _outside_defs(body: str) -> list[tuple[bool, str]]:
    """The body in pieces, each marked True when it lies outside every `<defs>`."""
    pieces: list[tuple[bool, str]] = []
    at = 0
    for found in _DEFS.finditer(body):
        pieces += [(True, body[at : found.start()]), (False, found.group())]
        at = found.end()
    pieces.append((True, body[at:]))
    return pieces


def _style_of(attributes: dict[str, str]) -> str | None:
    """The element's inline style with its clip path as one declaration, or None when the
    element has no style, already has a class, or has a clip path only."""
    style = attributes.get("style")
    if style is None or "class" in attributes:
        return None
    clip = attributes.get("clip-path")
    return f"{style}; clip-path: {clip}" if clip else style


def _styles_in(text: str) -> list[str]:
    found = []
    for tag in _TAG.finditer(text):
        style = _style_of(dict(_ATTRIBUTE.findall(tag.group(2))))
        if style is not None:
            found.append(style)
    return found


def _with_class(tag: re.Match[str], names: dict[str, str]) -> str:
    pairs = _ATTRIBUTE.findall(tag.group(2))
    name = names.get(_style_of(dict(pairs)) or "")
    if name is None:
        return tag.group()
    kept = "".join(f' {k}="{v}"' for k, v in pairs if k not in ("style", "clip-path"))
    return f'<{tag.group(1)}{kept} class="{name}"{tag.group(3)}>'
