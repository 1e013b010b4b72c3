"""The words a reader sees for the names the extractors give values (``pop_end``,
``per_year``): the CLI, the reading tables and the pages say these, never the names.

    >>> date_words("pop_end"), amount_kind_words("per_year")
    ('performance ends', 'a year')
"""

from __future__ import annotations

DATE_WORDS = {
    "response_due": "responses due", "prototype_due": "prototype due", "delivery": "delivery",
    "award": "award", "pop_start": "performance starts", "pop_end": "performance ends",
    "contract_expiration": "current contract expires", "signature": "signed",
    "other": "date mentioned",
}
AMOUNT_KIND_WORDS = {
    "estimated_total": "estimated total", "ceiling": "ceiling (not to exceed)",
    "base_plus_options": "base and all options", "per_year": "a year",
    "obligated": "obligated", "other": "amount",
}


def date_words(kind: str | None) -> str:
    """What a date's role is called for people; an unknown role is shown as written."""
    return DATE_WORDS.get(kind or "", (kind or "").replace("_", " "))


def amount_kind_words(kind: str | None) -> str:
    """What an amount's kind is called for people; an unknown kind is shown as written."""
    return AMOUNT_KIND_WORDS.get(kind or "", (kind or "").replace("_", " "))
