"""Rules a schema cannot express: field combinations and references across documents."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator
from collections.abc import Set as AbstractSet
from datetime import date, datetime

from kb.concepts import Thesaurus, concepts_of, stems
from kb.inference import STRONG_HEAD, TRAIN_MAX, CategoryModel, Inferred, Text, train_model
from kb.loader import Document
from kb.loop.repeats import Repeat, newest_repeats
from kb.models import PM_ID, PRE_ID, RISK_REF, Postmortem, Premortem, Timeline
from kb.problems import Problem
from kb.source import Loc
from kb.taxonomy import Taxonomy
from kb.text import did_you_mean


def _empty(value: object) -> bool:
    return value is None or value == "" or value == []


FAR_YEARS = 10  # a date further ahead than this is more likely a typo than a plan


def _far_ahead(doc: Document, loc: Loc, value: date | None, today: date) -> Iterator[Problem]:
    if value is not None and value.year - today.year > FAR_YEARS:
        yield doc.problem(
            loc,
            f"{value} is {value.year - today.year} years from now; is the year right?",
            "warning",
        )


def _not_future(
    doc: Document, loc: Loc, value: date, today: date, published: bool
) -> Iterator[Problem]:
    """What happened cannot be in the future; a published record stating it is wrong."""
    if value > today:
        yield doc.problem(
            loc,
            f"{value} is in the future (today is {today}); an incident is written after it happens",
            "error" if published else "warning",
        )


def check_postmortem(doc: Document, pm: Postmortem, today: date) -> Iterator[Problem]:
    """Per-document rules for a postmortem."""
    match = PM_ID.match(pm.id)
    if match and int(match.group(1)) != pm.date.year:
        yield doc.problem(
            ("id",),
            f"the id's year {match.group(1)} differs from the incident date {pm.date}",
            "warning",
        )
    if pm.status != "draft":
        for name in Postmortem.REQUIRED_WHEN_FINAL:
            if _empty(getattr(pm, name)):
                yield doc.problem(
                    (name,) if doc.locator.has((name,)) else ("status",),
                    f"'{name}' is required once status is '{pm.status}' "
                    "(only drafts may leave it empty)",
                )
    published = pm.status == "published"
    yield from _not_future(doc, ("date",), pm.date, today, published)
    if pm.timeline is not None:
        yield from _timeline_order(doc, pm.timeline)
        for name in Timeline.ORDER:
            moment: datetime | None = getattr(pm.timeline, name)
            if moment is not None:
                yield from _not_future(doc, ("timeline", name), moment.date(), today, published)
    for i, item in enumerate(pm.action_items):
        yield from _far_ahead(doc, ("action_items", i, "due"), item.due, today)
        if item.closed is not None and item.closed > today:
            yield doc.problem(
                ("action_items", i, "closed"),
                f"closed {item.closed} is in the future (today is {today})",
                "warning",
            )
        # Drafts may not know yet when an item was closed (an imported "- [x]" says only done).
        if item.status == "done" and item.closed is None and pm.status != "draft":
            yield doc.problem(
                ("action_items", i, "status"),
                "a done item needs a 'closed' date once the postmortem leaves draft",
            )
        if item.closed is not None and item.status not in ("done", "wont-do"):
            yield doc.problem(
                ("action_items", i, "closed"),
                f"'closed' is set but status is '{item.status}'; use done or wont-do",
            )
        if pm.status != "draft":
            for key in ("owner", "due"):
                if item.is_open and _empty(getattr(item, key)):
                    yield doc.problem(
                        ("action_items", i, key),
                        f"an open action item needs '{key}' once the postmortem leaves draft",
                    )
        if item.is_overdue(today):
            yield doc.problem(
                ("action_items", i, "due"),
                f"action item '{item.title}' is overdue (due {item.due}, {item.status})",
                "warning",
            )
    if pm.status == "published" and not pm.action_items and not pm.near_miss:
        yield doc.problem(("status",), "published with no action items", "warning")
    if pm.id in pm.related:
        yield doc.problem(("related",), "a document cannot be related to itself")
    for i, slug in enumerate(pm.not_categories):
        if slug in pm.categories:
            yield doc.problem(
                ("not_categories", i),
                f"`{slug}` is in both categories and not_categories; keep it in one",
            )


def _timeline_order(doc: Document, timeline: Timeline) -> Iterator[Problem]:
    previous: tuple[str, datetime] | None = None
    for name in Timeline.ORDER:
        value: datetime | None = getattr(timeline, name)
        if value is None:
            continue
        if previous is not None and value < previous[1]:
            yield doc.problem(
                ("timeline", name),
                f"{name} ({value.isoformat()}) is before {previous[0]} "
                f"({previous[1].isoformat()}); the order is {', '.join(Timeline.ORDER)}",
            )
        previous = (name, value)


def check_premortem(doc: Document, pre: Premortem, today: date) -> Iterator[Problem]:
    """Per-document rules for a pre-mortem."""
    match = PRE_ID.match(pre.id)
    if match and int(match.group(1)) != pre.date.year:
        yield doc.problem(
            ("id",), f"the id's year {match.group(1)} differs from the date {pre.date}", "warning"
        )
    for key in ("date", "launch_date", "review_after"):
        yield from _far_ahead(doc, (key,), getattr(pre, key), today)
    if pre.launch_date and pre.launch_date < pre.date:
        yield doc.problem(
            ("launch_date",), f"launch_date {pre.launch_date} is before date {pre.date}"
        )
    if not pre.risks:
        yield doc.problem(
            ("risks",) if doc.locator.has(("risks",)) else ("id",),
            "a pre-mortem with no risks: write down at least one way the launch could fail",
            "warning",
        )
    seen: set[str] = set()
    for i, risk in enumerate(pre.risks):
        if risk.id in seen:
            yield doc.problem(("risks", i, "id"), f"risk id '{risk.id}' is used twice")
        seen.add(risk.id)
        yield from _far_ahead(doc, ("risks", i, "due"), risk.due, today)
        if pre.status != "open" and not risk.categories:
            yield doc.problem(("risks", i), "a risk needs at least one category once reviewed")


def check_document(doc: Document, today: date) -> Iterator[Problem]:
    """Every per-document rule for one document."""
    if isinstance(doc.meta, Postmortem):
        yield from check_postmortem(doc, doc.meta, today)
    else:
        yield from check_premortem(doc, doc.meta, today)


def _overlaps(a: str, b: str) -> bool:
    """Whether field paths `a` and `b` are the same, or one lies inside the other."""
    return a == b or any(x.startswith(y) and x[len(y)] in ".[" for x, y in ((a, b), (b, a)))


def _left(doc: Document, problems: Iterable[Problem], reported: Iterable[Problem]) -> list[Problem]:
    """Of a partial document's problems, those not about a value the schema rejected (or
    about what holds it), nor quoting a placeholder standing in for a missing key."""
    rejected = [p.field for p in reported if p.path == doc.shown and p.field]
    rejected += list(doc.filled)  # placeholders stand in for these (kb.loader.PLACEHOLDERS)
    return [
        p
        for p in problems
        if not any(_overlaps(p.field, field) for field in rejected)
        and not any(value in p.message for value in _quotable(doc.filled))
    ]


def _quotable(filled: dict[str, str]) -> list[str]:
    # Placeholders a message could quote (a date, an id, "(untitled)"); short ones such
    # as "draft" or 1 would match unrelated words.
    return [value for value in filled.values() if len(value) >= 6]


def check_partial(doc: Document, reported: Iterable[Problem], today: date) -> list[Problem]:
    """Per-document rules on a document whose rejected values were dropped.

    Everything else is checked in the same run (the timeline's other moments, the
    other action items ...); left out are only problems about a value the schema
    already rejected, or about what holds it ("'severity' is required" after a bad
    severity was dropped), and those that quote a placeholder standing in for a
    missing required key.
    """
    return _left(doc, check_document(doc, today), reported)


def model_text(doc: Document) -> Text:
    """A document as the category model reads it."""
    summary = doc.meta.summary if isinstance(doc.meta, Postmortem) else doc.meta.project
    return Text.of(f"{doc.meta.title}\n{summary}", doc.body)


def labelled(doc: Document) -> bool:
    """Whether an author chose the document's categories (drafts may hold an importer's)."""
    meta = doc.meta
    return isinstance(meta, Postmortem) and meta.status != "draft" and bool(meta.categories)


def category_model(
    taxonomy: Taxonomy, documents: Iterable[Document], thesaurus: Thesaurus | None = None
) -> CategoryModel:
    """The taxonomy's words, and a classifier trained on the documents' own categories.

    At most TRAIN_MAX labelled documents are read, spread evenly over the collection.
    """
    chosen = [doc for doc in documents if labelled(doc)]
    step = max(1, math.ceil(len(chosen) / TRAIN_MAX))
    examples = [(model_text(doc), _categories(doc)) for doc in chosen[::step]]
    return train_model(thesaurus or Thesaurus(concepts_of(taxonomy)), examples)


def _categories(doc: Document) -> list[str]:
    return doc.meta.categories if isinstance(doc.meta, Postmortem) else []


def _decided(pm: Postmortem) -> set[str]:
    """The categories an author has ruled on: those listed, and those rejected."""
    return {*pm.categories, *pm.not_categories}


def _suggested(taxonomy: Taxonomy, docs: list[Document]) -> dict[str, list[Inferred]]:
    """Each postmortem's inferred categories, read only where its title and summary name
    a category it does not list (the only way the text can strongly suggest one); the
    model is trained only when some document needs it."""
    thesaurus = Thesaurus(concepts_of(taxonomy))
    candidates = []
    for doc in docs:
        if not isinstance(doc.meta, Postmortem):
            continue
        words = stems(f"{doc.meta.title}\n{doc.meta.summary}")
        listed = _decided(doc.meta)
        named = thesaurus.mentions_in(words, ("categories",))
        if any(m.distinct >= STRONG_HEAD and m.concept.slug not in listed for m in named):
            candidates.append(doc)
    if not candidates:
        return {}
    model = category_model(taxonomy, docs, thesaurus)
    return {doc.shown: model.infer(model_text(doc)) for doc in candidates}


def unlisted_categories(doc: Document, inferred: Iterable[Inferred]) -> Iterator[Problem]:
    """A warning for each category the text strongly suggests but the document neither
    lists nor rejects (`not_categories`)."""
    if not isinstance(doc.meta, Postmortem):
        return
    listed = _decided(doc.meta)
    for found in inferred:
        if found.strong and found.slug not in listed:
            yield doc.problem(
                ("categories",),
                f"text suggests `{found.slug}` ({found.reason()}); add it to categories, "
                "or to not_categories to rule it out",
                "warning",
            )


def check_corpus(
    documents: Iterable[Document],
    today: date,
    unloaded: AbstractSet[str] = frozenset(),
    taxonomy: Taxonomy | None = None,
    *,
    partial: Iterable[Document] = (),
    reported: Iterable[Problem] = (),
) -> list[Problem]:
    """All per-document rules plus duplicate ids and references that do not resolve.

    `unloaded` holds ids of documents that failed to load; references to them are not
    reported again (their own errors already are). `partial` are documents the schema
    rejected, with the rejected values dropped (`reported` are those schema problems):
    their other values are checked in the same run, references and ids included, so
    a second run never shows what the first could have. With the `taxonomy`, each
    postmortem's text is also checked for categories it strongly suggests but does not list.
    """
    docs = list(documents)
    partial = list(partial)
    reported = list(reported)
    problems: list[Problem] = []
    by_id: dict[str, list[Document]] = defaultdict(list)
    suggested: dict[str, list[Inferred]] = {}
    if taxonomy is not None:
        suggested = _suggested(taxonomy, docs)
    for doc in docs:
        by_id[doc.id].append(doc)
        problems.extend(check_document(doc, today))
        problems.extend(unlisted_categories(doc, suggested.get(doc.shown, [])))
    for doc in partial:
        problems.extend(check_partial(doc, reported, today))
    holders: dict[str, list[Document]] = defaultdict(list)
    for doc in (*docs, *partial):
        if "id" not in doc.filled:  # a placeholder id is no one's
            holders[doc.id].append(doc)
    for doc_id, same in holders.items():
        if len(same) > 1:
            for doc in same:
                others = ", ".join(o.shown for o in same if o is not doc)
                problems.append(
                    doc.problem(("id",), f"duplicate id '{doc_id}', also used by {others}")
                )
    known = sorted(holders)
    for doc in docs:
        problems.extend(_references(doc, by_id, known, unloaded))
    for doc in partial:
        problems.extend(_left(doc, _references(doc, by_id, known, unloaded), reported))
    problems.extend(_repeats(docs, by_id))
    return problems


def _references(
    doc: Document, by_id: dict[str, list[Document]], known: list[str], unloaded: AbstractSet[str]
) -> Iterator[Problem]:
    """A postmortem's `related` and `premortem_risks` that do not resolve."""
    if not isinstance(doc.meta, Postmortem):
        return
    for i, ref in enumerate(doc.meta.related):
        if ref not in by_id and ref not in unloaded:
            yield doc.problem(("related", i), _unresolved(ref, known))
    for i, ref in enumerate(doc.meta.premortem_risks):
        if ref.split("#")[0] not in unloaded:
            yield from _risk_ref(doc, i, ref, by_id, known)


REPEATS_NAMED = 3  # earlier incidents a repeat warning names; it counts the rest


def _repeats(docs: list[Document], by_id: dict[str, list[Document]]) -> Iterator[Problem]:
    """One warning on each incident that repeats earlier ones with unkept `prevent` items."""
    metas = [d.meta for d in docs if isinstance(d.meta, Postmortem)]
    for found in newest_repeats(metas, REPEATS_NAMED):
        later = next(d for d in by_id[found.later.id] if d.meta is found.later)
        message = "; and ".join(repeat_message(r) for r in found.shown)
        if found.more:
            message += (
                f"; and {found.more} older similar incident(s) with unkept prevent items "
                "(kb repeats lists them)"
            )
        yield later.problem(("id",), message, "warning")


def repeat_message(repeat: Repeat) -> str:
    """The warning on the later incident of a repeat."""
    earlier = repeat.earlier
    items = "; ".join(u.describe() for u in repeat.items)
    return (
        f"repeats {earlier.id} ({earlier.date}, {', '.join(repeat.reasons)}), whose prevent "
        f"action item(s) were still undone when this incident started: {items}"
    )


def _unresolved(ref: str, known: list[str]) -> str:
    hint = did_you_mean(ref, known)
    return f"no document has id '{ref}'" + (f" ({hint})" if hint else "")


def _risk_ref(
    doc: Document, i: int, ref: str, by_id: dict[str, list[Document]], known: list[str]
) -> Iterator[Problem]:
    match = RISK_REF.match(ref)
    if match is None:
        return
    pre_id, risk_id = match.groups()
    targets = by_id.get(pre_id)
    if not targets:
        yield doc.problem(("premortem_risks", i), _unresolved(pre_id, known))
        return
    pre = targets[0].meta
    if not isinstance(pre, Premortem):
        yield doc.problem(("premortem_risks", i), f"'{pre_id}' is not a pre-mortem")
        return
    if pre.risk(risk_id) is None:
        ids = [r.id for r in pre.risks]
        hint = did_you_mean(risk_id, ids)
        yield doc.problem(
            ("premortem_risks", i),
            f"{pre_id} has no risk '{risk_id}' (it has {', '.join(ids) or 'none'})"
            + (f"; {hint}" if hint else ""),
        )
    elif isinstance(doc.meta, Postmortem) and pre.date > doc.meta.date:
        yield doc.problem(
            ("premortem_risks", i),
            f"{pre_id} ({pre.date}) is dated after this incident ({doc.meta.date})",
            "warning",
        )
