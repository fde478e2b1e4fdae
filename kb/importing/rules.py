"""Every rule `kb import` infers with, as data.

Reports we have not seen yet will use other words. Each table below is the one
place to teach the importer one more: a heading name, a date format, a time
zone, a word that marks a timeline moment or an action item's status is a
one-line addition here, never a code change elsewhere. Words and phrases are
lower-case and matched as whole words.
"""

from __future__ import annotations

# ------------------------------------------------------------------ sources

# Suffixes read as Markdown. Folders are searched for these only.
MARKDOWN_SUFFIXES: tuple[str, ...] = (".md", ".markdown", ".mdown", ".mkd", ".mkdn", ".mdwn")
# Named explicitly, these are read too when the text has a Markdown heading.
MAYBE_MARKDOWN_SUFFIXES: tuple[str, ...] = ("", ".txt", ".text")
# File names (without suffix) in a folder that are not reports; named explicitly they are read.
NOT_REPORTS: tuple[str, ...] = (
    "readme",
    "license",
    "licence",
    "changelog",
    "contributing",
    "code_of_conduct",
    "index",
    "_index",
)
# A text starting with one of these is not Markdown, whatever its name says.
NOT_MARKDOWN_STARTS: dict[str, str] = {
    "<!doctype html": "an HTML page",
    "<html": "an HTML page",
    "%pdf-": "a PDF file",
    "{\\rtf": "an RTF document",
}

# ------------------------------------------------------------------ front-matter of other tools

# kb field <- keys other tools (Jekyll, Hugo, Docusaurus, wikis) use for it, in order of preference.
FRONT_MATTER_KEYS: dict[str, tuple[str, ...]] = {
    "title": ("title", "name", "headline"),
    "date": ("incident_date", "incident-date", "date", "started", "start", "created", "published"),
    "summary": ("summary", "description", "excerpt", "abstract", "tldr"),
    "severity": ("severity", "sev", "priority"),
    "authors": ("authors", "author", "owners", "owner"),
    "tags": ("tags", "labels", "keywords", "categories"),
    "services": ("services", "service", "components", "component", "systems"),
    "teams": ("teams", "team"),
}

# ------------------------------------------------------------------ sections

# Section role <- heading names (compared lower-case, without numbering, emphasis,
# a trailing colon or a parenthetical such as "(findings)").
SECTION_NAMES: dict[str, tuple[str, ...]] = {
    "summary": (
        "summary",
        "overview",
        "issue summary",
        "incident summary",
        "executive summary",
        "tl;dr",
        "tldr",
        "abstract",
        "description",
        "what happened",
    ),
    "timeline": (
        "timeline",
        "incident timeline",
        "timeline of events",
        "detailed timeline",
        "chronology",
        "sequence of events",
    ),
    "action_items": (
        "action items",
        "action item",
        "actions",
        "follow-ups",
        "follow ups",
        "followups",
        "follow-up actions",
        "follow-up items",
        "next steps",
        "remediation",
        "remediations",
        "remediation items",
        "corrective actions",
        "action plan",
    ),
    "causes": (
        "contributing factors",
        "root cause",
        "root causes",
        "root cause analysis",
        "causes",
        "cause",
        "trigger",
        "what went wrong",
    ),
}
# Sub-headings inside an action-items section whose lists are not action items.
NOT_ACTION_SUBSECTIONS: tuple[str, ...] = (
    "what went well",
    "what went wrong",
    "where we got lucky",
    "lessons learned",
    "lessons learnt",
)
# How many lines after the title may hold the incident date ("first lines").
FIRST_LINES = 5

# ------------------------------------------------------------------ dates and times

MONTHS: dict[str, int] = {
    "jan": 1,
    "january": 1,
    "feb": 2,
    "february": 2,
    "mar": 3,
    "march": 3,
    "apr": 4,
    "april": 4,
    "may": 5,
    "jun": 6,
    "june": 6,
    "jul": 7,
    "july": 7,
    "aug": 8,
    "august": 8,
    "sep": 9,
    "sept": 9,
    "september": 9,
    "oct": 10,
    "october": 10,
    "nov": 11,
    "november": 11,
    "dec": 12,
    "december": 12,
}
_MONTH = r"(?P<mon>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<d>\d{1,2})(?:st|nd|rd|th)?"

# Date formats: a regular expression with groups y, d and either m (a number) or mon (a name).
DATE_FORMATS: tuple[str, ...] = (
    r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})",  # 2021-03-31
    r"(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})",  # 2021/03/31
    r"(?P<y>\d{4})\.(?P<m>\d{1,2})\.(?P<d>\d{1,2})",  # 2021.03.31
    r"(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})",  # 31.03.2021 (day first)
    _MONTH + r"\s+" + _DAY + r",?\s+(?P<y>\d{4})",  # Sep 29 2017, March 31st, 2021
    _DAY + r"\.?\s+(?:of\s+)?" + _MONTH + r",?\s+(?P<y>\d{4})",  # 29 Sep 2017, 20. January 2020
)
# Words before a time that say it is approximate; the time is still read.
APPROXIMATE: tuple[str, ...] = ("ca.", "ca", "~", "approx.", "approx", "about", "around", "circa")
# A time of day: 13:50, 8:54, 17:14pm, 7:01am, 10:45:12.
TIME_FORMAT = r"(?P<H>\d{1,2})[:h](?P<M>\d{2})(?::(?P<S>\d{2}))?\s*(?P<ampm>[ap]\.?m\.?)?(?!\d|:\d)"

# ------------------------------------------------------------------ time zones

# Sentences that name the zone of a timeline; the group `zone` is read with the tables below.
ZONE_STATEMENTS: tuple[str, ...] = (
    r"all\s+times\s+(?:are\s+)?(?:in|are)\s+(?P<zone>[^.\n]+)",
    r"times\s+(?:are\s+)?(?:in|shown in|given in)\s+(?P<zone>[^.\n]+)",
    r"time\s*zone\s*(?:is|:)\s*(?P<zone>[^.\n]+)",
    r"timezone\s*(?:is|:)\s*(?P<zone>[^.\n]+)",
)
# An explicit offset: UTC+2, GMT-7, UTC+05:30, +02:00.
ZONE_OFFSET = r"(?:\b(?:utc|gmt)\s*|(?<![\w:]))(?P<sign>[+-])(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?\b"
# Abbreviation -> offset in minutes. Read literally: "CET" is +01:00 even in summer.
ZONE_ABBREVIATIONS: dict[str, int] = {
    "utc": 0,
    "gmt": 0,
    "z": 0,
    "wet": 0,
    "west": 60,
    "bst": 60,
    "cet": 60,
    "cest": 120,
    "eet": 120,
    "eest": 180,
    "msk": 180,
    "ist": 330,
    "sgt": 480,
    "jst": 540,
    "kst": 540,
    "aest": 600,
    "aedt": 660,
    "nzst": 720,
    "nzdt": 780,
    "hst": -600,
    "akst": -540,
    "akdt": -480,
    "pst": -480,
    "pdt": -420,
    "mst": -420,
    "mdt": -360,
    "cst": -360,
    "cdt": -300,
    "est": -300,
    "edt": -240,
}
# Spelled-out zone names -> an abbreviation above.
ZONE_NAMES: dict[str, str] = {
    "coordinated universal time": "utc",
    "greenwich mean time": "gmt",
    "central european time": "cet",
    "central european summer time": "cest",
    "british summer time": "bst",
    "eastern european time": "eet",
    "pacific standard time": "pst",
    "pacific daylight time": "pdt",
    "eastern standard time": "est",
    "eastern daylight time": "edt",
}

# ------------------------------------------------------------------ timelines

# Column headers of timeline tables (lower-case, parenthetical dropped; a zone in it is read).
TIMELINE_TIME_COLUMNS: tuple[str, ...] = ("time", "timestamp", "date/time", "datetime", "when")
TIMELINE_DATE_COLUMNS: tuple[str, ...] = ("date", "day")
TIMELINE_EVENT_COLUMNS: tuple[str, ...] = (
    "event",
    "events",
    "description",
    "what happened",
    "what",
    "details",
    "activity",
    "action",
)
# Timeline moments, in order. "first" takes the earliest matching entry, "last" the latest.
# An entry's text is its event column, its list item, or its heading and paragraphs.
# `started` falls back to the first entry of the timeline when no phrase matches.
TIMELINE_MOMENTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "started": (
        "first",
        (
            "problem starts",
            "problem started",
            "start of incident",
            "start of the incident",
            "incident starts",
            "incident started",
            "incident begins",
            "outage begins",
            "outage starts",
            "outage started",
            "impact starts",
            "impact started",
            "impact begins",
        ),
    ),
    "detected": (
        "first",
        (
            "detection:",
            "detection",
            "discovery:",
            "detected",
            "discovered",
            "alerted",
            "alert",
            "alerts",
            "alarm",
            "paged",
            "notice",
            "noticed",
            "notices",
            "reported",
            "reports",
            "reporting",
            "report of",
            "realized",
            "realised",
            "problem is identified",
            "investigation starts",
            "investigation started",
            "investigation begins",
            "investigation launched",
            "investigation commenced",
            "started investigating",
            "started looking",
        ),
    ),
    "mitigated": (
        "first",
        (
            "mitigation:",
            "mitigated",
            "mitigation",
            "workaround",
            "rolled back",
            "roll back",
            "rollback",
            "reverted",
            "revert",
            "manual fix",
            "quick fix",
            "temporary fix",
            "hotfix",
            "fix applied",
            "fix deployed",
            "failed over",
            "failover",
        ),
    ),
    "resolved": (
        "last",
        (
            "recovery:",
            "resolution:",
            "resolved",
            "recovered",
            "restored",
            "back to normal",
            "returns to normal",
            "return to normal",
            "returned to normal",
            "back up",
            "goes away",
            "all healthy",
            "everything is fine",
            "everything is working",
            "confirmed working",
            "works again",
            "working as intended",
            "working as expected",
            "working again",
            "fine again",
            "now fine",
            "it works",
            "fix works",
            "was fixed",
            "is fixed",
            "back online",
            "service resumes",
            "incident ends",
            "incident closed",
            "outage closed",
            "problem solved",
            "was solved",
        ),
    ),
}

# ------------------------------------------------------------------ action items

# Action-item table column -> header names.
ACTION_COLUMNS: dict[str, tuple[str, ...]] = {
    "title": ("action", "action item", "item", "title", "task", "description", "what", "summary"),
    "owner": ("owner", "owners", "assignee", "assigned to", "who", "responsible"),
    "status": ("status", "state", "done", "progress"),
    "due": ("due", "due date", "deadline", "by", "by when", "target date", "eta"),
    "ticket": ("ticket", "issue", "link", "jira", "tracking", "pr", "reference"),
}
# Status words (a status cell, or a trailing "(DONE)" on an item) -> kb status.
ACTION_STATUS: dict[str, str] = {
    "done": "done",
    "completed": "done",
    "complete": "done",
    "closed": "done",
    "fixed": "done",
    "resolved": "done",
    "implemented": "done",
    "yes": "done",
    "x": "done",
    "✅": "done",
    "✔": "done",
    "✓": "done",
    "in progress": "in-progress",
    "in-progress": "in-progress",
    "ongoing": "in-progress",
    "started": "in-progress",
    "doing": "in-progress",
    "wip": "in-progress",
    "open": "open",
    "todo": "open",
    "to do": "open",
    "not started": "open",
    "new": "open",
    "planned": "open",
    "no": "open",
    "won't do": "wont-do",
    "wont do": "wont-do",
    "wont-do": "wont-do",
    "won't fix": "wont-do",
    "wontfix": "wont-do",
    "cancelled": "wont-do",
    "canceled": "wont-do",
    "dropped": "wont-do",
    "rejected": "wont-do",
}
# Action-item kind <- words in its text, kinds tried in this order; then the sub-heading's words.
# Nothing matched: "prevent". Every kind is marked as a suggestion.
ACTION_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "detect",
        (
            "alert",
            "alerts",
            "alerting",
            "alarm",
            "alarms",
            "monitor",
            "monitoring",
            "metric",
            "metrics",
            "dashboard",
            "notify",
            "notified",
            "notification",
            "notifications",
            "detect",
            "observability",
            "visibility",
            "uptime",
            "synthetic",
        ),
    ),
    (
        "process",
        (
            "document",
            "documented",
            "documentation",
            "docs",
            "guide",
            "wiki",
            "runbook",
            "playbook",
            "checklist",
            "process",
            "procedure",
            "procedures",
            "training",
            "learning path",
            "workshop",
            "guidelines",
            "communication",
            "communicate",
            "mailing list",
            "subscribe",
            "discuss",
            "discussion",
            "agree",
            "sla",
            "sla's",
        ),
    ),
    (
        "mitigate",
        (
            "rollback",
            "roll back",
            "recover",
            "recovery",
            "failover",
            "fallback",
            "restart",
            "workaround",
            "mitigate",
            "mitigation",
            "self-heal",
        ),
    ),
)
DEFAULT_ACTION_KIND = "prevent"
# A link to one of these becomes the item's `ticket`.
TICKET_URL = r"https?://\S+/(?:issues|pull|pulls|merge_requests|browse|tickets?)/[\w.-]+"

# ------------------------------------------------------------------ suggestions

# Sections whose words suggest categories and a trigger (with the title).
SUGGEST_FROM: tuple[str, ...] = ("summary", "causes")
MAX_CATEGORIES = 3
# Severity written in the text: "Severity: SEV2", "**Severity**: 2".
SEVERITY_LINE = r"^\W*severity\W*[:=]\s*\**\s*(?P<value>[A-Za-z]*\s*\d+|[A-Za-z]+)"
