"""Closing the learning loop: repeat failures, the review digest, watched risks, exports.

Pure functions over loaded front-matter and documents; nothing here reads files or
prints. `repeats` finds incidents an earlier incident's unkept `prevent` items could have
stopped, `tripwires` follows pre-mortem risks, `digest` gathers what needs a human, and
`export` turns documents into rows for spreadsheets and BI tools.
"""
