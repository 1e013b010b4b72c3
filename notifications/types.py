"""What crosses into ``notifications``: messages to send and the result of sending them.

``notifications.delivery`` turns outbox rows into these; this module imports nothing of
solesource, so a channel plugin needs only it and ``notifications.base``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any


def short_repr(value: Any, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters, so a hostile value cannot flood a message
    (the CLI, the settings and the subscription checks quote bad input through it)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Item:
    """One justification (or reminder) as a subscriber reads it."""

    key: str  # the outbox key: unique per (subscription, justification, material state)
    kind: str  # "match", "update", "reminder" or "award" (an award event)
    title: str
    agency: str
    agency_path: str
    vendor: str | None
    amount_usd: float | None
    redacted_amount: bool
    authority: str  # in plain words
    citations: list[str]
    key_dates: list[tuple[str, str]]  # (label, ISO date)
    rationale: str | None
    quote: str | None  # the sentence a value came from
    notice_type: str | None
    posted_date: str | None
    source_url: str | None
    browse_url: str | None
    why: str  # why it matched: "agency: DHS ⊃ ICE; amount ≥ $1M"
    change: str | None = None  # "amount $17M → $30M" on an update; an award event's fact
    response_due: str | None = None
    # an award event (kind "award"): what happened, and the fact's tier and source
    event: str | None = None  # "obligations passed the justified amount"
    event_code: str | None = None  # "obligations_exceeded": what a receiver filters on
    fact_tier: str | None = None  # primary, secondary or inferential
    fact_rule: str | None = None  # how an inferential fact was computed
    fact_source: str | None = None  # "USAspending award 70CMSD22FR0000081"
    fact_url: str | None = None

    @property
    def amount_text(self) -> str:
        if self.amount_usd is not None:
            return f"${self.amount_usd:,.0f}"
        return "redacted" if self.redacted_amount else "not stated"


def batch_key(subscription_id: int, item_keys: list[str]) -> str:
    """The Message-ID / Idempotency-Key of a batch: a function of what it holds."""
    joined = "\n".join(sorted(item_keys))
    return hashlib.sha256(f"{subscription_id}|{joined}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Message:
    subscription_id: int
    subscriber: str
    subject: str
    items: tuple[Item, ...]
    unsubscribe_url: str | None = None
    manage_note: str | None = None

    @property
    def key(self) -> str:
        """Derived from the content: a re-send after a crash carries the same key."""
        return batch_key(self.subscription_id, [i.key for i in self.items])

    def by_agency(self) -> list[tuple[str, list[Item]]]:
        """Items grouped by agency, largest amounts first (a digest's order)."""
        groups: dict[str, list[Item]] = {}
        for item in self.items:
            groups.setdefault(item.agency or "Other", []).append(item)
        out = []
        for agency, items in groups.items():
            items.sort(key=lambda i: -(i.amount_usd or 0))
            out.append((agency, items))
        out.sort(key=lambda g: -max(i.amount_usd or 0 for i in g[1]))
        return out


@dataclass(frozen=True)
class DeliveryResult:
    target: str  # masked
    ok: bool
    retryable: bool = False
    status: int | None = None
    error: str | None = None
    retry_after: float | None = None  # seconds, when the service said so
    disable: bool = False  # the endpoint is gone: stop sending to it
    detail: dict[str, Any] = field(default_factory=dict)


class ConfigurationError(ValueError):
    """A channel is configured in a way that cannot work (bad URL, missing secret)."""
