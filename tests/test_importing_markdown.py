"""Markdown structure for the importer: blocks, headings, lists, tables, sections."""

from __future__ import annotations

import textwrap

from kb.importing.markdown import all_sections, heading_key, parse_blocks, plain, split_row


def blocks_of(text: str):  # type: ignore[no-untyped-def]
    return parse_blocks(textwrap.dedent(text).strip("\n").split("\n"))


def test_atx_and_setext_headings_are_found_and_code_is_not_structure() -> None:
    blocks = blocks_of(
        """
        Database failover
        =================

        Intro line.

        ```
        # not a heading
        | not | a table |
        ```

        ## Timeline
        """
    )
    headings = [(b.level, b.text) for b in blocks if b.kind == "heading"]
    assert headings == [(1, "Database failover"), (2, "Timeline")]
    assert [b.kind for b in blocks] == ["heading", "paragraph", "code", "heading"]


def test_setext_level_two_and_a_rule_after_a_blank_line() -> None:
    blocks = blocks_of(
        """
        Overview
        --------

        ---

        Text
        """
    )
    assert [(b.kind, b.level) for b in blocks] == [("heading", 2), ("rule", 0), ("paragraph", 0)]


def test_list_items_join_wrapped_lines_and_keep_nested_lines_apart() -> None:
    (block,) = blocks_of(
        """
        1. Improve the alerting so that
           the whole team hears about it
        2. Write a runbook
            - with the restart steps
            - and who to call
        """
    )
    assert block.kind == "list"
    assert [i.text for i in block.items] == [
        "Improve the alerting so that the whole team hears about it",
        "Write a runbook",
    ]
    assert [line.strip() for line in block.items[1].children] == [
        "- with the restart steps",
        "- and who to call",
    ]


def test_loose_list_with_blank_lines_between_items_is_one_list() -> None:
    (block,) = blocks_of(
        """
        - First follow-up, a long one.

        - Second follow-up.
        """
    )
    assert [i.text for i in block.items] == ["First follow-up, a long one.", "Second follow-up."]


def test_checkboxes_are_read_and_removed_from_the_text() -> None:
    (block,) = blocks_of(
        """
        - [x] Add a metric
        - [ ] Page the on-call
        - Plain item
        """
    )
    assert [(i.text, i.checked) for i in block.items] == [
        ("Add a metric", True),
        ("Page the on-call", False),
        ("Plain item", None),
    ]


def test_code_fence_inside_a_list_item_does_not_end_the_list() -> None:
    (block,) = blocks_of(
        """
        - Notice an error:

          ```
          - not an item
          ```

        - Restart the pod
        """
    )
    assert [i.text for i in block.items] == ["Notice an error:", "Restart the pod"]


def test_table_rows_skip_the_delimiter_and_keep_escaped_pipes() -> None:
    (block,) = blocks_of(
        """
        | Time             | Event |
        | :--------------- | ----- |
        | 2021-03-31 12:06 | a \\| b |
        | 2021-03-31 12:11 | done
        """
    )
    assert block.kind == "table"
    assert block.rows() == [
        ["Time", "Event"],
        ["2021-03-31 12:06", "a | b"],
        ["2021-03-31 12:11", "done"],
    ]


def test_split_row_without_outer_pipes() -> None:
    assert split_row("Time | Event") == ["Time", "Event"]


def test_sections_nest_and_end_at_the_next_heading_of_their_level() -> None:
    blocks = blocks_of(
        """
        # Title
        ## Action items
        ### Process
        - one
        ### Technical
        - two
        ## Lessons
        - not an action
        """
    )
    sections = {s.heading.text: s for s in all_sections(blocks)}
    actions = sections["Action items"]
    items = [i.text for b in actions.blocks if b.kind == "list" for i in b.items]
    assert items == ["one", "two"]
    assert [s.heading.text for s in actions.subsections()] == ["Process", "Technical"]


def test_heading_key_drops_numbering_emphasis_colon_and_parenthetical() -> None:
    assert heading_key("2. **Contributing Factors** (findings):") == "contributing factors"
    assert heading_key("Action Items") == "action items"


def test_plain_reduces_inline_markdown_to_words() -> None:
    text = "Fix the **reflector** [Pull Request](https://x/pull/81) and `kubectl` _now_"
    assert plain(text) == "Fix the reflector Pull Request and kubectl now"
    assert plain("snake_case_name stays") == "snake_case_name stays"
