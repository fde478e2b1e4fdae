"""pydantic's validation errors in kb's words: what was expected, and what was written.

pydantic says "Input should be a valid integer, unable to parse string as an
integer"; an author reading `impact.users_affected` needs "expected a whole
number, got 'about 12k'". Each error type pydantic can raise for kb's field types
(numbers, booleans, text, dates, timestamps, bounds, lengths, patterns) has a
phrase here; `tests/test_wording.py` walks every field of the schema to keep it so.
"""

from __future__ import annotations

from typing import Any

_SHA256 = "^[0-9a-f]{64}$"
_PHRASES = {
    "int_parsing": "expected a whole number",
    "int_type": "expected a whole number",
    "int_from_float": "expected a whole number",
    "float_parsing": "expected a number",
    "float_type": "expected a number",
    "bool_parsing": "expected true or false",
    "bool_type": "expected true or false",
    "string_type": "expected text",
    "string_unicode": "expected text",
    "date_parsing": "expected a date like 2025-03-14",
    "date_type": "expected a date like 2025-03-14",
    "date_from_datetime_parsing": "expected a date like 2025-03-14",
    "date_from_datetime_inexact": "expected a date like 2025-03-14, without a time of day",
    "datetime_parsing": "expected a timestamp with its UTC offset, like 2025-03-14T09:12:00+01:00",
    "datetime_type": "expected a timestamp with its UTC offset, like 2025-03-14T09:12:00+01:00",
    "datetime_from_date_parsing": (
        "expected a timestamp with its UTC offset, like 2025-03-14T09:12:00+01:00"
    ),
    "datetime_object_invalid": "expected a real moment in time",
    "date_future": "expected a date in the future",
    "date_past": "expected a date in the past",
}


def shown(value: Any) -> str:
    """What the author wrote, as a message quotes it."""
    if isinstance(value, dict):
        return "a mapping of keys"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def phrase(kind: str, ctx: dict[str, Any] | None) -> str | None:
    """kb's words for a pydantic error type (with its context), or None when it has none."""
    ctx = ctx or {}
    if kind in _PHRASES:
        # A date-shaped value that is no date says why ("day value is outside expected range").
        why = ctx.get("error") if kind.startswith(("date", "datetime")) else None
        return f"{_PHRASES[kind]} ({why})" if isinstance(why, str) and why else _PHRASES[kind]
    if kind in ("greater_than_equal", "greater_than"):
        bound = ctx.get("ge", ctx.get("gt"))
        return (
            f"expected at least {bound}"
            if kind == "greater_than_equal"
            else (f"expected more than {bound}")
        )
    if kind in ("less_than_equal", "less_than"):
        bound = ctx.get("le", ctx.get("lt"))
        return (
            f"expected at most {bound}"
            if kind == "less_than_equal"
            else (f"expected less than {bound}")
        )
    if kind == "string_too_short":
        return (
            "must not be empty"
            if ctx.get("min_length") == 1
            else (f"expected at least {ctx.get('min_length')} characters")
        )
    if kind == "string_too_long":
        return f"expected at most {ctx.get('max_length')} characters"
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == _SHA256:
        return "expected a SHA-256: 64 hexadecimal digits (0-9, a-f)"
    if kind == "string_pattern_mismatch":
        return f"does not have the expected form (the pattern {ctx.get('pattern')})"
    if kind in ("too_short", "too_long"):
        return "has the wrong number of items"
    return None


def describe(kind: str, ctx: dict[str, Any] | None, value: Any) -> str | None:
    """'expected a whole number, got 'about 12k'', or None for an error type kb has no words for."""
    said = phrase(kind, ctx)
    return None if said is None else f"{said}, got {shown(value)}"
