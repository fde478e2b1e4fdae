"""A one-series bar chart written as SVG text directly, without matplotlib.

Every category and every service has a chart of its incidents per quarter: at
1,000 documents that is some eighty charts, and matplotlib took about 20 ms to
save each one even with its figure kept (kb.site.charts.Painter). These charts
are a few rectangles, integer ticks and labels, so this module writes them in
well under a millisecond each, in the same frame, fonts and colours as the
matplotlib ones: dark ink (`INK_LIGHT`, which the page turns into its own text
colour), the partial last period hatched, "No incidents" when there are none.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

WIDTH, HEIGHT = 576.0, 244.8  # matplotlib's 8 x 3.4 inch figure, in points
LEFT, RIGHT, TOP, BOTTOM = 0.08 * WIDTH, 0.97 * WIDTH, 0.12 * HEIGHT, 0.84 * HEIGHT
FONT = "font-family: 'DejaVu Sans', sans-serif"


def nice_step(top: float, most: int = 6) -> int:
    """The smallest whole step of 1, 2 or 5 times a power of ten giving at most `most` ticks."""
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            step = factor * magnitude
            if math.ceil(top / step) <= most:
                return step
        magnitude *= 10


def _text(x: float, y: float, text: str, ink: str, *, size: int = 10, anchor: str = "") -> str:
    align = f"; text-anchor: {anchor}" if anchor else ""
    return (
        f'<text x="{x:.2f}" y="{y:.2f}" style="font-size: {size}px; {FONT}{align}; '
        f'fill: {ink}">{html.escape(text)}</text>'
    )


def bar_svg(
    title: str,
    periods: Sequence[str],
    labels: Sequence[str],
    values: Sequence[float],
    *,
    unit: str,
    colour: str,
    ink: str,
    grid: str,
    partial: bool = False,
    empty_text: str = "No incidents",
) -> str:
    """The SVG text of one series of bars over `periods` (x labels `labels`, '\\n' allowed)."""
    n = max(1, len(periods))
    slot = (RIGHT - LEFT) / (n + 0.2)  # the x range runs from -0.6 to n - 0.4
    x0 = LEFT + 0.6 * slot
    plot_h = BOTTOM - TOP
    out = [
        '<?xml version="1.0" encoding="utf-8" standalone="no"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}pt" height="{HEIGHT}pt" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" version="1.1">',
        '<defs><pattern id="partial" patternUnits="userSpaceOnUse" width="6" height="6">'
        f'<path d="M0 6 L6 0" stroke="{ink}" stroke-width="1"/></pattern></defs>',
    ]
    empty = not any(values)
    top_value = max(values, default=0.0)
    if not empty:
        step = nice_step(top_value)
        top = max(step, math.ceil(top_value / step) * step)
        scale = plot_h / top
        for tick in range(0, int(top) + 1, step):
            y = BOTTOM - tick * scale
            out.append(
                f'<path d="M {LEFT:.2f} {y:.2f} L {RIGHT:.2f} {y:.2f}" '
                f'style="stroke: {grid}; stroke-opacity: 0.35; stroke-width: 0.6"/>'
            )
            out.append(_text(LEFT - 7, y + 3.5, str(tick), ink, anchor="end"))
        width = 0.8 * slot
        for i, value in enumerate(values):
            if not value:
                continue
            x = x0 + i * slot - width / 2
            height = value * scale
            last = partial and i == len(values) - 1
            fill = f"fill: {colour}" + ("; fill-opacity: 0.55" if last else "")
            out.append(
                f'<rect x="{x:.2f}" y="{BOTTOM - height:.2f}" width="{width:.2f}" '
                f'height="{height:.2f}" style="{fill}"/>'
            )
            if last:
                out.append(
                    f'<rect x="{x:.2f}" y="{BOTTOM - height:.2f}" width="{width:.2f}" '
                    f'height="{height:.2f}" style="fill: url(#partial)"/>'
                )
    else:
        out.append(
            _text(
                (LEFT + RIGHT) / 2,
                (TOP + BOTTOM) / 2 + 4,
                empty_text,
                ink,
                size=12,
                anchor="middle",
            )
        )
    # Axes: left and bottom spines, as in the matplotlib charts.
    out.append(
        f'<path d="M {LEFT:.2f} {TOP:.2f} L {LEFT:.2f} {BOTTOM:.2f} L {RIGHT:.2f} {BOTTOM:.2f}" '
        f'style="fill: none; stroke: {ink}; stroke-width: 0.8"/>'
    )
    step = max(1, math.ceil(n / 8))  # labels like 2025-Q1 need room: at most 8
    for i in list(range(len(periods)))[::-1][::step]:
        x = x0 + i * slot
        out.append(
            f'<path d="M {x:.2f} {BOTTOM:.2f} L {x:.2f} {BOTTOM + 3.5:.2f}" '
            f'style="stroke: {ink}; stroke-width: 0.8"/>'
        )
        for k, line in enumerate(labels[i].split("\n")):
            out.append(_text(x, BOTTOM + 15 + 12 * k, line, ink, anchor="middle"))
    out.append(_text(LEFT, TOP - 6, title, ink, size=11))
    mid = (TOP + BOTTOM) / 2
    out.append(
        f'<text x="14" y="{mid:.2f}" transform="rotate(-90 14 {mid:.2f})" '
        f'style="font-size: 10px; {FONT}; text-anchor: middle; fill: {ink}">'
        f"{html.escape(unit)}</text>"
    )
    out.append("</svg>")
    return "\n".join(out) + "\n"
