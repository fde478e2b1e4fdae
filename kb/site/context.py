"""Everything the page functions need, computed once per build from the knowledge base."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property

from kb.knowledge import KnowledgeBase
from kb.loader import Document
from kb.loop.repeats import (
    RecurringFailure,
    Repeat,
    RepeatsOf,
    newest_repeats,
    recurring_failures,
    started_on,
)
from kb.loop.tripwires import links_by_risk
from kb.models import Postmortem, Premortem, RiskLink
from kb.site.fragments import Urls
from kb.site.ranking import SimilarMap
from kb.site.routes import HOME, Routes
from kb.trends import Candidates, possible_links

REPEATS_SHOWN = 5  # repeats named on one incident's page


@dataclass(frozen=True)
class Generated:
    """A page (Markdown) or asset (SVG) the site generates, at its docs-relative path.

    `fragments` fill the page's `<!--kb:name-->` slots once mkdocs has rendered it.
    """

    src_uri: str
    content: str
    fragments: dict[str, str] = field(default_factory=dict)


def newest_first(docs: list[Document]) -> list[Document]:
    """Documents sorted by date, newest first (id breaks ties)."""
    return sorted(docs, key=lambda d: (d.meta.date, d.id), reverse=True)


def _grouped(
    docs: list[Document], values: Callable[[Document], list[str]]
) -> dict[str, list[Document]]:
    # value -> the documents listing it, in the order of `docs` (each document once per value)
    out: dict[str, list[Document]] = defaultdict(list)
    for doc in docs:
        for value in dict.fromkeys(values(doc)):
            out[value].append(doc)
    return dict(out)


# The costly relations between documents (repeats, recurring failures, pre-mortem links
# and overlaps): made from the front-matter of every document, never their text.
FROM_FRONT_MATTER = (
    "_newest_repeats",
    "repeats",
    "repeats_more",
    "recurring",
    "risk_links",
    "candidates",
)


@dataclass
class SiteContext:
    """The loaded knowledge base plus the site's routing and precomputed relations."""

    kb: KnowledgeBase
    similar: SimilarMap = field(default_factory=dict)
    # Where `similar` comes from when it is still being computed (in the build's helper
    # process): called once, the first time a page asks for similar incidents.
    similar_from: Callable[[], SimilarMap] | None = None
    page_size: int = 100
    home: str = HOME
    urls: Urls = field(default_factory=Urls)
    # The one counting rule: statistics count published postmortems, and in-review ones
    # too when the kb plugin's `count_in_review` option is on. Drafts never count.
    count_in_review: bool = False
    # The ids `doc` is asked for while `reading` records them (None: not recording).
    _read: set[str] | None = field(default=None, init=False, repr=False)

    @property
    def today(self) -> dt.date:
        """The day the site is built for (overdue items, this quarter)."""
        return self.kb.today

    def front_matter_values(self) -> dict[str, object]:
        """The relations computed so far that rest on the documents' front-matter, the
        day and the settings alone (FROM_FRONT_MATTER)."""
        return {name: self.__dict__[name] for name in FROM_FRONT_MATTER if name in self.__dict__}

    def adopt(self, values: dict[str, object]) -> None:
        """Take over `front_matter_values()` of a context whose documents had the same
        front-matter, day and settings (the preview's next build: kb.site.preview)."""
        for name, value in values.items():
            if name in FROM_FRONT_MATTER:
                self.__dict__.setdefault(name, value)  # where cached_property keeps it

    @cached_property
    def routes(self) -> Routes:
        """Page locations of this knowledge base."""
        services, tags = self._facet_values
        return Routes(services, tags, home=self.home)

    @cached_property
    def _facet_values(self) -> tuple[frozenset[str], frozenset[str]]:
        # Every service and tag named: where each one's pages are depends on all of them.
        services = frozenset(s for d in self.kb.documents for s in d.meta.services)
        tags = frozenset(t for d in self.kb.documents for t in d.meta.tags)
        return services, tags

    @cached_property
    def incidents(self) -> list[Document]:
        """Postmortems, newest first."""
        return newest_first(self.kb.postmortems)

    @property
    def counted_statuses(self) -> tuple[str, ...]:
        """The postmortem statuses that statistics count (see `count_in_review`)."""
        return ("published", "in-review") if self.count_in_review else ("published",)

    def is_counted(self, doc: Document) -> bool:
        """Whether a document counts in the site's numbers (pre-mortems always do)."""
        return not isinstance(doc.meta, Postmortem) or doc.meta.status in self.counted_statuses

    @cached_property
    def counted(self) -> list[Document]:
        """The postmortems every number on the site counts, newest first."""
        return [d for d in self.incidents if self.is_counted(d)]

    @cached_property
    def counted_ids(self) -> frozenset[str]:
        """Ids of the counted postmortems."""
        return frozenset(d.id for d in self.counted)

    @cached_property
    def uncounted(self) -> list[Document]:
        """Postmortems listed but not counted (drafts, and in-review unless counted), newest first."""
        return [d for d in self.incidents if not self.is_counted(d)]

    def counting_note(self) -> str:
        """One sentence saying what the numbers on a page count, for the page's intro."""
        what = "published and in-review" if self.count_in_review else "published"
        waiting = Counter(d.meta.status for d in self.uncounted if isinstance(d.meta, Postmortem))
        left = [f"{n} {status}" for status, n in sorted(waiting.items())]
        text = f"Numbers count {what} postmortems only"
        if left:
            verb = "is" if len(self.uncounted) == 1 else "are"
            text += f"; {' and '.join(left)} {verb} listed but not counted"
        return text + "."

    @cached_property
    def premortems(self) -> list[Document]:
        """Pre-mortems, newest first."""
        return newest_first(self.kb.premortems)

    @cached_property
    def pm_metas(self) -> list[Postmortem]:
        """Postmortem front-matter, newest first."""
        return [d.meta for d in self.incidents if isinstance(d.meta, Postmortem)]

    @cached_property
    def counted_metas(self) -> list[Postmortem]:
        """Front-matter of the counted postmortems, newest first."""
        return [d.meta for d in self.counted if isinstance(d.meta, Postmortem)]

    @cached_property
    def pre_metas(self) -> list[Premortem]:
        """Pre-mortem front-matter, newest first."""
        return [d.meta for d in self.premortems if isinstance(d.meta, Premortem)]

    @cached_property
    def documents(self) -> list[Document]:
        """Every document (both kinds), newest first."""
        return newest_first(self.kb.documents)

    @cached_property
    def by_category(self) -> dict[str, list[Document]]:
        """Category slug -> its incidents, newest first."""
        return _grouped(
            self.incidents,
            lambda doc: doc.meta.categories if isinstance(doc.meta, Postmortem) else [],
        )

    @cached_property
    def by_service(self) -> dict[str, list[Document]]:
        """Service name -> its documents (both kinds), newest first."""
        return _grouped(self.documents, lambda doc: doc.meta.services)

    @cached_property
    def by_tag(self) -> dict[str, list[Document]]:
        """Tag -> its documents (both kinds), newest first."""
        return _grouped(self.documents, lambda doc: doc.meta.tags)

    @cached_property
    def risks_by_category(self) -> dict[str, list[tuple[Document, str]]]:
        """Category slug -> (pre-mortem, risk id) pairs that named it, newest first."""
        out: dict[str, list[tuple[Document, str]]] = defaultdict(list)
        for doc in self.premortems:
            assert isinstance(doc.meta, Premortem)
            for risk in doc.meta.risks:
                for slug in dict.fromkeys(risk.categories):
                    out[slug].append((doc, risk.id))
        return dict(out)

    @cached_property
    def repeats(self) -> dict[str, list[Repeat]]:
        """Document id -> the repeats it is part of (as the earlier or the later incident).

        Per later incident, its REPEATS_SHOWN newest repeats only (`repeats_more` counts
        the rest): an old prevent item left open can make hundreds of pairs.
        """
        out: dict[str, list[Repeat]] = defaultdict(list)
        for found in self._newest_repeats:
            for repeat in found.shown:
                out[repeat.later.id].append(repeat)
                out[repeat.earlier.id].append(repeat)
        return dict(out)

    @cached_property
    def repeats_more(self) -> dict[str, int]:
        """Later incident id -> how many more earlier incidents it repeats than `repeats` names."""
        return {f.later.id: f.more for f in self._newest_repeats if f.more}

    @cached_property
    def _newest_repeats(self) -> list[RepeatsOf]:
        return newest_repeats(self.pm_metas, REPEATS_SHOWN)

    @cached_property
    def recurring(self) -> list[RecurringFailure]:
        """Category and service pairs recurring in the last months (kb.loop.repeats)."""
        loop = self.kb.settings.loop
        return recurring_failures(
            self.counted_metas, self.today, loop.recurring_count, loop.recurring_months
        )

    @cached_property
    def risk_links(self) -> dict[str, list[tuple[Postmortem, RiskLink]]]:
        """'PRE-2025-001#R2' -> the counted incidents that name it, with what they say of
        its tripwire (the early-warning counts and a risk's "realised" state rest on these)."""
        return links_by_risk(self.counted_metas)

    @cached_property
    def candidates(self) -> Candidates:
        """Possibly anticipated incidents (drafts too: the pages list them for an author to
        link): pre-mortem risks that overlap them and that they do not name."""
        return possible_links(self.pm_metas, self.pre_metas)

    @property
    def ranks_similar(self) -> bool:
        """Whether this site shows similar incidents at all (similar_limit 0: no)."""
        return self.similar_from is not None or bool(self.similar)

    def similar_to(self, doc_id: str) -> list[tuple[str, float]]:
        """The incidents most similar to one, best first (waits for them if need be)."""
        if self.similar_from is not None:
            self.similar, self.similar_from = self.similar_from(), None
        return self.similar.get(doc_id, [])

    def doc(self, doc_id: str) -> Document | None:
        """The document with this id, if any."""
        if self._read is not None:
            self._read.add(doc_id)
        return self.kb.by_id.get(doc_id)

    @contextmanager
    def reading(self) -> Iterator[set[str]]:
        """The ids of the documents looked up with `doc` inside the block: what a page
        made there shows of other documents (the preview compares them between builds)."""
        outer, read = self._read, set[str]()
        self._read = read
        try:
            yield read
        finally:
            if outer is not None:  # an enclosing block reads what this one read
                outer |= read
            self._read = outer

    def relations_of(self, doc: Document) -> tuple[tuple[object, ...], frozenset[str]]:
        """What the relations between documents say of one document's page, and the ids
        of the documents they name: its repeats, backlinks, possible links and, for a
        pre-mortem, its risks' links. A page made from the same document, the same
        relations and unchanged named documents is the same page (kb.site.preview)."""
        own = doc.id
        if isinstance(doc.meta, Premortem):
            refs = [f"{own}#{r.id}" for r in doc.meta.risks]
        else:
            refs = list(doc.meta.premortem_risks)
        repeats = tuple(
            (r.earlier.id, r.later.id, started_on(r.later), r.reasons, r.items)
            for r in self.repeats.get(own, [])
        )
        linked = tuple(d.id for d in self.kb.linked_from.get(own, []))
        possible = self.candidates.by_incident.get(own, [])
        risks = tuple(
            (
                ref,
                tuple(self.candidates.by_risk.get(ref, [])),
                tuple((pm.id, link) for pm, link in self.risk_links.get(ref, [])),
                tuple(d.id for d in self.kb.realised_by.get(ref, [])),
            )
            for ref in refs
        )
        refs_possible = tuple(held.ref for held in possible)
        value = (repeats, self.repeats_more.get(own, 0), linked, refs_possible, risks)
        ids = {i for r in repeats for i in r[:2]} | set(linked)
        ids.update(held.premortem_id for held in possible)
        for _ref, by_risk, links, realised in risks:
            ids.update(by_risk, (i for i, _ in links), realised)
        return value, frozenset(ids)

    def shared_by_pages(self) -> tuple[object, ...]:
        """What every document's page may show beyond its own relations: whether there are
        incidents to compare with, and the services and tags that place facet pages."""
        return (len(self.incidents) > 1, self.ranks_similar, self._facet_values)

    @cached_property
    def facets(self) -> dict[tuple[str, str], tuple[str, str]]:
        """A memo: (kind, value) -> (escaped title, page) of a category, service or tag."""
        return {}

    @cached_property
    def row_cells(self) -> dict[str, tuple[str, str, str, str]]:
        """A memo: document id -> its date, id, kind and severity cells in listings."""
        return {}

    @cached_property
    def escaped(self) -> dict[object, str]:
        """A memo for escaped text that many pages show (titles, service names ...)."""
        # A document's title or a service name lands on dozens of pages; escape it once.
        return {}
