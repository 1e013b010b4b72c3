"""Extract the facts of a sole-source justification, each with its evidence.

    from extractors import extract, load_path
    result = extract(load_path(Path("JA.pdf")))       # a SCHEMA.md object

Pure functions over text: this package imports neither ``monitor`` nor ``notifications``.
"""

from __future__ import annotations

import logging
from typing import Any

from extractors.fields.agency import TABLE as AGENCY_TABLE
from extractors.fields.agency import normalize as normalize_agency
from extractors.fields.amount import extract_amounts
from extractors.fields.authority import PLAIN as AUTHORITY_WORDS
from extractors.fields.authority import extract_authority, plain_words
from extractors.fields.dates import extract_dates, find_dates
from extractors.fields.kind import (
    DOC_KIND_WORDS,
    DUE_FIELD,
    RESPONSE,
    doc_kind,
    is_guidance,
    notice_class,
)
from extractors.fields.numbers import contract_numbers
from extractors.fields.rationale import extract_rationale
from extractors.fields.vendor import extract_vendors, name_key
from extractors.text import DEFAULT_LIMITS, Limits, load_bytes, load_path
from extractors.types import Document, Page

VERSION = 7  # bump to re-extract everything stored (7: fitted vendor model, notice shapes)
log = logging.getLogger(__name__)

__all__ = ["VERSION", "Document", "Limits", "Page", "extract", "load_bytes", "load_path",
           "plain_words", "DEFAULT_LIMITS",
           # what notifications reads to check and match subscriptions
           "AGENCY_TABLE", "AUTHORITY_WORDS", "DOC_KIND_WORDS", "name_key", "normalize_agency"]


def extract(doc: Document, notice: dict[str, Any] | None = None,
            doc_id: str | None = None) -> dict[str, Any]:
    """One SCHEMA.md object for one document (plus notice fields when ``notice`` is given).

    Never raises on document content: a bug met on a strange document becomes
    ``status: "error"`` with the reason in ``problems``, and the run goes on.
    """
    try:
        return _extract(doc, notice, doc_id)
    except Exception as exc:  # noqa: BLE001 - one document must not stop a run
        log.exception("extraction failed on %s", doc_id or doc.name)
        return {"id": doc_id or doc.name, "doc_kind": None, "agency": None, "vendors": [],
                "amount": None, "other_amounts": [], "redacted_amount": False,
                "authority": None, "rationale": None, "dates": [], "contract_numbers": [],
                "status": "error", "extractor_version": VERSION,
                "problems": [*doc.problems, f"extractor error: {type(exc).__name__}: {exc}"],
                **({"notice_class": "neither", "notice_reason": "extraction failed",
                    "response_due": None} if notice is not None else {})}


def _extract(doc: Document, notice: dict[str, Any] | None, doc_id: str | None
             ) -> dict[str, Any]:
    text = doc.text
    authority = extract_authority(doc)
    kind = doc_kind(text, authority is not None)
    if authority is None and kind == "fr_sole_source_notice":
        authority = extract_authority(doc, kind)
    amounts = extract_amounts(doc)
    meta_agency = " ".join(str(notice.get(k) or "") for k in ("department", "agency", "office")
                           ) if notice else ""
    agency = normalize_agency(text[:4000]) or (normalize_agency(meta_agency)
                                               if meta_agency.strip() else None)
    guide = is_guidance(text)
    dates = extract_dates(doc)
    if guide:  # a guide's dates are its examples and its own history, no action's deadlines
        first: dict[str, dict[str, Any]] = {}
        for d in dates:
            first.setdefault(d["date"], {**d, "type": "other"})
        dates = list(first.values())
    result: dict[str, Any] = {
        "id": doc_id or doc.name,
        "doc_kind": kind,
        "agency": agency,
        "vendors": [] if guide else extract_vendors(doc),
        **amounts,
        "authority": authority,
        "rationale": extract_rationale(doc),
        "dates": dates,
        "contract_numbers": contract_numbers(text),
        "status": doc.status,
        "problems": doc.problems,
        "extractor_version": VERSION,
    }
    if notice is not None:
        cls, reason = notice_class(text, notice)
        result["notice_class"] = cls
        result["notice_reason"] = reason
        due = None
        if cls == "intent_to_sole_source":
            due = response_due(text) or _metadata_due(notice)
        result["response_due"] = due
    return result


def _metadata_due(notice: dict[str, Any]) -> str | None:
    """SAM.gov's own response deadline, when the text gives none."""
    for key in ("response_deadline", "responseDeadLine", "response_date", "close_dt"):
        value = notice.get(key)
        if isinstance(value, str) and len(value) >= 10 and value[:4].isdigit():
            return value[:10]
    return None


def response_due(text: str) -> str | None:
    """The date by which an intent notice invites capability statements."""
    dates = find_dates(text)
    for m in list(DUE_FIELD.finditer(text)) + list(RESPONSE.finditer(text)):
        after = [d for d in dates if m.end() - 5 <= d[0] <= m.end() + 120]
        if after:
            return after[0][2]
    return None


