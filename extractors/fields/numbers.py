"""Contract and solicitation numbers (PIIDs), normalised without dashes."""

from __future__ import annotations

import re

from fastscan import fast

PIID = re.compile(
    r"\b(?:(?:[A-Z][A-Z0-9]{5}|\d{2}[A-Z0-9]{4}|\d{6})-?\d{2}-?[A-Z]-?[A-Z0-9]{4,8}|"
    r"[A-Z0-9]{4,6}\d{2}[A-Z]\d{4,7}|[A-Z]{2}\d{2}[A-Z]\d{5,6}|\d{2}[A-Z]{2,4}\d{2}[A-Z]\d{5,8})"
    r"\b")
PIID = fast(PIID, documents=True)


def contract_numbers(text: str, limit: int = 10) -> list[str]:
    out: list[str] = []
    for m in PIID.finditer(text):
        raw = m.group(0)
        if not re.search(r"\d", raw) or not re.search(r"[A-Z]", raw) or len(raw) < 10:
            continue
        norm = re.sub(r"[^A-Z0-9]", "", raw.upper())
        if norm not in out:
            out.append(norm)
        if len(out) >= limit:
            break
    return out
