"""One report's text -> a draft, with notes on how each field was found."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from kb.errors import SourceError
from kb.importing.dates import UTC
from kb.importing.infer import Draft, infer
from kb.taxonomy import load_taxonomy

TAXONOMY = load_taxonomy()
FALLBACK = dt.date(2000, 1, 1)


def draft_of(text: str, stem: str = "report", suffix: str = ".md") -> Draft:
    return infer(
        textwrap.dedent(text).lstrip("\n"),
        shown=f"{stem}{suffix}",
        stem=stem,
        suffix=suffix,
        fallback_date=FALLBACK,
        taxonomy=TAXONOMY,
        default_zone=UTC,
    )


REPORT = """
    # Checkout outage

    ## Summary

    A configuration change to the payment provider timeout
    made checkouts fail for 40 minutes.

    Second paragraph.

    ## Timeline

    All times in UTC.

    | Time             | Event |
    | ---------------- | ----- |
    | 2024-03-14 09:00 | Config change deployed |
    | 2024-03-14 09:10 | Alert on checkout errors |
    | 2024-03-14 09:40 | Change reverted, errors back to normal |

    ## Action items

    - [x] Alert on provider timeouts
    - [ ] Review config changes like code
"""


def test_a_plain_report_fills_what_its_text_supports() -> None:
    draft = draft_of(REPORT)
    assert draft.title == "Checkout outage"
    assert draft.notes["title"] == "from the first heading"
    assert draft.date == dt.date(2024, 3, 14)
    assert draft.notes["date"] == "2024-03-14 from the first timeline entry"
    assert draft.summary == (
        "A configuration change to the payment provider timeout made checkouts fail for 40 minutes."
    )
    assert draft.notes["summary"] == 'first paragraph of "Summary"'
    assert list(draft.moments) == ["started", "detected", "mitigated", "resolved"]
    assert [(a.title, a.status) for a in draft.actions] == [
        ("Alert on provider timeouts", "done"),
        ("Review config changes like code", "open"),
    ]
    assert [c.slug for c in draft.categories][:1] == ["config"]
    assert draft.notes["categories"].startswith("suggested: config")


def test_the_title_heading_leaves_the_body_and_everything_else_stays_verbatim() -> None:
    draft = draft_of(REPORT)
    original = textwrap.dedent(REPORT).lstrip("\n")
    assert draft.body == original.split("\n", 2)[2]
    assert not draft.body.startswith("# Checkout outage")


def test_setext_title() -> None:
    draft = draft_of("Broken deploy 2023-02-01\n========================\n\nText.\n")
    assert draft.title == "Broken deploy 2023-02-01"
    assert draft.notes["title"] == "from the first (underlined) heading"
    assert draft.date == dt.date(2023, 2, 1)
    assert draft.notes["date"] == "2023-02-01 from the title"
    assert draft.body == "Text.\n"


def test_title_from_the_file_name_when_there_is_no_heading() -> None:
    draft = draft_of("Something broke on 2023-02-01 and we fixed it.\n", stem="db-failover_notes")
    assert draft.title == "Db failover notes"
    assert draft.notes["title"] == "from the file name"
    assert draft.notes["date"] == "2023-02-01 from the first lines"


def test_a_leading_section_heading_is_not_a_title() -> None:
    draft = draft_of("## Summary\n\nText.\n", stem="2019-05-01-cache")
    assert draft.title == "2019 05 01 cache"
    assert draft.date == dt.date(2019, 5, 1)
    assert draft.notes["date"] == "2019-05-01 from the file name"


def test_date_falls_back_to_the_file_date_and_says_so() -> None:
    draft = draft_of("# No dates anywhere\n\nJust words.\n")
    assert draft.date == FALLBACK
    assert draft.notes["date"] == "2000-01-01: no date in the text; the file's modification date"


def test_two_sources_that_agree_outvote_the_most_trusted_one() -> None:
    draft = draft_of(
        """
        # 2022-01-27, pod limit reached

        ## Timeline

        ### 2022-06-02 10:00

        Problem starts.
        """,
        stem="2022-06-02-pod-limit",
    )
    assert draft.date == dt.date(2022, 6, 2)
    assert draft.notes["date"] == (
        "2022-06-02 from the first timeline entry (the title says 2022-01-27, "
        "but the first timeline entry and the file name agree on 2022-06-02)"
    )


def test_yaml_front_matter_of_another_tool_is_mapped_and_kept() -> None:
    draft = draft_of(
        """
        ---
        title: Search index corruption
        date: 2023-11-02
        author: Jane Doe, Sam Roe
        tags: [search, storage]
        severity: 2
        layout: post
        ---

        # A different heading

        Body.
        """
    )
    assert draft.title == "Search index corruption"
    assert draft.notes["title"] == "from the front-matter"
    assert draft.date == dt.date(2023, 11, 2)
    assert draft.authors == ["Jane Doe", "Sam Roe"]
    assert draft.tags == ["search", "storage"]
    assert draft.severity == "SEV2"
    assert draft.foreign is not None and "layout: post" in draft.foreign.raw
    assert draft.body.startswith("# A different heading")  # not the title's source: kept


def test_toml_front_matter() -> None:
    draft = draft_of(
        """
        +++
        title = "Cache stampede"
        date = 2021-08-09T10:00:00Z
        description = "The cache expired everywhere at once."
        +++

        Body.
        """
    )
    assert (draft.title, draft.date) == ("Cache stampede", dt.date(2021, 8, 9))
    assert draft.summary == "The cache expired everywhere at once."
    assert draft.foreign is not None and draft.foreign.format == "toml"


def test_severity_from_the_text_only_when_the_taxonomy_has_it() -> None:
    assert draft_of("# T\n\nSeverity: SEV3\n").severity == "SEV3"
    unknown = draft_of("# T\n\n**Severity**: P9\n")
    assert unknown.severity is None
    assert unknown.notes["severity"] == "the text says P9, which is not a severity of the taxonomy"


def test_relative_links_are_pointed_out() -> None:
    draft = draft_of("# T\n\n![chart](img/chart.png) and [doc](../other.md)\n")
    assert draft.notes["links"].startswith("2 relative link(s) or image(s), e.g. img/chart.png")


def test_summary_falls_back_to_the_first_paragraph_and_skips_images() -> None:
    draft = draft_of("# T\n\n![x](https://e/x.png)\n\nThe real first paragraph.\n")
    assert draft.summary == "The real first paragraph."
    assert draft.notes["summary"] == "first paragraph of the document"


@pytest.mark.parametrize(
    ("text", "suffix", "reason"),
    [
        ("", ".md", "empty file"),
        ("  \n\n", ".md", "empty file"),
        ("<!DOCTYPE html><html></html>", ".md", "not Markdown: looks like an HTML page"),
        ("%PDF-1.7 ...", ".md", "not Markdown: looks like a PDF file"),
        ("# Title\n", ".docx", "not Markdown: a '.docx' file"),
        ("just words, no heading", "", "not Markdown: no .md suffix and no heading in the text"),
        ("---\nlayout: post\n---\n", ".md", "empty report: front-matter only, no text"),
    ],
)
def test_sources_that_cannot_be_reports(text: str, suffix: str, reason: str) -> None:
    with pytest.raises(SourceError) as caught:
        infer(
            text,
            shown="x",
            stem="x",
            suffix=suffix,
            fallback_date=FALLBACK,
            taxonomy=TAXONOMY,
            default_zone=UTC,
        )
    assert caught.value.reason == reason


def test_broken_front_matter_names_its_line() -> None:
    with pytest.raises(SourceError) as caught:
        draft_of("---\ntitle: ok\ntags: [a, b\n---\n\nBody\n")
    assert caught.value.line is not None and caught.value.line >= 3
    assert str(caught.value).startswith("report.md:")
    assert "invalid YAML" in caught.value.reason


def test_a_txt_file_with_a_heading_is_read() -> None:
    assert draft_of("# Notes\n\nText.\n", suffix=".txt").title == "Notes"


def test_a_year_in_the_file_name_that_disagrees_is_pointed_out() -> None:
    draft = draft_of(
        "# Errors\n\n## Timeline\n\n- 2020-12-21 script written\n", stem="pm2022-006-errors"
    )
    assert draft.date == dt.date(2020, 12, 21)
    assert draft.notes["date"] == (
        "2020-12-21 from the first timeline entry; check it: the file name says 2022"
    )
    agreeing = draft_of("# Errors\n\n## Timeline\n\n- 2022-06-02 fixed\n", stem="pm2022-006-errors")
    assert agreeing.notes["date"] == "2022-06-02 from the first timeline entry"


def test_times_without_dates_do_not_vote_for_the_date_they_borrowed() -> None:
    draft = draft_of(
        "---\ndate: 2023-01-09\n---\n# 2023-01-02 outage\n\n## Timeline\n\n- 10:00 start\n",
        stem="2023-01-02-outage",
    )
    assert draft.date == dt.date(2023, 1, 2)
    assert draft.notes["date"] == (
        "2023-01-02 from the title (the front-matter says 2023-01-09, "
        "but the title and the file name agree on 2023-01-02)"
    )
    assert draft.moments["started"].isoformat() == "2023-01-02T10:00:00+00:00"


def test_a_new_heading_name_is_one_line_in_the_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    from kb.importing import rules

    text = "# Outage\n\n## Hendelsesforløp\n\n- 2024-02-01 10:00 alert fired\n"
    assert draft_of(text).moments == {}
    names = (*rules.SECTION_NAMES["timeline"], "hendelsesforløp")
    monkeypatch.setitem(rules.SECTION_NAMES, "timeline", names)
    assert draft_of(text).moments["started"].isoformat() == "2024-02-01T10:00:00+00:00"
