"""solesource: watch federal postings for sole-source justifications."""

__version__ = "0.1.0"
