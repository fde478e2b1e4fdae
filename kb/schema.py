"""JSON Schema of the front-matter, with the taxonomy's values as enums (for editors)."""

from __future__ import annotations

from typing import Any

from kb.models import Postmortem, Premortem
from kb.taxonomy import Taxonomy

VOCAB_KEY = "x-kb-vocabulary"


def _inject(node: Any, taxonomy: Taxonomy) -> Any:
    if isinstance(node, dict):
        kind = node.pop(VOCAB_KEY, None)
        if kind is not None:
            node["enum"] = list(taxonomy.values(kind))
        for value in node.values():
            _inject(value, taxonomy)
    elif isinstance(node, list):
        for value in node:
            _inject(value, taxonomy)
    return node


def json_schema(taxonomy: Taxonomy, doc_type: str | None = None) -> dict[str, Any]:
    """The JSON Schema of one document type, or of either (oneOf) when `doc_type` is None."""
    models: dict[str, type[Postmortem] | type[Premortem]] = {
        "postmortem": Postmortem,
        "premortem": Premortem,
    }
    if doc_type is not None:
        schema = models[doc_type].model_json_schema()
    else:
        schema = {
            "title": "kb document front-matter",
            "oneOf": [
                {"$ref": "#/$defs/Postmortem"},
                {"$ref": "#/$defs/Premortem"},
            ],
            "$defs": {},
        }
        for model in models.values():
            sub = model.model_json_schema()
            schema["$defs"].update(sub.pop("$defs", {}))
            schema["$defs"][model.__name__] = sub
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return _inject(schema, taxonomy)  # type: ignore[no-any-return]
