"""The front-matter of postmortems and pre-mortems as pydantic models. No I/O.

Values that come from the taxonomy are plain strings checked against the
`Taxonomy` passed in the validation context (`context={"taxonomy": t}`), so the
vocabulary stays user-editable. Fields that are derived (durations, risk
score, open action items) are properties, never typed by authors.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    ValidationInfo,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from kb.taxonomy import Kind, Taxonomy

PM_ID = re.compile(r"^PM-(\d{4})-(\d{3,})$", re.ASCII)
PRE_ID = re.compile(r"^PRE-(\d{4})-(\d{3,})$", re.ASCII)
DOC_ID = re.compile(r"^(PM|PRE)-\d{4}-\d{3,}$", re.ASCII)
RISK_ID = re.compile(r"^R\d+$", re.ASCII)
RISK_REF = re.compile(r"^(PRE-\d{4}-\d{3,})#(R\d+)$", re.ASCII)


def _vocab(kind: Kind) -> Callable[[str, ValidationInfo], str]:
    def check(value: str, info: ValidationInfo) -> str:
        taxonomy: Taxonomy | None = (info.context or {}).get("taxonomy")
        if taxonomy is not None and not taxonomy.is_valid(kind, value):
            raise PydanticCustomError("taxonomy", taxonomy.explain(kind, value))
        return value

    return check


def _pattern(regex: re.Pattern[str], example: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if not regex.match(value):
            raise PydanticCustomError("id_format", f"'{value}' should look like {example}")
        return value

    return check


def _aware(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise PydanticCustomError(
            "naive_datetime",
            "timestamp '{value}' has no UTC offset; write it with one, e.g. "
            "2025-03-14T09:12:00+01:00, or 2025-03-14T08:12:00Z for UTC",
            {"value": value.isoformat(sep=" ")},
        )
    return value


def _not_a_number(value: Any) -> Any:
    # pydantic reads a number as seconds since 1970 (`date: 0` is 1970-01-01); in
    # front-matter a number where a date belongs is always a mistake.
    if isinstance(value, int | float):
        raise PydanticCustomError(
            "date_number",
            "a date is written YYYY-MM-DD, not as a number",
        )
    return value


def _schema(kind: Kind) -> Any:
    return Field(json_schema_extra={"x-kb-vocabulary": kind})


SeverityId = Annotated[str, AfterValidator(_vocab("severities")), _schema("severities")]
CategorySlug = Annotated[str, AfterValidator(_vocab("categories")), _schema("categories")]
TriggerSlug = Annotated[str, AfterValidator(_vocab("triggers")), _schema("triggers")]
DetectionSlug = Annotated[str, AfterValidator(_vocab("detection")), _schema("detection")]
ImpactSlug = Annotated[str, AfterValidator(_vocab("impacts")), _schema("impacts")]

NonEmpty = Annotated[str, Field(min_length=1)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Date = Annotated[dt.date, BeforeValidator(_not_a_number)]
AwareDatetime = Annotated[dt.datetime, BeforeValidator(_not_a_number), AfterValidator(_aware)]
DocId = Annotated[str, AfterValidator(_pattern(DOC_ID, "PM-2025-007 or PRE-2025-002"))]
RiskRef = Annotated[str, AfterValidator(_pattern(RISK_REF, "PRE-2025-002#R3"))]
Score = Annotated[int, Field(ge=1, le=5)]


class RiskLink(str):
    """A `premortem_risks` entry: the risk reference, and whether its tripwire fired first.

    Written either as the bare reference (`PRE-2025-002#R3`) or as a mapping
    (`{risk: PRE-2025-002#R3, tripwire_fired: true}`). It *is* the reference string,
    so code that only needs the reference reads it as one; `tripwire_fired` is None
    when the incident does not say.
    """

    tripwire_fired: bool | None

    KEYS: ClassVar[tuple[str, ...]] = ("risk", "tripwire_fired")

    def __new__(cls, ref: str, tripwire_fired: bool | None = None) -> RiskLink:
        """The reference `ref`, carrying `tripwire_fired`."""
        link = super().__new__(cls, ref)
        link.tripwire_fired = tripwire_fired
        return link

    def __getnewargs__(self) -> tuple[str, bool | None]:  # type: ignore[override]
        """Pickle (the build's helper process) keeps the flag."""
        return (str(self), self.tripwire_fired)

    @classmethod
    def parse(cls, value: Any) -> RiskLink:
        """A link from front-matter: a reference string or a {risk, tripwire_fired} mapping."""
        if isinstance(value, RiskLink):
            return value
        fired: bool | None = None
        if isinstance(value, dict):
            for key in value:
                if key not in cls.KEYS:
                    raise PydanticCustomError(
                        "risk_link",
                        f"unknown key '{key}' in a pre-mortem risk link; use risk and "
                        "tripwire_fired, e.g. {risk: PRE-2025-002#R3, tripwire_fired: true}",
                    )
            if "risk" not in value:
                raise PydanticCustomError(
                    "risk_link", "a pre-mortem risk link needs 'risk', e.g. risk: PRE-2025-002#R3"
                )
            fired = value.get("tripwire_fired")
            if fired is not None and not isinstance(fired, bool):
                raise PydanticCustomError(
                    "risk_link", f"tripwire_fired must be true or false, got {fired!r}"
                )
            value = value["risk"]
        if not isinstance(value, str):
            raise PydanticCustomError(
                "risk_link",
                "should be a risk reference like PRE-2025-002#R3, or a mapping "
                f"{{risk: PRE-2025-002#R3, tripwire_fired: true}}; got {value!r}",
            )
        value = value.strip()
        if not RISK_REF.match(value):
            raise PydanticCustomError("id_format", f"'{value}' should look like PRE-2025-002#R3")
        return cls(value, fired)

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        """Validated by `parse`; dumped as the plain reference."""
        return core_schema.no_info_plain_validator_function(
            cls.parse, serialization=core_schema.to_string_ser_schema()
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """A reference string, or the mapping form."""
        ref = {"type": "string", "pattern": RISK_REF.pattern}
        return {
            "oneOf": [
                ref,
                {
                    "type": "object",
                    "properties": {"risk": ref, "tripwire_fired": {"type": "boolean"}},
                    "required": ["risk"],
                    "additionalProperties": False,
                },
            ]
        }


# Risk statuses an author types. `realised` is kb's to set (an incident names the risk);
# `resolved`, from before the lifecycle had `mitigated`, reads as `mitigated`.
RISK_STATUSES = ("open", "mitigating", "mitigated", "accepted", "retired")
OLD_RISK_STATUSES = {"resolved": "mitigated"}


def _risk_status(value: Any) -> Any:
    if value == "realised":
        raise PydanticCustomError(
            "risk_status",
            "'realised' is set by kb when an incident names this risk in premortem_risks; "
            "keep the status you had (open, mitigating, mitigated, accepted or retired)",
        )
    return OLD_RISK_STATUSES.get(value, value) if isinstance(value, str) else value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Timeline(_Strict):
    """Key moments of an incident; timezone-aware, in this order."""

    started: AwareDatetime
    detected: AwareDatetime | None = None
    mitigated: AwareDatetime | None = None
    resolved: AwareDatetime | None = None

    ORDER: ClassVar[tuple[str, ...]] = ("started", "detected", "mitigated", "resolved")


class Impact(_Strict):
    """Who and what the incident hurt."""

    summary: str = ""
    users_affected: int | None = Field(default=None, ge=0)
    slo_breached: bool = False
    categories: list[ImpactSlug] = Field(default_factory=list)


class ActionItem(_Strict):
    """A follow-up that makes a repeat less likely, shorter or easier to see."""

    title: NonEmpty
    kind: Literal["prevent", "detect", "mitigate", "process"]
    owner: str | None = None
    due: Date | None = None
    status: Literal["open", "in-progress", "done", "wont-do"] = "open"
    ticket: str | None = None
    closed: Date | None = None

    @property
    def is_open(self) -> bool:
        """Still to do (open or in progress)."""
        return self.status in ("open", "in-progress")

    def is_overdue(self, today: dt.date) -> bool:
        """Open and past its due date."""
        return self.is_open and self.due is not None and self.due < today


class Source(_Strict):
    """Where an imported document came from."""

    path: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    imported: Date | None = None


class Postmortem(_Strict):
    """What happened in an incident, why, and what we changed."""

    id: Annotated[str, AfterValidator(_pattern(PM_ID, "PM-2025-007"))]
    type: Literal["postmortem"]
    title: NonEmpty
    status: Literal["draft", "in-review", "published"]
    severity: SeverityId | None = None
    date: Date
    authors: list[Name] = Field(default_factory=list)
    reviewers: list[Name] = Field(default_factory=list)
    services: list[Name] = Field(default_factory=list)
    teams: list[Name] = Field(default_factory=list)
    tags: list[Name] = Field(default_factory=list)
    summary: str = ""
    timeline: Timeline | None = None
    detection: DetectionSlug | None = None
    trigger: TriggerSlug | None = None
    categories: list[CategorySlug] = Field(default_factory=list)
    # Categories the author considered and rejected: `kb validate` does not suggest them,
    # and the index does not infer them from the text.
    not_categories: list[CategorySlug] = Field(default_factory=list)
    impact: Impact = Field(default_factory=Impact)
    near_miss: bool = False
    action_items: list[ActionItem] = Field(default_factory=list)
    related: list[DocId] = Field(default_factory=list)
    premortem_risks: list[RiskLink] = Field(default_factory=list)
    source: Source | None = None

    # Required once a postmortem leaves draft; drafts may leave them empty.
    REQUIRED_WHEN_FINAL: ClassVar[tuple[str, ...]] = (
        "severity",
        "authors",
        "summary",
        "timeline",
        "detection",
        "trigger",
        "categories",
    )

    def _since_start(self, moment: str) -> dt.timedelta | None:
        if self.timeline is None:
            return None
        value: dt.datetime | None = getattr(self.timeline, moment)
        return value - self.timeline.started if value else None

    @property
    def time_to_detect(self) -> dt.timedelta | None:
        """From start to detection."""
        return self._since_start("detected")

    @property
    def time_to_mitigate(self) -> dt.timedelta | None:
        """From start to mitigation."""
        return self._since_start("mitigated")

    @property
    def time_to_resolve(self) -> dt.timedelta | None:
        """From start to resolution."""
        return self._since_start("resolved")

    @property
    def open_action_items(self) -> list[ActionItem]:
        """Action items still open or in progress."""
        return [a for a in self.action_items if a.is_open]

    def overdue_action_items(self, today: dt.date) -> list[ActionItem]:
        """Open action items past their due date."""
        return [a for a in self.action_items if a.is_overdue(today)]


class Risk(_Strict):
    """One way a pre-mortem imagined the launch could fail."""

    id: Annotated[str, AfterValidator(_pattern(RISK_ID, "R1"))]
    scenario: NonEmpty
    categories: list[CategorySlug] = Field(default_factory=list)
    likelihood: Score
    impact: Score
    mitigation: str = ""
    # The observable early sign that the risk is happening, and what we agreed to do then.
    tripwire: str = ""
    response: str = ""
    owner: str | None = None
    due: Date | None = None
    review_after: Date | None = None
    status: Annotated[
        Literal["open", "mitigating", "mitigated", "accepted", "retired"],
        BeforeValidator(_risk_status),
    ] = "open"

    @property
    def score(self) -> int:
        """Likelihood times impact, 1-25."""
        return self.likelihood * self.impact


class Premortem(_Strict):
    """Before a launch: imagine it failed, and say why."""

    id: Annotated[str, AfterValidator(_pattern(PRE_ID, "PRE-2025-002"))]
    type: Literal["premortem"]
    title: NonEmpty
    project: str = ""
    date: Date
    launch_date: Date | None = None
    facilitator: str | None = None
    participants: list[Name] = Field(default_factory=list)
    status: Literal["open", "reviewed", "closed"] = "open"
    review_after: Date | None = None
    services: list[Name] = Field(default_factory=list)
    tags: list[Name] = Field(default_factory=list)
    risks: list[Risk] = Field(default_factory=list)

    def risk(self, risk_id: str) -> Risk | None:
        """The risk with this id, if any."""
        return next((r for r in self.risks if r.id == risk_id), None)


Meta = Postmortem | Premortem
MODELS: dict[str, type[Postmortem] | type[Premortem]] = {
    "postmortem": Postmortem,
    "premortem": Premortem,
}
