"""kb: a pre-mortem and postmortem knowledge base."""

__version__ = "0.1.0"
