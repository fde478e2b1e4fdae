"""Repeated inline styles of a drawing moved into classes scoped to it."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from kb.site.svgstyle import shared_styles

RED, BLUE = "fill: #d55e00", "fill: #0072b2; stroke: #0072b2"
DRAWING = (
    '<svg id="c1-svg" style="width:100%" xmlns="http://www.w3.org/2000/svg">'
    '<defs><style type="text/css">#c1-svg *{stroke-linecap: butt}</style></defs>'
    f'<path d="M0 0" clip-path="url(#c1-p)" style="{RED}"/>'
    f'<path d="M1 1" clip-path="url(#c1-p)" style="{RED}"/>'
    f'<path d="M2 2" style="{RED}"/>'
    f'<text x="1" style="{BLUE}">a</text><text x="2" style="{BLUE}">b</text>'
    '<text x="3" style="fill: green">once</text>'
    f'<g><defs><path id="c1-tick" d="M0 0" style="{BLUE}"/></defs></g>'
    f'<rect class="own" style="{BLUE}"/>'
    '<clipPath id="c1-p"><rect x="0"/></clipPath></svg>'
)


def styles(svg: str) -> list[str]:
    """Each element's style in document order, classes resolved through the rules."""
    rules = dict(re.findall(r"#c1-svg \.(s\d+)\{([^}]*)\}", svg))
    out = []
    for el in ET.fromstring(svg).iter():
        style = el.get("style") or rules.get(el.get("class", ""), "")
        clip = el.get("clip-path")
        out.append(f"{style}; clip-path: {clip}" if clip else style)
    return out


def test_each_element_keeps_its_style() -> None:
    compact = shared_styles(DRAWING, "c1-svg")
    assert styles(compact) == styles(DRAWING)
    assert len(compact) < len(DRAWING)


def test_only_repeated_styles_become_classes_scoped_to_the_drawing() -> None:
    compact = shared_styles(DRAWING, "c1-svg")
    rules = re.findall(r"#c1-svg \.s\d+\{([^}]*)\}", compact)
    assert sorted(rules) == sorted([f"{RED}; clip-path: url(#c1-p)", BLUE])
    assert 'style="fill: green"' in compact and f'style="{RED}"' in compact  # used once
    # In <defs> (what a <use> copies) and on an element with a class of its own: inline.
    assert f'<path id="c1-tick" d="M0 0" style="{BLUE}"/>' in compact
    assert f'<rect class="own" style="{BLUE}"/>' in compact
    assert 'style="width:100%"' in compact  # the drawing's own element is left alone


def test_a_drawing_without_repeats_or_style_sheet() -> None:
    once = '<svg id="c2-svg"><path style="fill: red"/></svg>'
    assert shared_styles(once, "c2-svg") == once
    twice = '<svg id="c2-svg"><path style="fill: red"/><path style="fill: red"/></svg>'
    out = shared_styles(twice, "c2-svg")
    assert out.startswith('<svg id="c2-svg"><defs><style type="text/css">#c2-svg .s0{fill: red}')
    assert out.count('class="s0"') == 2
