"""Extract the facts of a sole-source justification, each with its evidence.

    from extractors import extract, load_path
    result = extract(load_path(Path("JA.pdf")))       # an Extraction
    result.to_json()                                   # its SCHEMA.md object

Pure functions over text: this package imports neither ``monitor`` nor ``notifications``.
What other packages use is exported here; ``extractors.fields`` is this package's inside.
"""

from __future__ import annotations

import logging
from typing import Any

from extractors.fields.agency import TABLE as AGENCY_TABLE
from extractors.fields.agency import load_table as agency_table
from extractors.fields.agency import normalize as normalize_agency
from extractors.fields.agency import path_of as agency_path_of
from extractors.fields.amount import extract_amounts
from extractors.fields.authority import PLAIN as AUTHORITY_WORDS
from extractors.fields.authority import extract_authority, plain_words
from extractors.fields.dates import extract_dates, find_dates
from extractors.fields.kind import (
    DOC_KIND_WORDS,
    DUE_FIELD,
    RESPONSE,
    doc_kind,
    doc_kind_words,
    is_guidance,
    notice_class,
)
from extractors.fields.numbers import contract_numbers
from extractors.fields.rationale import extract_rationale
from extractors.fields.vendor import extract_vendors, name_key
from extractors.text import DEFAULT_LIMITS, Limits, load_bytes, load_path
from extractors.types import (
    Agency,
    Amount,
    Authority,
    DateValue,
    Document,
    Evidence,
    Extraction,
    NoticeReading,
    OtherAmount,
    Page,
    Rationale,
    Vendor,
    columns,
)
from extractors.words import amount_kind_words, date_words

VERSION = 8  # bump to re-extract everything stored (8: date ranges, rationale labels, quotes)
log = logging.getLogger(__name__)

__all__ = ["AGENCY_TABLE", "AUTHORITY_WORDS", "DEFAULT_LIMITS", "DOC_KIND_WORDS", "VERSION",
           "Agency", "Amount", "Authority", "DateValue", "Document", "Evidence", "Extraction",
           "Limits", "NoticeReading", "OtherAmount", "Page", "Rationale", "Vendor",
           "agency_of", "agency_path_of", "agency_table", "amount_kind_words", "columns",
           "date_words", "doc_kind_words", "extract",
           "load_bytes", "load_path", "name_key", "normalize_agency", "plain_words", "response_due"]


def extract(doc: Document, notice: dict[str, Any] | None = None,
            doc_id: str | None = None) -> Extraction:
    """The facts of one document (plus the notice's class and response date when
    ``notice``, its SAM.gov metadata, is given); ``to_json()`` of it is one SCHEMA.md object.

    Never raises on document content: a bug met on a strange document becomes
    ``status == "error"`` with the reason in ``problems``, and the run goes on.
    """
    try:
        return _extract(doc, notice, doc_id)
    except Exception as exc:  # noqa: BLE001 - one document must not stop a run
        log.exception("extraction failed on %s", doc_id or doc.name)
        return Extraction(
            id=doc_id or doc.name, doc_kind=None, agency=None, vendors=(), amount=None,
            other_amounts=(), redacted_amount=False, authority=None, rationale=None, dates=(),
            contract_numbers=(), status="error",
            problems=(*doc.problems, f"extractor error: {type(exc).__name__}: {exc}"),
            extractor_version=VERSION,
            notice=NoticeReading("neither", "extraction failed", None)
            if notice is not None else None)


def agency_of(text: str) -> Agency | None:
    """The most specific agency ``text`` names earliest (e.g. SAM.gov's agency path),
    normalized with its hierarchy; None when it names none."""
    found = normalize_agency(text)
    return Agency.from_json(found) if found else None


def _extract(doc: Document, notice: dict[str, Any] | None, doc_id: str | None
             ) -> Extraction:
    text = doc.text
    authority = extract_authority(doc)
    kind = doc_kind(text, authority is not None)
    if authority is None and kind == "fr_sole_source_notice":
        authority = extract_authority(doc, kind)
    amounts = extract_amounts(doc)
    meta_agency = " ".join(str(notice.get(k) or "") for k in ("department", "agency", "office")
                           ) if notice else ""
    agency = agency_of(text[:4000]) or (agency_of(meta_agency) if meta_agency.strip() else None)
    guide = is_guidance(text)
    dates = [DateValue.from_json(d) for d in extract_dates(doc)]
    if guide:  # a guide's dates are its examples and its own history, no action's deadlines
        first: dict[str, DateValue] = {}
        for d in dates:
            first.setdefault(d.date, DateValue("other", d.date, d.text, d.evidence))
        dates = list(first.values())
    reading = None
    if notice is not None:
        cls, reason = notice_class(text, notice)
        due = None
        if cls == "intent_to_sole_source":
            due = response_due(text) or _metadata_due(notice)
        reading = NoticeReading(cls, reason, due)
    return Extraction(
        id=doc_id or doc.name,
        doc_kind=kind,
        agency=agency,
        vendors=() if guide else tuple(Vendor.from_json(v) for v in extract_vendors(doc)),
        amount=Amount.from_json(amounts["amount"]) if amounts["amount"] else None,
        other_amounts=tuple(OtherAmount.from_json(a) for a in amounts["other_amounts"]),
        redacted_amount=amounts["redacted_amount"],
        authority=Authority.from_json(authority) if authority else None,
        rationale=Rationale.from_json(r) if (r := extract_rationale(doc)) else None,
        dates=tuple(dates),
        contract_numbers=tuple(contract_numbers(text)),
        status=doc.status,
        problems=tuple(doc.problems),
        extractor_version=VERSION,
        notice=reading,
    )


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


