"""`kb import` on real public postmortems (DFDS and mybinder.org), read where they are.

The reports are never copied into this repository. The expected values below
were written down by hand from reading each report, not from the importer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

import pytest

from kb.config import load_settings
from kb.importing import Importer, user_zone
from kb.importing.run import ImportReport, Outcome
from kb.knowledge import KnowledgeBase, load_knowledge_base
from kb.models import Postmortem
from kb.taxonomy import load_taxonomy

REPO = Path(__file__).resolve().parents[1]
SOURCES = ("dfds", "mybinder")
TODAY = dt.date(2026, 2, 3)


def corpus_dir() -> Path | None:
    """KB_CORPUS_DIR, else ../shared/corpus next to the repository, else /work/shared/corpus."""
    env = os.environ.get("KB_CORPUS_DIR")
    if env:
        if not all((Path(env) / s).is_dir() for s in SOURCES):
            pytest.fail(f"KB_CORPUS_DIR={env} has no {' and '.join(SOURCES)} folders")
        return Path(env)
    for candidate in (REPO.parent / "shared" / "corpus", Path("/work/shared/corpus")):
        if all((candidate / s).is_dir() for s in SOURCES):
            return candidate
    return None


CORPUS = corpus_dir()
pytestmark = pytest.mark.skipif(
    CORPUS is None,
    reason="real postmortem corpus not found: set KB_CORPUS_DIR or put it at ../shared/corpus",
)

# (folder, file): (title, date, number of action items), read off each report by hand.
EXPECTED: dict[tuple[str, str], tuple[str, str, int]] = {
    ("dfds", "pm2020-001-inotify-file-watches-exhaustion.md"): (
        "Inotify file watches exhaustion",
        "2020-01-20",
        1,
    ),
    ("dfds", "pm2020-005-alb-instance-attachment.md"): (
        "ALB instance attachments removed",
        "2020-06-09",
        3,
    ),
    ("dfds", "pm2020-006-adsync-service-accounts.md"): ("ADSync service accounts", "2020-02-24", 2),
    ("dfds", "pm2021-004-adfs-outage.md"): ("ADFS Outage", "2021-03-31", 3),
    ("dfds", "pm2022-001-prometheus-is-down-with-connection-refused-errors.md"): (
        "Prometheus is down with connection refused errors",
        "2022-01-25",
        1,
    ),
    ("dfds", "pm2022-004-kafka-metrics-missing-from-prometheus.md"): (
        "Kafka metrics missing from Prometheus",
        "2022-02-08",
        2,
    ),
    (
        "dfds",
        "pm2024-002-pods-not-able-to-start-while-being-moved-to-new-nodes-during-ami-update.md",
    ): (
        "PODs not able to start while being moved to new nodes during AMI Update",
        "2024-04-09",
        2,
    ),
    ("dfds", "pm2025-001-node-system-resource-starvation-and-scheduling-capacity.md"): (
        "Node system resource starvation and scheduling capacity",
        "2025-02-27",
        6,
    ),
    ("mybinder", "2017-09-29-504.md"): ("2017-09-29, 504", "2017-09-29", 7),
    ("mybinder", "2018-01-04-failed-staging-deploy.md"): (
        "2018-01-04, Failed deploy to staging",
        "2018-01-04",
        7,
    ),
    ("mybinder", "2018-01-18-ssl-outdated.md"): (
        "2018-01-11, Warning from letsencrypt about outdated SSL certificate",
        "2018-01-11",
        3,  # the nested "This has been done" bullet is a note, not an item
    ),
    ("mybinder", "2018-02-22-nginx-down.md"): ("2018-02-22 NGINX crash", "2018-02-22", 2),
    ("mybinder", "2018-03-26-no-space-left.md"): (
        '2018-03-26, "no space left on device"',
        "2018-03-26",
        6,
    ),
    ("mybinder", "2018-03-31-server-start-fail.md"): (
        "2018-03-31, Server launch failures",
        "2018-03-31",
        3,  # the "What went wrong" bullets under Action items are not items
    ),
    ("mybinder", "2018-07-08-podsnips-aplenty.md"): ("2018-07-08, too many pods", "2018-07-08", 7),
    # The title says 2022-01-27 (copied from an earlier report); the timeline and file say June.
    ("mybinder", "2022-06-02-pod-limit.md"): ("2022-01-27, pod limit reached", "2022-06-02", 1),
}

# Timeline moments read off the reports by hand, in the zone each report names.
TIMELINES: dict[tuple[str, str], dict[str, str]] = {
    ("dfds", "pm2020-005-alb-instance-attachment.md"): {
        "started": "2020-06-09T11:00:00+01:00",
        "detected": "2020-06-09T12:25:00+01:00",
        "mitigated": "2020-06-09T12:35:00+01:00",
        "resolved": "2020-06-09T13:13:00+01:00",
    },
    ("dfds", "pm2021-004-adfs-outage.md"): {
        "started": "2021-03-31T12:06:00+00:00",
        "detected": "2021-03-31T12:11:00+00:00",
        "mitigated": "2021-03-31T13:18:00+00:00",
        "resolved": "2021-03-31T13:30:00+00:00",
    },
    ("dfds", "pm2022-001-prometheus-is-down-with-connection-refused-errors.md"): {
        "started": "2022-01-25T10:21:00+00:00",
        "detected": "2022-01-25T10:21:00+00:00",
        "resolved": "2022-01-25T15:00:00+00:00",
    },
    ("dfds", "pm2022-004-kafka-metrics-missing-from-prometheus.md"): {
        "started": "2022-02-08T12:20:00+00:00",
        "detected": "2022-02-09T08:03:00+00:00",
        "mitigated": "2022-02-09T08:40:00+00:00",
        "resolved": "2022-02-09T08:40:00+00:00",
    },
    ("mybinder", "2017-09-29-504.md"): {
        "started": "2017-09-29T08:59:00+02:00",
        "resolved": "2017-09-29T14:10:00+02:00",
    },
    ("mybinder", "2018-02-22-nginx-down.md"): {
        "started": "2018-02-22T16:30:00-08:00",
        "resolved": "2018-02-22T16:35:00-08:00",
    },
    ("mybinder", "2018-07-08-podsnips-aplenty.md"): {
        "started": "2018-07-08T18:30:00+02:00",
        "detected": "2018-07-08T22:48:00+02:00",
        "resolved": "2018-07-08T23:25:00+02:00",
    },
    ("mybinder", "2019-03-24-r2d-upgrade.md"): {
        "started": "2019-03-24T08:54:00+01:00",
        "resolved": "2019-03-25T07:01:00+01:00",  # "7:01am" on the next day's heading
    },
    ("mybinder", "2022-06-02-pod-limit.md"): {
        "started": "2022-06-02T10:00:00+01:00",
        "detected": "2022-06-02T21:00:00+01:00",
        "resolved": "2022-06-02T21:24:00+01:00",
    },
}

# Reports whose timeline starts with an entry that has no time: nothing is invented.
NO_READABLE_START = {
    ("dfds", "pm2022-006-alb-502-errors.md"): "2020-12-21",
    ("mybinder", "2018-01-17-ubuntu-upgrade.md"): "2018-01-15",
    ("mybinder", "2018-01-18-ssl-outdated.md"): "2018-01-11",
}


class Imported:
    """The whole corpus imported once into a fresh knowledge base."""

    def __init__(self, root: Path) -> None:
        assert CORPUS is not None
        settings = load_settings(root)
        importer = Importer(
            settings, load_taxonomy(settings.taxonomy_path), zone=user_zone("UTC"), today=TODAY
        )
        self.report: ImportReport = importer.run([CORPUS / s for s in SOURCES])
        self.kb: KnowledgeBase = load_knowledge_base(settings, today=TODAY)
        self.files = sorted(p for s in SOURCES for p in (CORPUS / s).iterdir() if p.suffix == ".md")
        self.by_source: dict[tuple[str, str], Outcome] = {}
        for outcome in self.report.outcomes:
            path = Path(outcome.source)
            self.by_source[(path.parent.name, path.name)] = outcome
        self.drafts: dict[tuple[str, str], Postmortem] = {}
        for doc in self.kb.postmortems:
            assert isinstance(doc.meta, Postmortem) and doc.meta.source is not None
            path = Path(doc.meta.source.path)
            self.drafts[(path.parent.name, path.name)] = doc.meta


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Imported:
    root = tmp_path_factory.mktemp("corpus-kb")
    (root / "mkdocs.yml").write_text("site_name: corpus\n", encoding="utf-8")
    return Imported(root)


def test_every_report_becomes_a_draft_that_validates(imported: Imported) -> None:
    assert [str(p) for p in imported.kb.problems] == []
    assert imported.report.failed == []
    assert len(imported.files) == 45
    assert len(imported.kb.postmortems) == len(imported.files)
    assert {d.status for d in imported.drafts.values()} == {"draft"}
    ids = [d.id for d in imported.drafts.values()]
    assert len(set(ids)) == len(ids)


def test_each_draft_records_its_source_and_keeps_the_text(imported: Imported) -> None:
    for path in imported.files:
        draft = imported.drafts[(path.parent.name, path.name)]
        raw = path.read_bytes()
        assert draft.source is not None
        assert draft.source.path == path.resolve().as_posix()
        assert draft.source.sha256 == hashlib.sha256(raw).hexdigest()
        outcome = imported.by_source[(path.parent.name, path.name)]
        assert outcome.target is not None
        written = Path(outcome.target)
        if not written.is_absolute():
            written = Path.cwd() / written
        body = written.read_text(encoding="utf-8").split("\n---\n", 1)[1].strip("\n")
        # The author's words are untouched: the report minus its leading title heading,
        # with only the `<` that would open raw HTML written as `&lt;` (kb.safety).
        original = raw.decode("utf-8").strip("\n").split("\n", 1)[1].strip("\n")
        assert body.replace("&lt;", "<") == original, path.name


@pytest.mark.parametrize(("key", "expected"), sorted(EXPECTED.items()), ids=lambda v: str(v))
def test_title_date_and_action_items_match_what_a_reader_sees(
    imported: Imported, key: tuple[str, str], expected: tuple[str, str, int]
) -> None:
    draft = imported.drafts[key]
    title, date, actions = expected
    assert (draft.title, draft.date.isoformat(), len(draft.action_items)) == (title, date, actions)


def test_the_expectations_cover_both_sources() -> None:
    assert {folder for folder, _ in EXPECTED} == set(SOURCES)
    assert len(EXPECTED) >= 10


@pytest.mark.parametrize(("key", "expected"), sorted(TIMELINES.items()), ids=lambda v: str(v))
def test_timeline_moments_match_what_a_reader_sees(
    imported: Imported, key: tuple[str, str], expected: dict[str, str]
) -> None:
    timeline = imported.drafts[key].timeline
    assert timeline is not None
    found = {name: getattr(timeline, name) for name in expected}
    assert {k: v.isoformat() if v else None for k, v in found.items()} == expected


@pytest.mark.parametrize(("key", "first"), sorted(NO_READABLE_START.items()))
def test_no_timeline_is_invented_when_the_first_entry_has_no_time(
    imported: Imported, key: tuple[str, str], first: str
) -> None:
    assert imported.drafts[key].timeline is None
    note = imported.by_source[key].notes["timeline"]
    assert note.startswith(f"not read: the first entry ({first}) has no readable time")


def test_a_date_the_file_name_contradicts_is_flagged(imported: Imported) -> None:
    # pm2022-006's timeline starts with the 2020 script that set the trap for the 2022 incident.
    note = imported.by_source[("dfds", "pm2022-006-alb-502-errors.md")].notes["date"]
    assert note == "2020-12-21 from the first timeline entry; check it: the file name says 2022"


def test_every_zone_named_by_a_report_is_used(imported: Imported) -> None:
    defaulted = [
        key
        for key, o in imported.by_source.items()
        if "assumed (--timezone)" in o.notes["timeline"]
    ]
    assert defaulted == []  # every report in the corpus names its zone


def test_fill_rates(imported: Imported, capsys: pytest.CaptureFixture[str]) -> None:
    rates = imported.report.fill_rates()
    lines = [f"kb import fill rates on {len(imported.files)} real reports:"]
    for name, (filled, total) in rates.items():
        scope = " (of those with a timeline section)" if name == "timeline" else ""
        lines.append(f"  {name:<13}{filled:>3}/{total:<3} {filled / total:6.1%}{scope}")
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    title, date, timeline = rates["title"], rates["date"], rates["timeline"]
    assert title[0] == title[1] == len(imported.files)
    assert date[0] >= 0.9 * date[1]
    assert timeline[0] >= 0.7 * timeline[1]
