"""The user-editable vocabulary: severities, categories, triggers, detection methods, impacts."""

from __future__ import annotations

from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from kb.errors import TaxonomyError, YamlError
from kb.files import read_regular
from kb.problems import format_field
from kb.source import KeyLocator, parse_yaml
from kb.text import did_you_mean

Group = Literal["technical", "human", "process", "external"]
GROUPS: tuple[Group, ...] = ("technical", "human", "process", "external")
Kind = Literal["severities", "categories", "triggers", "detection", "impacts"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SeverityLevel(_Strict):
    """One severity level, most severe first in the file."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
    title: str
    description: str = ""


MAX_PHRASE_WORDS = 6


def _phrase(value: str) -> str:
    """A keyword or synonym: a word or a short phrase on one line, matched whole."""
    words = value.split()
    if not words:
        raise ValueError("an empty word or phrase")
    if "," in value or "\n" in value:
        raise ValueError(
            f"{value!r} looks like several phrases in one; give each its own list item"
        )
    if len(words) > MAX_PHRASE_WORDS:
        raise ValueError(
            f"{value!r} has {len(words)} words; a phrase has at most {MAX_PHRASE_WORDS}"
        )
    return " ".join(words)


Phrase = Annotated[str, AfterValidator(_phrase)]


class Term(_Strict):
    """A trigger, detection method or impact category, and the words people use for it.

    `keywords` are the words `kb import` has always matched; `synonyms` are more of the
    ways engineers describe the same thing. Search and inference use both.
    """

    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    description: str = ""
    keywords: tuple[Phrase, ...] = ()
    synonyms: tuple[Phrase, ...] = ()

    @field_validator("keywords", "synonyms")
    @classmethod
    def _distinct_phrases(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        seen = (
            {p.lower() for p in info.data.get("keywords", ())}
            if info.field_name == "synonyms"
            else set()
        )
        for phrase in value:
            if phrase.lower() in seen:
                raise ValueError(f"'{phrase}' is listed twice (keywords and synonyms together)")
            seen.add(phrase.lower())
        return value

    @property
    def phrases(self) -> tuple[str, ...]:
        """Every word and phrase that names this term: keywords, then synonyms."""
        return (*self.keywords, *self.synonyms)


class Category(Term):
    """A contributing-factor category with its group."""

    group: Group


class Taxonomy(_Strict):
    """Every controlled value a document may use; one file is the single source of truth."""

    severities: tuple[SeverityLevel, ...] = Field(min_length=1)
    categories: tuple[Category, ...] = Field(min_length=1)
    triggers: tuple[Term, ...] = Field(min_length=1)
    detection: tuple[Term, ...] = Field(min_length=1)
    impacts: tuple[Term, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Taxonomy:
        for kind in ("severities", "categories", "triggers", "detection", "impacts"):
            seen: set[str] = set()
            for value in self.values(kind):
                if value in seen:
                    raise ValueError(f"{kind}: '{value}' is listed twice")
                seen.add(value)
        return self

    def values(self, kind: Kind) -> tuple[str, ...]:
        """The allowed values of one vocabulary, in file order."""
        return self._values[kind]

    @cached_property
    def _values(self) -> dict[str, tuple[str, ...]]:
        return {
            "severities": tuple(s.id for s in self.severities),
            "categories": tuple(c.slug for c in self.categories),
            "triggers": tuple(t.slug for t in self.triggers),
            "detection": tuple(t.slug for t in self.detection),
            "impacts": tuple(t.slug for t in self.impacts),
        }

    @cached_property
    def _sets(self) -> dict[str, frozenset[str]]:
        return {kind: frozenset(v) for kind, v in self._values.items()}

    def is_valid(self, kind: Kind, value: str) -> bool:
        """Whether `value` belongs to the vocabulary `kind`."""
        return value in self._sets[kind]

    def explain(self, kind: Kind, value: object) -> str:
        """Why `value` is not allowed, with a did-you-mean when one is close."""
        allowed = self._values[kind]
        text = f"'{value}' is not one of {', '.join(allowed)}"
        hint = did_you_mean(str(value), allowed)
        return f"{text} ({hint})" if hint else text

    def category(self, slug: str) -> Category | None:
        """The category with this slug, if any."""
        return self._categories.get(slug)

    @cached_property
    def _categories(self) -> dict[str, Category]:
        return {c.slug: c for c in self.categories}

    def severity_rank(self, sev: str) -> int:
        """0 for the most severe level; unknown values sort last."""
        try:
            return self._values["severities"].index(sev)
        except ValueError:
            return len(self.severities)

    def term(self, kind: Kind, slug: str) -> Term | SeverityLevel | None:
        """The entry of vocabulary `kind` with this slug or id."""
        return self._terms.get((kind, slug))

    @cached_property
    def _terms(self) -> dict[tuple[str, str], Term | SeverityLevel]:
        # Pages ask for titles thousands of times; the first entry with a key wins, as a
        # scan in order would find it.
        found: dict[tuple[str, str], Term | SeverityLevel] = {}
        for kind in self._values:
            for entry in getattr(self, kind):
                for key in (getattr(entry, "slug", None), getattr(entry, "id", None)):
                    if isinstance(key, str):
                        found.setdefault((kind, key), entry)
        return found

    def title(self, kind: Kind, slug: str) -> str:
        """Human title of a vocabulary entry (the slug when unknown)."""
        entry = self.term(kind, slug)
        return entry.title if entry else slug


DEFAULT_TAXONOMY = "taxonomy.yml"


def default_taxonomy_text() -> str:
    """The taxonomy shipped with kb (the starting point `kb new` copies)."""
    return resources.files("kb").joinpath("data", DEFAULT_TAXONOMY).read_text(encoding="utf-8")


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """Read a taxonomy file (the shipped default when `path` is None)."""
    label = str(path) if path else "kb default taxonomy"
    try:
        text = read_regular(path).decode("utf-8") if path else default_taxonomy_text()
    except OSError as err:
        raise TaxonomyError(f"{label}: cannot read taxonomy: {err.strerror}") from None
    except UnicodeDecodeError as err:
        raw = read_regular(path) if path else b""
        line = raw.count(b"\n", 0, err.start) + 1
        raise TaxonomyError(
            f"{label}:{line}:1: the taxonomy is not valid UTF-8 (save it as UTF-8)"
        ) from None
    try:
        data = parse_yaml(text)
    except YamlError as err:
        raise TaxonomyError(f"{label}:{err.line}:{err.column}: {err.message}") from None
    if not isinstance(data, dict):
        raise TaxonomyError(f"{label}:1:1: the taxonomy must be a mapping of vocabularies")
    try:
        return Taxonomy.model_validate(data)
    except ValidationError as err:
        locator = KeyLocator(text, 1)
        lines = []
        for e in err.errors():
            loc = tuple(e["loc"])
            line, col = locator.locate(loc)
            message = str(e["msg"]).removeprefix("Value error, ")
            lines.append(f"{label}:{line}:{col}: {format_field(loc) or 'taxonomy'}: {message}")
        raise TaxonomyError("\n".join(lines)) from None
