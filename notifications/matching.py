"""Pure: does a notice match a subscription's filters, and why.

Filters AND together; the values inside one filter OR together. An agency filter covers
the agency's children ("DHS" matches ICE and CBP) and every alias ("ICE" = "DHS/ICE").
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from extractors import name_key, normalize_agency

NOTIFY_CLASSES = ("justification", "intent_to_sole_source")


@dataclass(frozen=True)
class Filters:
    """What one subscription wants to hear about. Empty fields match everything; the
    fields AND together and the values inside one field OR together (see ``match``).
    Frozen and hashable; stored as ``to_json()`` in the subscriptions table."""

    agencies: tuple[str, ...] = ()
    vendors: tuple[str, ...] = ()
    min_amount: float | None = None
    max_amount: float | None = None
    authorities: tuple[str, ...] = ()  # categories, e.g. "urgency"
    kinds: tuple[str, ...] = ()  # notice classes or document kinds
    keywords: tuple[str, ...] = ()
    naics: tuple[str, ...] = ()
    psc: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    # what happens after posting that the subscriber is to be told of too (``EVENTS``); a
    # subscription with none hears only of the notices themselves
    events: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Filters:
        """Filters from the stored JSON object (``to_json`` read back).

        :param data: field name -> a value or a list of values; lists become tuples of
          strings and amounts floats
        :raises ValueError: naming any key that is not a field
        """
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown filter(s) {sorted(unknown)}; use {sorted(known)}")
        values = {k: (tuple(str(x) for x in v) if isinstance(v, list | tuple) else v)
                  for k, v in data.items()}
        for key in ("min_amount", "max_amount"):
            if values.get(key) is not None:
                values[key] = float(values[key])
        return cls(**values)

    def to_json(self) -> str:
        """The filters as a JSON object holding only the fields that are set; ``from_dict``
        reads it back to equal filters."""
        return json.dumps({k: v for k, v in asdict(self).items() if v not in ((), None)})

    def describe(self) -> str:
        """One line for people (``subscribe list``, a subscription's default name):
        ``agencies: DHS; min amount: $1M``, or ``everything``."""
        parts = [f"{k.replace('_', ' ')}: {', '.join(v) if isinstance(v, tuple) else short(v)}"
                 for k, v in asdict(self).items() if v not in ((), None)]
        return "; ".join(parts) or "everything"


# the award events a subscription can ask for: the ``flag`` of a fact (monitor/facts.py)
EVENTS = {
    "obligations_exceeded": "obligations passed the justified amount",
    "posted_late": "justification posted late",
    "record_disagrees": "record and document disagree",
}


def short(amount: float) -> str:
    """An amount in dollars, short: ``$1M``, ``$2.5B``, ``$750K``, ``$999``."""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if amount >= size:
            value = amount / size
            return f"${value:.0f}{suffix}" if value == int(value) else f"${value:.1f}{suffix}"
    return f"${amount:,.0f}"


def _agency_reason(wanted: str, path: list[str]) -> str | None:
    found = normalize_agency(wanted)
    target = found["normalized"] if found else wanted
    if target in path:
        leaf = path[-1]
        return f"agency: {wanted}" if target == leaf else f"agency: {wanted} ⊃ {leaf}"
    return None


def match(filters: Filters, notice: dict[str, Any]) -> str | None:
    """Whether a notice matches a subscription's filters, and why. Pure: no database, no
    clock, the same answer for the same arguments.

    Without a ``kinds`` filter only justifications and notices of intent to sole-source
    (``NOTIFY_CLASSES``) match. An agency matches its children and every alias ("DHS"
    matches ICE); a vendor matches by UEI or by its name's key inside the notice's vendor
    name; a keyword matches, case-blind, in the title, description, rationale or vendor.
    A notice without an amount never passes an amount filter.

    :param filters: the subscription's filters
    :param notice: a row of the public ``notices`` table, as a dict
    :return: the reason shown to the subscriber (``agency: DHS ⊃ ICE; amount ≥ $1M``, or
      ``all sole-source notices`` with no filter), or None when it does not match
    """
    reasons: list[str] = []
    cls = notice.get("notice_class")
    if filters.kinds:
        if cls not in filters.kinds and notice.get("doc_kind") not in filters.kinds:
            return None
        reasons.append(f"kind: {cls if cls in filters.kinds else notice.get('doc_kind')}")
    elif cls not in NOTIFY_CLASSES:
        return None
    if filters.sources and notice.get("source") not in filters.sources:
        return None
    if filters.agencies:
        path = [p for p in (notice.get("agency_hierarchy") or "").split(" > ") if p]
        found = next((r for a in filters.agencies if (r := _agency_reason(a, path))), None)
        if not found:
            return None
        reasons.append(found)
    if filters.vendors:
        vendor, uei = notice.get("vendor") or notice.get("awardee") or "", notice.get(
            "awardee_uei") or ""
        hit = next((v for v in filters.vendors if v == uei or (
            name_key(v) and name_key(v) in name_key(vendor))), None)
        if not hit:
            return None
        reasons.append(f"vendor: {hit}")
    amount = notice.get("amount_usd")
    if filters.min_amount is not None:
        if amount is None or amount < filters.min_amount:
            return None
        reasons.append(f"amount ≥ {short(filters.min_amount)}")
    if filters.max_amount is not None:
        if amount is None or amount > filters.max_amount:
            return None
        reasons.append(f"amount ≤ {short(filters.max_amount)}")
    if filters.authorities:
        if notice.get("authority_category") not in filters.authorities:
            return None
        reasons.append(f"authority: {notice.get('authority_category')}")
    if filters.naics and (notice.get("naics") or "") not in filters.naics:
        return None
    if filters.psc and (notice.get("psc") or "") not in filters.psc:
        return None
    if filters.keywords:
        hay = " ".join(str(notice.get(k) or "") for k in (
            "title", "description", "rationale", "vendor")).lower()
        hit = next((k for k in filters.keywords if k.lower() in hay), None)
        if not hit:
            return None
        reasons.append(f"keyword: {hit}")
    return "; ".join(reasons) or "all sole-source notices"


def snapshot(notice: dict[str, Any]) -> dict[str, Any]:
    """The material facts of a notice row: vendor, amount, authority, deadline and class.

    The outbox keys a subscriber's message on these, so an amendment notifies again only
    when one of them changed. Pure; JSON-serialisable.
    """
    return {"vendor": notice.get("vendor"), "amount_usd": notice.get("amount_usd"),
            "authority": notice.get("authority_category"),
            "deadline": notice.get("response_due") or notice.get("next_deadline"),
            "class": notice.get("notice_class")}


def change_note(before: dict[str, Any], after: dict[str, Any]) -> str | None:
    """What changed between two ``snapshot`` s, for people: ``amount $1M → $2M; vendor
    not stated → Acme Inc.``; None when nothing material changed. Pure."""
    labels = {"vendor": "vendor", "amount_usd": "amount", "authority": "authority",
              "deadline": "deadline", "class": "notice"}
    parts = []
    for key, label in labels.items():
        if before.get(key) != after.get(key):
            old, new = before.get(key), after.get(key)
            if key == "amount_usd":
                old = short(old) if old is not None else "not stated"
                new = short(new) if new is not None else "not stated"
            parts.append(f"{label} {old or 'not stated'} → {new or 'not stated'}")
    return "; ".join(parts) or None
