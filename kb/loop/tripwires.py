"""Watched pre-mortems: each risk's lifecycle, and whether tripwires gave early warning.

A risk's lifecycle is `open → mitigating → mitigated | accepted → realised | retired`.
Authors type every state but `realised`, which kb derives: a risk is realised when an
incident names it in `premortem_risks`. The incident may add whether the risk's
tripwire fired before it started (`tripwire_fired: true|false`).

The early-warning measure counts *realised risks*, each once however many incidents
realised it: how many had a tripwire written down, and of those, how many fired in
time (at least one realising incident says `tripwire_fired: true`), did not (every
incident that says anything says false), or are unknown (no incident says).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from kb.models import Postmortem, Premortem, Risk, RiskLink


def links_by_risk(pms: Iterable[Postmortem]) -> dict[str, list[tuple[Postmortem, RiskLink]]]:
    """'PRE-2025-001#R2' -> the incidents that name it, with the link they wrote."""
    out: dict[str, list[tuple[Postmortem, RiskLink]]] = {}
    for pm in pms:
        for link in pm.premortem_risks:
            out.setdefault(str(link), []).append((pm, link))
    return out


def risk_state(risk: Risk, realised: bool) -> str:
    """The risk's place in its lifecycle: 'realised' when an incident named it, else its status."""
    return "realised" if realised else risk.status


@dataclass(frozen=True)
class FiredTripwire:
    """An incident saying a risk's tripwire fired before it started."""

    incident: Postmortem
    premortem: Premortem
    risk: Risk


@dataclass(frozen=True)
class EarlyWarning:
    """Realised risks of one pre-mortem (or all of them) and what their tripwires did."""

    realised: int = 0
    with_tripwire: int = 0
    fired: int = 0  # with a tripwire, and an incident says it fired in time
    not_fired: int = 0  # with a tripwire, and the incidents say it did not
    unknown: int = 0  # with a tripwire, and no incident says
    fired_refs: list[str] = field(default_factory=list)

    def __add__(self, other: EarlyWarning) -> EarlyWarning:
        """Counts of both."""
        return EarlyWarning(
            self.realised + other.realised,
            self.with_tripwire + other.with_tripwire,
            self.fired + other.fired,
            self.not_fired + other.not_fired,
            self.unknown + other.unknown,
            self.fired_refs + other.fired_refs,
        )

    def sentence(self) -> str:
        """The counts in words, each with what it rests on."""
        if not self.realised:
            return "No risk has been realised by an incident yet."
        text = (
            f"{self.with_tripwire} of {self.realised} realised risks had a tripwire; "
            f"of those {self.with_tripwire}, {self.fired} fired before the incident, "
            f"{self.not_fired} did not"
        )
        if self.unknown:
            text += f" and for {self.unknown} the incident does not say"
        return text + "."


def early_warning(
    pre: Premortem, links: dict[str, list[tuple[Postmortem, RiskLink]]]
) -> EarlyWarning:
    """The early-warning counts of one pre-mortem's realised risks."""
    realised = with_tripwire = fired = not_fired = unknown = 0
    fired_refs = []
    for risk in pre.risks:
        ref = f"{pre.id}#{risk.id}"
        found = links.get(ref)
        if not found:
            continue
        realised += 1
        if not risk.tripwire:
            continue
        with_tripwire += 1
        said = [link.tripwire_fired for _, link in found if link.tripwire_fired is not None]
        if any(said):
            fired += 1
            fired_refs.append(ref)
        elif said:
            not_fired += 1
        else:
            unknown += 1
    return EarlyWarning(realised, with_tripwire, fired, not_fired, unknown, fired_refs)


def overall_early_warning(
    pres: Iterable[Premortem], links: dict[str, list[tuple[Postmortem, RiskLink]]]
) -> EarlyWarning:
    """The early-warning counts over every pre-mortem."""
    total = EarlyWarning()
    for pre in pres:
        total = total + early_warning(pre, links)
    return total


def fired_tripwires(
    pms: Iterable[Postmortem], pres: Sequence[Premortem], since: dt.date | None = None
) -> list[FiredTripwire]:
    """Incidents (dated on or after `since`) that say a named risk's tripwire fired; newest first."""
    by_id = {pre.id: pre for pre in pres}
    out = []
    for pm in pms:
        if since is not None and pm.date < since:
            continue
        for link in pm.premortem_risks:
            if link.tripwire_fired is not True:
                continue
            pre_id, risk_id = str(link).split("#")
            pre = by_id.get(pre_id)
            risk = pre.risk(risk_id) if pre is not None else None
            if pre is not None and risk is not None:
                out.append(FiredTripwire(pm, pre, risk))
    return sorted(out, key=lambda f: (f.incident.date, f.incident.id, f.risk.id), reverse=True)
