"""`kb import`: plain Markdown postmortems -> kb drafts.

rules.py     every inference rule as data (heading names, date formats, zones, words)
markdown.py  blocks, headings, sections, lists and tables of a Markdown text
foreign.py   front-matter other tools wrote (YAML, TOML, JSON)
dates.py     dates, times of day and time zones
timeline.py  timeline entries and the moments started / detected / mitigated / resolved
actions.py   action items from checkbox lists, tables and plain lists
suggest.py   categories and trigger suggested by the taxonomy's keywords
infer.py     one report's text -> a Draft with notes on how each field was found
render.py    a Draft -> the text of a kb postmortem (writing only)
run.py       sources -> outcomes: discovery, ids, paths, re-run detection, exclusive writes
"""

from kb.importing.dates import Zone, user_zone
from kb.importing.run import Importer, ImportReport, Outcome

__all__ = ["ImportReport", "Importer", "Outcome", "Zone", "user_zone"]
