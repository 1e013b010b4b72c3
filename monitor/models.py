"""Value objects that cross the store boundary. Normalisation lives in each source."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalize_piid(value: str | None) -> str | None:
    """``W91CRB-25-C-A018`` and ``w91crb25ca018`` are the same contract number."""
    if not value:
        return None
    cleaned = re.sub(r"[^A-Z0-9]", "", value.upper())
    return cleaned or None


def normalize_amount(value: Any) -> str | None:
    """A money string as SAM.gov sends it ("5000000.00", "$1,200", "") → "5000000.00"."""
    if value is None:
        return None
    text = re.sub(r"[,$\s]", "", str(value))
    if not text:
        return None
    try:
        value = Decimal(text)
        return format(value.quantize(Decimal("0.01")), "f") if value.is_finite() else None
    except InvalidOperation:
        return None


@dataclass(frozen=True, slots=True)
class RawRecord:
    """A payload exactly as a source returned it (secrets scrubbed), kept for replay."""

    source: str
    source_id: str
    kind: str  # "search", "csv", "fr", "feed", "description", "detail"
    payload: Any

    @property
    def text(self) -> str:
        return self.payload if isinstance(self.payload, str) else canonical_json(self.payload)

    @property
    def sha256(self) -> str:
        return sha256_text(self.text)


# Fields whose change makes a new version of a notice. ``None`` means "this record
# does not say", so a CSV row without attachments does not erase what v2 told us.
MATERIAL_FIELDS = (
    "title", "notice_type", "base_type", "posted_date", "response_deadline",
    "solicitation_number", "award_number", "awardee", "award_amount", "attachment_ids",
)


@dataclass(frozen=True, slots=True)
class Notice:
    source: str
    source_id: str
    title: str | None = None
    notice_type: str | None = None
    base_type: str | None = None
    posted_date: str | None = None
    response_deadline: str | None = None
    archive_date: str | None = None
    solicitation_number: str | None = None
    award_number: str | None = None
    awardee: str | None = None
    awardee_uei: str | None = None
    award_amount: str | None = None
    authority_code: str | None = None
    agency_path: str | None = None
    agency_code: str | None = None
    naics: str | None = None
    psc: str | None = None
    set_aside: str | None = None
    url: str | None = None
    active: bool | None = None
    description: str | None = None
    parent_source_id: str | None = None
    attachment_urls: tuple[str, ...] | None = None
    attachment_ids: tuple[str, ...] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.source}:{self.source_id}"

    @property
    def family_key(self) -> str | None:
        """Links amendments: the award/PIID, else the solicitation number, without dashes."""
        return normalize_piid(self.award_number) or normalize_piid(self.solicitation_number)

    def material(self) -> dict[str, Any]:
        out = {}
        for name in MATERIAL_FIELDS:
            value = getattr(self, name)
            if value is not None:
                out[name] = list(value) if isinstance(value, tuple) else value
        return out

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
