"""Every schema error is said in kb's words: what was expected, what was written."""

from __future__ import annotations

import datetime as dt
import types
import typing
from pathlib import Path
from typing import Any

import pytest
from conftest import postmortem, premortem
from pydantic import BaseModel

from kb.loader import load_text
from kb.models import (
    ActionItem,
    Impact,
    Postmortem,
    Premortem,
    Risk,
    RiskLink,
    Source,
    Timeline,
)
from kb.taxonomy import load_taxonomy

# The words pydantic uses that no kb message should: they name Python types and parsers.
PYDANTIC_WORDS = ("Input should", "valid dictionary", "unable to parse", "instance of", "[type=")
# Values of every kind an author might write by mistake.
WRONG = ["about 12k", 3.5, -7, 0, 9, True, {"a": 1}, [1, 2], "", "2025-13-45", "x" * 300]

NESTED: dict[str, tuple[type[BaseModel], str]] = {
    "timeline": (Timeline, "  started: 2025-03-14T09:00:00+01:00\n"),
    "impact": (Impact, ""),
    "source": (Source, "  path: old/a.md\n  sha256: " + "0" * 64 + "\n"),
}


def _leaf_kinds(annotation: Any) -> set[type]:
    """The Python types a field holds (through Optional, Annotated and lists)."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return set().union(*(_leaf_kinds(a) for a in typing.get_args(annotation)))
    if origin is typing.Annotated:
        return _leaf_kinds(typing.get_args(annotation)[0])
    if origin is list:
        return {list} | _leaf_kinds(typing.get_args(annotation)[0])
    return {origin or annotation}


def _cases() -> list[tuple[str, str, str, Any]]:
    """(doc type, field path, YAML key line, value) for every scalar field of the schema."""
    out = []
    for doc_type, model in (("postmortem", Postmortem), ("premortem", Premortem)):
        for name in model.model_fields:
            if name in ("id", "type"):
                continue
            if name in NESTED and doc_type == "postmortem":
                sub, _ = NESTED[name]
                for key in sub.model_fields:
                    out += [(doc_type, f"{name}.{key}", name, v) for v in WRONG]
            elif name in ("action_items", "risks"):
                sub = ActionItem if name == "action_items" else Risk
                for key in sub.model_fields:
                    out += [(doc_type, f"{name}[0].{key}", name, v) for v in WRONG]
            else:
                out += [(doc_type, name, name, v) for v in WRONG]
    return out


def _document(doc_type: str, field: str, value: Any) -> str:
    import json

    written = json.dumps(value)  # JSON is YAML: the value arrives exactly as given
    base = postmortem() if doc_type == "postmortem" else premortem()
    head, _, rest = base.partition("\n---\n")
    lines = head.split("\n")[1:]
    top = field.split(".")[0].split("[")[0]
    kept, skipping = [], False
    for line in lines:  # drop the key being replaced, with its indented block
        if line.startswith(f"{top}:"):
            skipping = True
            continue
        if skipping and line.startswith(" "):
            continue
        skipping = False
        kept.append(line)
    if "[0]." in field:
        key = field.split(".")[1]
        record = {
            "action_items": {"title": "t", "kind": "detect", "status": "open"},
            "risks": {"id": "R1", "scenario": "s", "likelihood": 2, "impact": 2},
        }[top]
        record[key] = value
        block = f"{top}:\n  - " + "\n    ".join(f"{k}: {json.dumps(v)}" for k, v in record.items())
    elif "." in field:
        key = field.split(".")[1]
        block = f"{top}:\n" + NESTED[top][1] + f"  {key}: {written}"
        if key == "started" or (top == "source" and key in ("path", "sha256")):
            block = (
                f"{top}:\n"
                + "\n".join(
                    line for line in NESTED[top][1].splitlines() if not line.startswith(f"  {key}:")
                )
                + f"\n  {key}: {written}"
            )
    else:
        block = f"{top}: {written}"
    return "---\n" + "\n".join([*kept, block]) + "\n---\n" + rest


@pytest.mark.parametrize(("doc_type", "field", "top", "value"), _cases())
def test_schema_errors_are_in_kbs_words(doc_type: str, field: str, top: str, value: Any) -> None:
    text = _document(doc_type, field, value)
    loaded = load_text(
        text, Path("a.md"), shown="a.md", src_uri="a.md", taxonomy=load_taxonomy(None)
    )
    for problem in loaded.problems:
        assert not any(w in problem.message for w in PYDANTIC_WORDS), (field, value, str(problem))
        assert problem.line > 1, str(problem)  # points at the key, not the file's top
        if problem.field == field and not isinstance(value, dict | list):
            # The value written is quoted back (long ones cut), or the rule it broke named.
            assert (
                repr(value)[:20] in problem.message
                or "expected" in problem.message
                or (
                    "not one of" in problem.message
                    or "look like" in problem.message
                    or "not as a number" in problem.message
                )
            ), str(problem)


def test_whole_number_message_reads_as_the_issue_asks() -> None:
    text = _document("postmortem", "impact.users_affected", "about 12k")
    loaded = load_text(
        text, Path("a.md"), shown="a.md", src_uri="a.md", taxonomy=load_taxonomy(None)
    )
    messages = [f"{p.field}: {p.message}" for p in loaded.problems]
    assert messages == ["impact.users_affected: expected a whole number, got 'about 12k'"]


def test_every_field_type_is_covered() -> None:
    kinds = set()
    for model in (Postmortem, Premortem, ActionItem, Risk, Timeline, Impact, Source):
        for info in model.model_fields.values():
            kinds |= _leaf_kinds(info.annotation)
    # The types the test's wrong values exercise; a new kind of field needs a look here.
    assert kinds <= {
        str,
        int,
        bool,
        dt.date,
        dt.datetime,
        list,
        type(None),
        Timeline,
        Impact,
        ActionItem,
        Risk,
        Source,
        RiskLink,  # premortem_risks: a reference or {risk, tripwire_fired}; WRONG covers it
        typing.Literal,
    }, kinds
