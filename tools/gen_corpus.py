"""Write a large, realistic, valid kb knowledge base for benchmarks.

    python tools/gen_corpus.py --count 10000 --out DIR [--seed 1] [--end 2026-09-30]

The same arguments always give the same bytes. About 5% of the documents are
pre-mortems. Incidents spread over five years with recent years busier;
severities lean to the low end; categories and services follow a Zipf-like
curve; timelines run from minutes to days with a heavy tail; action items,
related links and realised pre-mortem risks are mixed as in a real
knowledge base. Bodies have the sections of kb's templates and 300-1,500 words
drawn from an operations vocabulary (tools/corpus_words.py), so search
queries mean something.

DIR also gets the repository's taxonomy.yml, its mkdocs.yml (site_name
rewritten) and its non-document pages (home page, guides), so every kb command
runs on DIR as on a real knowledge base. Documents are written as text, not
through pydantic, because generating 10,000 must take seconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import re
import shutil
import sys
import textwrap
import time
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus_words as W

REPO = Path(__file__).resolve().parents[1]
VERSION = 1  # bump when the output changes, so cached corpora are regenerated
MARKER = "corpus.json"
DEFAULT_END = dt.date(2026, 9, 30)
YEARS = 5
PREMORTEM_SHARE = 0.05

# Most frequent first; Zipf-like weights are assigned in this order.
CATEGORY_ORDER = [
    "config", "code-bug", "deploy", "capacity", "dependency", "datastore", "network",
    "observability", "third-party", "testing-gap", "change-management", "time-and-certificates",
    "cloud-provider", "manual-operation", "automation", "communication", "runbook-gap",
    "knowledge-gap", "capacity-planning", "ownership", "security", "malicious-traffic",
    "hardware",
]  # fmt: skip
SEVERITIES = (("SEV1", 3), ("SEV2", 12), ("SEV3", 38), ("SEV4", 47))
TRIGGERS = (
    ("code-deploy", 30), ("config-change", 20), ("infra-change", 9), ("traffic-surge", 8),
    ("dependency-failure", 8), ("data-pipeline", 5), ("performance-decay", 5),
    ("capacity-exhaustion", 4), ("provider-change", 3), ("expiry", 3), ("hardware", 2),
    ("user-behaviour-change", 1), ("security-event", 1), ("unknown", 1),
)  # fmt: skip
DETECTION = (
    ("alert", 55), ("customer-report", 20), ("internal", 12), ("automation", 8),
    ("external-report", 5),
)  # fmt: skip
IMPACTS_BY_SEVERITY = {
    "SEV1": ("full-outage", "data-loss", "security", "partial-outage"),
    "SEV2": ("partial-outage", "increased-errors", "data-inconsistency"),
    "SEV3": ("degraded-performance", "increased-errors", "partial-outage"),
    "SEV4": ("none", "degraded-performance", "increased-errors"),
}
USERS_BY_SEVERITY = {"SEV1": 200_000, "SEV2": 20_000, "SEV3": 2_000, "SEV4": 50}
OFFSETS = ("+00:00", "+01:00", "+02:00", "-05:00", "-08:00", "+05:30", "Z")
ACTION_COUNTS = (6, 10, 16, 18, 16, 12, 9, 7, 6)  # weights of 0..8 action items
KINDS = ("prevent", "detect", "mitigate", "process")
_RESERVED = {"yes", "no", "on", "off", "true", "false", "null", "y", "n", "~"}
_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9 ,.()/'+-]*$")


class Picker:
    """Weighted choices with precomputed cumulative weights (fast in a hot loop)."""

    def __init__(self, rng: random.Random, items: Sequence[Any], weights: Sequence[float]):
        self.rng = rng
        self.items = list(items)
        self.cum = list(accumulate(weights))

    @classmethod
    def of_pairs(cls, rng: random.Random, pairs: Sequence[tuple[Any, float]]) -> Picker:
        """A picker from (item, weight) pairs."""
        return cls(rng, [item for item, _ in pairs], [weight for _, weight in pairs])

    def one(self) -> Any:
        """One item."""
        return self.items[bisect_left(self.cum, self.rng.random() * self.cum[-1])]

    def some(self, low: int, high: int) -> list[Any]:
        """Between low and high distinct items, the first one the most likely."""
        n = self.rng.randint(low, high)
        out: list[Any] = []
        for _ in range(n * 4):
            item = self.one()
            if item not in out:
                out.append(item)
            if len(out) == n:
                break
        return out


def zipf(items: Sequence[Any], s: float = 1.1) -> list[float]:
    """Zipf weights for items in rank order."""
    return [1.0 / (rank**s) for rank in range(1, len(items) + 1)]


def q(value: str) -> str:
    """A YAML scalar for `value`: plain when safe, else double-quoted."""
    if _PLAIN.match(value) and value.lower() not in _RESERVED and ": " not in value:
        return value
    return json.dumps(value)


def cap(text: str) -> str:
    """First letter upper-cased, the rest untouched."""
    return text[:1].upper() + text[1:]


def slugify(text: str) -> str:
    """File-name part from a title."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60].rstrip("-")


def iso(moment: dt.datetime, offset: str) -> str:
    """ISO timestamp with the document's offset spelling (Z or +HH:MM)."""
    text = moment.strftime("%Y-%m-%dT%H:%M:00")
    return text + ("Z" if offset == "Z" else offset)


@dataclass
class Doc:
    """What later documents need to know about an earlier one."""

    id: str
    date: dt.date
    categories: list[str]
    services: list[str]
    risks: list[tuple[str, list[str]]] = field(default_factory=list)


class Writer:
    """Generates the documents of one corpus; one instance per run."""

    def __init__(self, seed: int, end: dt.date) -> None:
        self.rng = random.Random(seed)
        self.end = end
        rng = self.rng
        services = list(W.SERVICES)
        rng.shuffle(services)
        self.services = Picker(rng, services, zipf(services))
        self.categories = Picker(rng, CATEGORY_ORDER, zipf(CATEGORY_ORDER, 0.9))
        self.teams = Picker(rng, W.TEAMS, zipf(W.TEAMS, 0.8))
        self.tags = Picker(rng, W.TAGS, zipf(W.TAGS, 0.7))
        people = [f"{f} {last}" for f in W.FIRST_NAMES for last in W.LAST_NAMES]
        rng.shuffle(people)
        self.people = Picker(rng, people[:240], zipf(people[:240], 0.5))
        self.severity = Picker.of_pairs(rng, SEVERITIES)
        self.trigger = Picker.of_pairs(rng, TRIGGERS)
        self.detection = Picker.of_pairs(rng, DETECTION)
        self.n_actions = Picker(rng, range(9), ACTION_COUNTS)
        self.ticket = 1000

    # ------------------------------------------------------------ dates

    def dates(self, n: int) -> list[dt.date]:
        """n dates over YEARS years before `end`, denser towards the end (exponential growth)."""
        span = YEARS * 365
        tau = 2.0 * 365
        top = 1 - math.exp(-span / tau)
        days = [-tau * math.log(1 - self.rng.random() * top) for _ in range(n)]
        return sorted(self.end - dt.timedelta(days=int(d)) for d in days)

    def minutes(self, median: float, sigma: float, cap_minutes: float) -> int:
        """A heavy-tailed duration in minutes (log-normal), at least one."""
        value = median * math.exp(self.rng.gauss(0, sigma))
        return max(1, int(min(value, cap_minutes)))

    # ------------------------------------------------------------ prose

    def slots(self, ctx: dict[str, Any]) -> dict[str, str]:
        """Values for one sentence's placeholders, varied per sentence within the document."""
        rng = self.rng
        # The main category dominates the text, as it would in a real report.
        cats = ctx["categories"]
        phrases = W.CATEGORY_PHRASES[cats[0] if rng.random() < 0.6 else rng.choice(cats)]
        sym = rng.choice(phrases["symptom"])
        cause = rng.choice(phrases["cause"])
        fix = rng.choice(phrases["fix"])
        return {
            "svc": rng.choice(ctx["services"]),
            "svc2": self.services.one(),
            "team": rng.choice(ctx["teams"]),
            "person": self.people.one(),
            "person2": self.people.one(),
            "host": f"{rng.choice(ctx['services'])}-{rng.randint(1, 40):02d}",
            "host2": f"ip-10-{rng.randint(0, 255)}-{rng.randint(0, 255)}-{rng.randint(1, 254)}",
            "version": f"v{rng.randint(1, 9)}.{rng.randint(0, 40)}.{rng.randint(0, 20)}",
            "hash": f"{rng.getrandbits(28):07x}",
            "code": rng.choice(W.ERROR_CODES),
            "ms": str(rng.randint(4, 90) * 100),
            "count": str(rng.randint(2, 400) * 10),
            "sym": sym,
            "sym_cap": cap(sym),
            "cause": cause,
            "cause_cap": cap(cause),
            "fix": fix,
            "fix_cap": cap(fix),
            "minutes": str(self.minutes(20, 0.8, 600)),
            "factor": str(rng.randint(2, 12)),
            "time": f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}",
            "project_lc": ctx.get("project", "").lower(),
            "launch": ctx.get("launch", ""),
            "impact": ctx.get("impact", "was degraded"),
            "duration": ctx.get("duration", "an hour"),
        }

    def paragraph(self, templates: Sequence[str], ctx: dict[str, Any], words: int) -> str:
        """Sentences from `templates` up to about `words` words; none repeats until all are used."""
        out: list[str] = []
        count = 0
        bag: list[str] = []
        while True:
            if not bag:
                bag = list(templates)
                self.rng.shuffle(bag)
            sentence = cap(bag.pop().format_map(self.slots(ctx)))
            length = sentence.count(" ") + 1
            if out and count + length > words:
                return " ".join(out)
            out.append(sentence)
            count += length

    def section(self, title: str, templates: Sequence[str], ctx: dict[str, Any], words: int) -> str:
        """A `##` section of one to three paragraphs."""
        parts = max(1, min(3, words // 90))
        paras = [self.paragraph(templates, ctx, words // parts) for _ in range(parts)]
        return f"## {title}\n\n" + "\n\n".join(paras) + "\n"

    def body_words(self) -> int:
        """Body length: log-normal around 650 words, kept within 300-1,500 (headings included)."""
        return max(380, min(1460, int(650 * math.exp(self.rng.gauss(0, 0.45)))))

    # ------------------------------------------------------------ postmortems

    def postmortem(
        self, doc_id: str, day: dt.date, pres: list[Doc], by_cat: dict[str, list[str]]
    ) -> tuple[str, str, Doc]:
        """(title, text, summary record) of one postmortem."""
        rng = self.rng
        age = (self.end - day).days
        severity = self.severity.one()
        categories = self.categories.some(1, 3)
        services = self.services.some(1, 3)
        teams = self.teams.some(1, 2)
        impacts = [rng.choice(IMPACTS_BY_SEVERITY[severity])]
        if rng.random() < 0.3:
            extra = rng.choice(IMPACTS_BY_SEVERITY[severity])
            if extra not in impacts and "none" not in (extra, impacts[0]):
                impacts.append(extra)
        near_miss = impacts == ["none"]
        if age < 30:
            status = rng.choices(("draft", "in-review", "published"), (30, 40, 30))[0]
        else:
            status = rng.choices(("draft", "in-review", "published"), (1, 4, 95))[0]

        offset = rng.choice(OFFSETS)
        hour = rng.choices(range(24), [1] * 7 + [3] * 12 + [2] * 5)[0]
        started = dt.datetime(day.year, day.month, day.day, hour, rng.randint(0, 59))
        detected = started + dt.timedelta(minutes=self.minutes(8, 1.2, 3 * 1440))
        mitigated = detected + dt.timedelta(minutes=self.minutes(40, 1.1, 4 * 1440))
        resolved = mitigated + dt.timedelta(minutes=self.minutes(180, 1.5, 10 * 1440))
        duration = _human(resolved - started)

        phrases = W.CATEGORY_PHRASES[categories[0]]
        symptom = rng.choice(phrases["symptom"])
        cause = rng.choice(phrases["cause"])
        title = rng.choice(
            (
                f"{cap(symptom)} in {services[0]}",
                f"{cap(services[0])}: {symptom}",
                f"{_impact_title(impacts[0])} of {services[0]} when {symptom}",
            )
        )
        ctx: dict[str, Any] = {
            "categories": categories,
            "services": services,
            "teams": teams,
            "impact": W.IMPACT_VERBS[impacts[0]],
            "duration": duration,
        }
        # The summary tells the title's story: same symptom, same main category.
        summary_slots = self.slots(ctx)
        summary_slots.update(
            svc=services[0], sym=symptom, sym_cap=cap(symptom), cause=cause, cause_cap=cap(cause)
        )
        summary = rng.choice(W.SUMMARY).format_map(summary_slots)

        lines = [
            "---",
            f"id: {doc_id}",
            "type: postmortem",
            f"title: {q(title)}",
            f"status: {status}",
            f"severity: {severity}",
            f"date: {day.isoformat()}",
            _list("authors", self.people.some(1, 3)),
        ]
        if status != "draft" and rng.random() < 0.7:
            lines.append(_list("reviewers", self.people.some(1, 2)))
        lines += [_list("services", services), _list("teams", teams)]
        tags = self.tags.some(0, 4)
        if tags:
            lines.append(_list("tags", tags))
        lines.append("summary: >-")
        lines += ["  " + line for line in textwrap.wrap(summary, 92)]
        lines += [
            "timeline:",
            f"  started: {iso(started, offset)}",
            f"  detected: {iso(detected, offset)}",
        ]
        if status != "draft" or rng.random() < 0.5:
            lines.append(f"  mitigated: {iso(mitigated, offset)}")
            lines.append(f"  resolved: {iso(resolved, offset)}")
        lines += [
            f"detection: {self.detection.one()}",
            f"trigger: {self.trigger.one()}",
            _list("categories", categories),
            "impact:",
            f"  summary: {q(f'{services[0]} {W.IMPACT_VERBS[impacts[0]]} for {duration}')}",
        ]
        if not near_miss:
            users = int(USERS_BY_SEVERITY[severity] * math.exp(rng.gauss(0, 1.0)))
            lines.append(f"  users_affected: {users}")
        slo = severity in ("SEV1", "SEV2") or (severity == "SEV3" and rng.random() < 0.3)
        lines.append(f"  slo_breached: {'true' if slo else 'false'}")
        lines.append("  categories: [" + ", ".join(impacts) + "]")
        if near_miss:
            lines.append("near_miss: true")
        lines += self.action_items(day, age, ctx)
        related = self.related(categories, by_cat)
        if related:
            lines.append(_list("related", related))
        risks = self.realised(day, services, categories, pres)
        if risks:
            lines.append(_list("premortem_risks", risks))
        lines.append("---")

        body = self.postmortem_body(ctx, started, detected, mitigated, resolved)
        return title, "\n".join(lines) + "\n\n" + body, Doc(doc_id, day, categories, services)

    def action_items(self, day: dt.date, age: int, ctx: dict[str, Any]) -> list[str]:
        """The action_items block: 0-8 items, older incidents mostly closed."""
        rng = self.rng
        n = self.n_actions.one()
        if n == 0:
            return []
        if age > 180:
            weights = (4, 2, 84, 10)
        elif age > 60:
            weights = (30, 20, 45, 5)
        else:
            weights = (50, 25, 20, 5)
        lines = ["action_items:"]
        for _ in range(n):
            status = rng.choices(("open", "in-progress", "done", "wont-do"), weights)[0]
            title = rng.choice(W.ACTION_VERBS).format_map(self.slots(ctx))
            due = day + dt.timedelta(days=rng.randint(7, 120))
            lines += [
                f"  - title: {q(title)}",
                f"    kind: {rng.choice(KINDS)}",
                f"    owner: {q(self.people.one())}",
                f"    due: {due.isoformat()}",
                f"    status: {status}",
            ]
            if rng.random() < 0.6:
                self.ticket += rng.randint(1, 9)
                lines.append(f"    ticket: OPS-{self.ticket}")
            if status == "done" or (status == "wont-do" and rng.random() < 0.5):
                closed = min(self.end, day + dt.timedelta(days=rng.randint(1, 150)))
                lines.append(f"    closed: {closed.isoformat()}")
        return lines

    def related(self, categories: list[str], by_cat: dict[str, list[str]]) -> list[str]:
        """0-3 earlier incidents, mostly sharing the main category."""
        rng = self.rng
        if rng.random() > 0.3:
            return []
        pool = by_cat.get(categories[0]) or by_cat.get("*") or []
        if not pool:
            return []
        recent = pool[-60:]
        return sorted(set(rng.choices(recent, k=rng.randint(1, 3))))

    def realised(
        self, day: dt.date, services: list[str], categories: list[str], pres: list[Doc]
    ) -> list[str]:
        """References to risks of earlier pre-mortems this incident realised (about 8%)."""
        rng = self.rng
        if not pres or rng.random() > 0.08:
            return []
        candidates = [p for p in pres if p.date <= day]
        if not candidates:
            return []
        near = [p for p in candidates[-40:] if set(p.services) & set(services)]
        pre = rng.choice(near or candidates[-40:])
        matching = [r for r, cats in pre.risks if set(cats) & set(categories)]
        risk = rng.choice(matching or [r for r, _ in pre.risks])
        return [f"{pre.id}#{risk}"]

    def postmortem_body(
        self,
        ctx: dict[str, Any],
        started: dt.datetime,
        detected: dt.datetime,
        mitigated: dt.datetime,
        resolved: dt.datetime,
    ) -> str:
        """Markdown body with the template's sections."""
        words = self.body_words()
        table = self.timeline_table(ctx, started, detected, mitigated, resolved)
        words -= word_count(table)
        out = [
            self.section("Summary", W.OPENERS + W.NARRATIVE[:4], ctx, int(words * 0.1)),
            self.section("Impact", W.NARRATIVE[:12], ctx, int(words * 0.1)),
            "## Timeline\n\n" + self.paragraph(W.NARRATIVE, ctx, int(words * 0.2)) + "\n\n" + table,
            self.section("Contributing factors", W.CAUSES, ctx, int(words * 0.25)),
            self.section("What went well", W.WENT_WELL + W.NARRATIVE[-6:], ctx, int(words * 0.1)),
            self.section("Where we got lucky", W.LUCKY, ctx, int(words * 0.05)),
            self.section("Lessons learned", W.LESSONS, ctx, int(words * 0.15)),
            self.section("Action items", W.LESSONS[3:], ctx, max(15, int(words * 0.05))),
        ]
        return "\n".join(out)

    def timeline_table(
        self,
        ctx: dict[str, Any],
        started: dt.datetime,
        detected: dt.datetime,
        mitigated: dt.datetime,
        resolved: dt.datetime,
    ) -> str:
        """The body's timeline table, with the front-matter's moments and steps in between."""
        rows = [
            (started, f"{cap(ctx['services'][0])} starts failing."),
            (detected, "First alert; the on-call acknowledges."),
            (mitigated, "Mitigation in place; error rates back to normal."),
            (resolved, "Resolved; monitoring for recurrence."),
        ]
        gap = mitigated - detected
        for _ in range(self.rng.randint(1, 4)):
            moment = detected + gap * self.rng.random()
            rows.append((moment, self.rng.choice(W.NARRATIVE).format_map(self.slots(ctx))))
        rows.sort(key=lambda r: r[0])
        lines = ["| Time | Event |", "| ---- | ----- |"]
        lines += [f"| {m.strftime('%Y-%m-%d %H:%M')} | {text} |" for m, text in rows]
        return "\n".join(lines) + "\n"

    # ------------------------------------------------------------ pre-mortems

    def premortem(self, doc_id: str, day: dt.date) -> tuple[str, str, Doc]:
        """(title, text, summary record) of one pre-mortem."""
        rng = self.rng
        services = self.services.some(1, 3)
        teams = self.teams.some(1, 2)
        project = rng.choice(W.PREMORTEM_PROJECTS).format(svc=services[0])
        launch = day + dt.timedelta(days=rng.randint(14, 120))
        age = (self.end - day).days
        status = "open" if age < 90 else rng.choices(("open", "reviewed", "closed"), (2, 5, 3))[0]
        title = f"Pre-mortem: {project.lower()}"
        ctx: dict[str, Any] = {
            "categories": self.categories.some(2, 4),
            "services": services,
            "teams": teams,
            "project": project,
            "launch": launch.isoformat(),
        }
        lines = [
            "---",
            f"id: {doc_id}",
            "type: premortem",
            f"title: {q(title)}",
            f"project: {q(project)}",
            f"date: {day.isoformat()}",
            f"launch_date: {launch.isoformat()}",
            f"facilitator: {q(self.people.one())}",
            _list("participants", self.people.some(3, 7)),
            f"status: {status}",
            f"review_after: {(launch + dt.timedelta(days=90)).isoformat()}",
            _list("services", services),
        ]
        tags = self.tags.some(0, 3)
        if tags:
            lines.append(_list("tags", tags))
        lines.append("risks:")
        risks: list[tuple[str, list[str]]] = []
        for i in range(1, rng.randint(3, 8) + 1):
            cats = [rng.choice(ctx["categories"])]
            if rng.random() < 0.3:
                other = self.categories.one()
                if other not in cats:
                    cats.append(other)
            phrases = W.CATEGORY_PHRASES[cats[0]]
            risks.append((f"R{i}", cats))
            lines += [
                f"  - id: R{i}",
                f"    scenario: {q(cap(rng.choice(phrases['symptom'])) + ' after launch')}",
                f"    categories: [{', '.join(cats)}]",
                f"    likelihood: {rng.randint(1, 5)}",
                f"    impact: {rng.randint(1, 5)}",
                f"    mitigation: {q(cap(rng.choice(phrases['fix'])))}",
                f"    owner: {q(self.people.one())}",
                f"    due: {(launch - dt.timedelta(days=rng.randint(1, 10))).isoformat()}",
                f"    status: {rng.choice(('open', 'mitigating', 'accepted', 'resolved'))}",
            ]
        lines.append("---")
        words = self.body_words()
        body = "\n".join(
            [
                self.section("Context", W.PREMORTEM_CONTEXT, ctx, int(words * 0.2)),
                self.section("Imagine it failed", W.PREMORTEM_STORIES, ctx, int(words * 0.4)),
                self.section("How we will know", W.SIGNALS, ctx, int(words * 0.15)),
                self.section("Decisions", W.DECISIONS, ctx, int(words * 0.15)),
                self.section("Review notes", W.LESSONS, ctx, int(words * 0.1)),
            ]
        )
        doc = Doc(doc_id, day, ctx["categories"], services, risks)
        return title, "\n".join(lines) + "\n\n" + body, doc


def word_count(text: str) -> int:
    """Words as a reader counts them: tokens with a letter or digit (not table pipes)."""
    return sum(1 for token in text.split() if any(c.isalnum() for c in token))


def _list(key: str, values: Sequence[str]) -> str:
    return f"{key}:\n" + "\n".join(f"  - {q(v)}" for v in values)


def _human(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 90:
        return f"{minutes} minutes"
    if minutes < 48 * 60:
        return f"{round(minutes / 60)} hours"
    return f"{round(minutes / 1440)} days"


def _impact_title(impact: str) -> str:
    return {
        "full-outage": "Full outage",
        "partial-outage": "Partial outage",
        "degraded-performance": "Slow responses",
        "increased-errors": "Elevated errors",
        "data-loss": "Data loss",
        "data-inconsistency": "Inconsistent data",
        "security": "Security exposure",
        "none": "Near miss",
    }[impact]


# ---------------------------------------------------------------- the corpus around the documents


def _is_document(path: Path) -> bool:
    text = path.read_text(encoding="utf-8", errors="replace")
    if not text.startswith("---"):
        return False
    end = text.find("\n---", 3)
    try:
        data = yaml.safe_load(text[3:end]) if end > 0 else None
    except yaml.YAMLError:
        return False
    return isinstance(data, dict) and "type" in data


def copy_site_files(out: Path, repo: Path = REPO) -> None:
    """Copy the repo's taxonomy, mkdocs.yml, theme overrides and non-document pages."""
    shutil.copyfile(repo / "taxonomy.yml", out / "taxonomy.yml")
    if (repo / "overrides").is_dir():  # mkdocs.yml's theme custom_dir (the feeds' <head> links)
        shutil.copytree(repo / "overrides", out / "overrides", dirs_exist_ok=True)
    mkdocs = (repo / "mkdocs.yml").read_text(encoding="utf-8")
    mkdocs = re.sub(
        r"^site_name:.*$", "site_name: kb benchmark corpus", mkdocs, count=1, flags=re.M
    )
    (out / "mkdocs.yml").write_text(mkdocs, encoding="utf-8")
    content = repo / "content"
    if content.is_dir():
        for path in sorted(content.rglob("*")):
            if not path.is_file() or any(p.startswith(".") for p in path.parts):
                continue
            if path.suffix == ".md" and _is_document(path):
                continue
            target = out / "content" / path.relative_to(content)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    home = out / "content" / "index.md"
    if not home.exists():
        home.parent.mkdir(parents=True, exist_ok=True)
        home.write_text(
            "# kb benchmark corpus\n\nGenerated incidents and pre-mortems for benchmarks.\n",
            encoding="utf-8",
        )


def generate(out: Path, count: int, seed: int = 1, end: dt.date = DEFAULT_END) -> dict[str, Any]:
    """Write a corpus of `count` documents into the empty folder `out`; return its summary."""
    if out.exists() and not out.is_dir():
        raise SystemExit(f"gen_corpus: {out} is a file; give a folder")
    if out.exists() and any(out.iterdir()):
        raise SystemExit(f"gen_corpus: {out} is not empty; choose a new folder or remove it first")
    out.mkdir(parents=True, exist_ok=True)
    writer = Writer(seed, end)
    n_pre = max(1, round(count * PREMORTEM_SHARE)) if count >= 10 else 0
    n_pm = count - n_pre
    kinds = ["pm"] * n_pm + ["pre"] * n_pre
    dated = sorted(zip(writer.dates(count), _shuffled(writer.rng, kinds), strict=True))
    numbers: dict[tuple[str, int], int] = defaultdict(int)
    by_cat: dict[str, list[str]] = defaultdict(list)
    pres: list[Doc] = []
    used: set[str] = set()
    content = out / "content"
    for day, kind in dated:
        numbers[(kind, day.year)] += 1
        prefix = "PM" if kind == "pm" else "PRE"
        doc_id = f"{prefix}-{day.year}-{numbers[(kind, day.year)]:03d}"
        if kind == "pm":
            title, text, doc = writer.postmortem(doc_id, day, pres, by_cat)
            for cat in doc.categories[:1]:
                by_cat[cat].append(doc_id)
            by_cat["*"].append(doc_id)
            folder = content / "postmortems" / str(day.year)
        else:
            title, text, doc = writer.premortem(doc_id, day)
            pres.append(doc)
            folder = content / "premortems" / str(day.year)
        name = f"{day.isoformat()}-{slugify(title)}"
        if name in used:
            name = f"{name}-{doc_id.lower()}"
        used.add(name)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.md").write_text(text, encoding="utf-8")
    copy_site_files(out)
    summary = {
        "generator_version": VERSION,
        "count": count,
        "postmortems": n_pm,
        "premortems": n_pre,
        "seed": seed,
        "end": end.isoformat(),
    }
    (out / MARKER).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary


def _shuffled(rng: random.Random, items: list[str]) -> list[str]:
    items = list(items)
    rng.shuffle(items)
    return items


def main(argv: list[str] | None = None) -> int:
    """Command line: generate one corpus and say how long it took."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, required=True, help="number of documents")
    parser.add_argument("--out", type=Path, required=True, help="an empty or new folder")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--end",
        type=dt.date.fromisoformat,
        default=DEFAULT_END,
        help=f"date of the newest incident (default {DEFAULT_END})",
    )
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("--count must be at least 1")
    start = time.perf_counter()
    summary = generate(args.out, args.count, args.seed, args.end)
    took = time.perf_counter() - start
    print(
        f"wrote {summary['postmortems']} postmortems and {summary['premortems']} pre-mortems "
        f"to {args.out} in {took:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
