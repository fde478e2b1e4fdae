"""kb's headings and slots on a document's page, put into Markdown's element tree."""

from __future__ import annotations

import markdown

from kb.site.fragments import fill
from kb.site.markup import SafeMarkup
from kb.site.outline import Outline, PageOutline

SECTIONS = (("Tracked action items", "actions"), ("Related", "related"))
FRAGMENTS = {"card": "<p>CARD</p>", "actions": "<p>ACTIONS</p>", "related": "<p>RELATED</p>"}


def page(body: str, outline: Outline, *extensions: str, ext: PageOutline | None = None) -> str:
    ext = ext or PageOutline()
    md = markdown.Markdown(
        extensions=["toc", *extensions, SafeMarkup(), ext],
        extension_configs={"toc": {"permalink": True}},
    )
    return fill(md.convert(ext.mark(outline) + body), FRAGMENTS)


def test_headings_come_with_ids_permalinks_and_table_of_contents() -> None:
    ext = PageOutline()
    md = markdown.Markdown(extensions=["toc", ext], extension_configs={"toc": {"permalink": True}})
    html = md.convert(ext.mark(Outline("Disk <full> & slow", SECTIONS)) + "## Summary\n\nText.\n")
    assert html.startswith(
        '<h1 id="disk-full-slow">Disk &lt;full&gt; &amp; slow<a class="headerlink"'
    )
    assert '<h2 id="related">Related<a class="headerlink" href="#related"' in html
    toc = [t["name"] for t in md.toc_tokens[0]["children"]]  # type: ignore[attr-defined]
    assert toc == ["Summary", "Tracked action items", "Related"]


def test_the_card_follows_the_h1_and_the_sections_follow_the_text() -> None:
    html = page("## Summary\n\nText.\n", Outline("Title", SECTIONS))
    order = [
        html.index(s) for s in ("<h1", "CARD", "Summary", "Tracked action", "ACTIONS", "RELATED")
    ]
    assert order == sorted(order)
    # The author's own H1: the card follows it.
    html = page("# Own title\n\nText.\n", Outline(None, SECTIONS))
    assert html.index("Own title") < html.index("CARD") < html.index("Text.")


def test_an_html_block_left_open_does_not_swallow_the_sections() -> None:
    html = page("## Summary\n\n<div>\nNever closed.\n", Outline("Title", SECTIONS))
    assert '<h2 id="related">Related' in html and "<p>RELATED</p>" in html
    assert "<p>ACTIONS</p>" in html


def test_sections_come_before_the_footnotes() -> None:
    html = page("Text.[^1]\n\n[^1]: A note.\n", Outline("Title", SECTIONS), "footnotes")
    assert html.index("RELATED") < html.index('<div class="footnote">')


def test_a_marker_from_another_build_is_only_text() -> None:
    other = PageOutline().mark(Outline("Forged", SECTIONS))
    html = page(other + "Text.\n", Outline("Title"))
    assert "Forged" not in html and other.strip() in html
    assert html.count("<h1") == 1


def test_pages_without_a_marker_are_left_alone() -> None:
    ext = PageOutline()
    md = markdown.Markdown(extensions=[ext])
    assert md.convert("Text.\n") == "<p>Text.</p>"
    ext.mark(Outline("Unused", SECTIONS))  # marked for another page
    assert md.convert("## Heading\n") == "<h2>Heading</h2>"
