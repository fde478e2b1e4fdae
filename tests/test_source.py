"""The fast YAML path of kb.source must give exactly what PyYAML's safe loader gives."""

from __future__ import annotations

import datetime as dt
import gc
import math

import pytest
import yaml

from kb.errors import YamlError
from kb.source import KeyLocator, _SafeLoader, parse_yaml

SAME_AS_PYYAML = [
    "title: plain\ncount: 3\nratio: 0.25\nflag: true\nnothing: null\nempty:\n",
    "when: 2025-03-14\nat: 2025-03-14T09:12:00+01:00\nutc: 2025-03-14T08:12:00Z\n",
    "bad_date: 2025-02-30\n",  # kb keeps impossible dates as strings
    "octal: 0o17\nhex: 0x1F\nsexagesimal: 1:30\nunderscored: 1_000\nold_octal: 017\n",
    "yes: on\nno: off\nY: n\n",  # YAML 1.1 booleans, as keys too
    "list: [a, 1, 2.5, ~, 2025-01-01]\nnested: {a: {b: [c, {d: e}]}}\n",
    '"quoted: key": "1"\nsingle: \'true\'\nblock: |\n  two\n  lines\nfolded: >-\n  one\n  line\n',
    "1: int key\n2025-01-01: date key\nfalse: bool key\n",
    "= : value tag\n",
    "inf: .inf\nneg: -.Inf\n",
    "",
    "# only a comment\n",
    "- a\n- b\n",
    "just a string\n",
    "title: R&D review *draft*\n",  # anchor and alias characters inside strings
    "base: &b {x: 1}\nother: *b\nmerged:\n  <<: *b\n  y: 2\n",
    "tagged: !!str 123\n",
]


@pytest.mark.parametrize("text", SAME_AS_PYYAML)
def test_parse_yaml_matches_pyyaml_safe_loader(text: str) -> None:
    expected = yaml.load(text, Loader=_SafeLoader)
    assert parse_yaml(text) == expected
    assert repr(parse_yaml(text)) == repr(expected)  # same types, not only equal values


TIMESTAMPS = [
    "2025-03-14",
    "2025-03-14T09:12:00",
    "2025-03-14T09:12:00Z",
    "2025-03-14T09:12:00+00:00",
    "2025-03-14T09:12:00+05:30",
    "2025-03-14T09:12:00-03:30",
    # forms datetime's ISO parser is not trusted with: PyYAML's constructor reads them
    "2025-3-4",
    "2025-03-14t09:12:00z",
    "2025-03-14 09:12:00",
    "2025-03-14 9:12:00 -5",
    "2025-03-14T09:12:00.1234567+01:00",
]


@pytest.mark.parametrize("value", TIMESTAMPS)
def test_timestamps_match_pyyaml_constructor(value: str) -> None:
    # PyYAML's own safe loader, not kb's: kb reads the common forms its own way.
    expected = yaml.load(f"at: {value}\n", Loader=yaml.SafeLoader)["at"]
    got = parse_yaml(f"at: {value}\n")["at"]
    assert (got, type(got), repr(got)) == (expected, type(expected), repr(expected))
    if isinstance(expected, dt.datetime):
        assert isinstance(got, dt.datetime) and got.utcoffset() == expected.utcoffset()


def test_nan_is_nan() -> None:
    assert math.isnan(parse_yaml("x: .nan\n")["x"])


@pytest.mark.parametrize(
    "text",
    [
        "? [a, b]\n: unhashable key\n",
        "obj: !!python/object:os.system x\n",
        "a: [unclosed\n",
        "a: 1\n---\nb: 2\n",
    ],
)
def test_errors_match_pyyaml(text: str) -> None:
    with pytest.raises(yaml.YAMLError) as expected:
        yaml.load(text, Loader=_SafeLoader)
    with pytest.raises(YamlError) as got:
        parse_yaml(text, first_line=2)
    mark = expected.value.context_mark or expected.value.problem_mark  # type: ignore[attr-defined]
    assert got.value.line == 2 + mark.line


def test_locator_finds_keys_again_after_release() -> None:
    text = "id: PM-2025-001\naction_items:\n  - title: a\n    due: 2025-01-01\n"
    locator = KeyLocator(text, first_line=2)
    assert locator.locate(("action_items", 0, "due")) == (5, 5)
    locator.release()
    assert locator.locate(("action_items", 0, "due")) == (5, 5)
    assert locator.has(("id",)) and not locator.has(("title",))


def _live_nodes() -> int:
    gc.collect()
    return sum(isinstance(o, yaml.Node) for o in gc.get_objects())


def test_locators_keep_one_composed_tree_between_them() -> None:
    # Every document's tree kept until loading ended held 380 MiB at 10,000 documents
    # that the process never got back; one tree at a time is all the lookups need.
    KeyLocator.release()
    before = _live_nodes()
    texts = [f"id: PM-2025-{n:03}\nservices: [a, b, c]\nowner: x\n" for n in range(50)]
    locators = [KeyLocator(text, first_line=2) for text in texts]
    for n, locator in enumerate(locators):
        assert locator.locate(("services", 2)) == (3, 18)
        assert locator.locate(("owner",)) == (4, 1)  # the same tree answers again
        assert locators[n // 2].has(("id",))  # an earlier document's key: found again
    one_tree = 1 + 3 * 2 + 3 + 2 + 1  # a mapping, 3 keys with values, 3 list items ...
    assert _live_nodes() - before <= one_tree
    KeyLocator.release()
    assert _live_nodes() == before
