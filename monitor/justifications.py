"""The reading tables Datasette serves, kept up to date by the extract stage.

One row per justification or notice of intent in ``justifications`` — the latest notice of
each amendment chain — with the values in plain words, its full text in
``justification_search``, the quote behind every value in ``evidence`` and, when a new version
or an amendment changes a material fact, a row in ``changes`` ("amount $17M → $30M").
All writes happen inside the caller's transaction.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from extractors import Evidence, Extraction, columns, date_words, doc_kind_words, plain_words
from monitor.jobs import MAX_SEARCH_TEXT, JobResult
from monitor.store import iso, upsert_row
from notifications.matching import change_note, snapshot

KINDS = {"justification": "Justification", "intent_to_sole_source": "Notice of intent"}
SOURCES = {"samgov": "SAM.gov", "fedreg": "Federal Register"}


def refresh(db: Database, notice: dict[str, Any], extracted: dict[str, Any],
            primary: JobResult | None, documents: list[str], now: datetime) -> None:
    """Bring the reading tables in line with ``notice`` after its ``extracted`` columns
    (``notices`` columns) were read, ``primary`` being the document that is the
    justification and ``documents`` the text of each."""
    notice = notice | extracted
    if notice["notice_class"] not in KINDS:
        _remove(db, notice["id"])
        return
    if _superseded(db, notice["id"]):
        _remove(db, notice["id"])
        return
    before = _row_or_none(db, notice["id"])
    compared_with = None
    if before is not None and (before["version"] or 0) < notice["version"]:
        compared_with = f"{notice['id']}@{before['version']}"
    elif before is None and notice.get("previous_notice_id"):
        before = _row_or_none(db, notice["previous_notice_id"])
        if before is not None:
            compared_with = f"{before['notice_id']}@{before['version']}"
    row = _row(db, notice, primary, now)
    if compared_with and before is not None:
        _record_change(db, notice, before, row, compared_with, now)
    if notice.get("previous_notice_id"):
        _remove(db, notice["previous_notice_id"])
    upsert_row(db, "justifications", "notice_id", row)
    rowid = db.execute("select rowid from justifications where notice_id = ?",
                       [notice["id"]]).fetchone()[0]
    db.execute("delete from justification_search where rowid = ?", [rowid])
    db.execute(
        "insert into justification_search (rowid, title, agency, vendor, rationale, citations,"
        " documents) values (?, ?, ?, ?, ?, ?, ?)",
        [rowid, row["title"], row["agency_path"], row["vendor"], row["rationale"],
         row["citations"], "\n\n".join(documents)[:MAX_SEARCH_TEXT]])
    db.execute("delete from evidence where notice_id = ?", [notice["id"]])
    if primary is not None:
        for evidence in evidence_rows(notice["id"], primary.name, primary.result):
            upsert_row(db, "evidence", "id", evidence)


def evidence_rows(notice_id: str, document: str, result: Extraction) -> list[dict[str, Any]]:
    """One row per extracted value that has a quote: field, value, quote, page, span."""
    found: list[tuple[str, Any, str | None, Evidence | None, float | None]] = []
    for v in result.vendors:
        found.append(("vendor", v.name, v.name, v.evidence, v.confidence))
    if (a := result.amount) is not None:
        found.append(("amount", a.value_usd, a.text, a.evidence, a.confidence))
    if (auth := result.authority) is not None:
        cites = auth.citations
        found.append(("authority", "; ".join(cites) or plain_words(auth.category),
                      cites[-1] if cites else None, auth.evidence, auth.confidence))
    if (r := result.rationale) is not None:
        found.append(("rationale", r.summary, None, r.evidence, None))
    for d in result.dates:
        found.append((f"date: {date_words(d.type)}", d.date, d.text, d.evidence, None))
    rows = []
    for n, (name, value, written, ev, confidence) in enumerate(found):
        if ev is None or not ev.quote:
            continue
        rows.append({"id": f"{notice_id}#{n}", "notice_id": notice_id, "document": document,
                     "field": name, "value": _text(value),
                     "as_written": written, "quote": ev.quote, "page": ev.page,
                     "start": ev.start, "end": ev.end, "confidence": confidence})
    return rows


def _text(value: Any) -> str | None:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return None if value is None else str(value)


def _row(db: Database, notice: dict[str, Any], primary: JobResult | None, now: datetime
         ) -> dict[str, Any]:
    c = columns(primary.result if primary else None)
    citations = json.loads(notice.get("authority_citations") or "[]")
    hierarchy = (notice.get("agency_hierarchy") or "").split(" > ")
    document_url = None
    if primary and primary.attachment_id:
        document_url = f"/-/attachment/{primary.attachment_id}"
    posted = notice.get("posted_date") or None
    return {
        "notice_id": notice["id"], "kind": KINDS[notice["notice_class"]],
        "title": notice.get("title"), "posted_date": posted,
        "month": posted[:7] if posted else None,
        "agency": notice.get("agency_normalized"),
        "department": hierarchy[0] or None, "agency_path": notice.get("agency_hierarchy"),
        "vendor": notice.get("vendor"),
        "vendor_group": c["vendor_group"], "vendor_uei": c["vendor_uei"],
        "amount_usd": notice.get("amount_usd"),
        "redacted_amount": notice.get("redacted_amount") or 0,
        "amount_kind": c["amount_kind"],
        "authority": plain_words(notice.get("authority_category"))
        if notice.get("authority_category") else None,
        "authority_category": notice.get("authority_category"),
        "citations": "; ".join(citations) or None, "rationale": notice.get("rationale"),
        "next_deadline": notice.get("next_deadline"), "response_due": notice.get("response_due"),
        "document_kind": doc_kind_words(notice.get("doc_kind")),
        "contract_number": notice.get("award_number") or c["contract_number"],
        "solicitation_number": notice.get("solicitation_number"),
        "source": SOURCES.get(notice["source"], notice["source"]), "link": notice.get("url"),
        "document": primary.name if primary and primary.attachment_id else None,
        "document_url": document_url, "version": notice["version"],
        "previous_notice_id": notice.get("previous_notice_id"),
        "metadata_disagreements": notice.get("metadata_disagreements"),
        "updated_at": iso(now),
    }


def _record_change(db: Database, notice: dict[str, Any], before: dict[str, Any],
                   after: dict[str, Any], compared_with: str, now: datetime) -> None:
    def facts(row: dict[str, Any]) -> dict[str, Any]:
        return snapshot({"vendor": row["vendor"], "amount_usd": row["amount_usd"],
                         "authority_category": row["authority_category"],
                         "response_due": row["response_due"],
                         "next_deadline": row["next_deadline"],
                         "notice_class": row["kind"]})
    old, new = facts(before), facts(after)
    note = change_note(old, new)
    if note is None:
        return
    changed = ", ".join(k for k in new if old.get(k) != new.get(k))
    upsert_row(db, "changes", "id", {
        "id": f"{notice['id']}@{notice['version']}<{compared_with}",
        "notice_id": notice["id"], "version": notice["version"],
        "compared_with": compared_with, "changed": changed, "note": note,
        "amount_before": before["amount_usd"], "amount_after": after["amount_usd"],
        "detected_at": iso(now),
    })


def _row_or_none(db: Database, notice_id: str) -> dict[str, Any] | None:
    cursor = db.execute("select * from justifications where notice_id = ?", [notice_id])
    row = cursor.fetchone()
    return dict(zip([d[0] for d in cursor.description], row, strict=True)) if row else None


def _superseded(db: Database, notice_id: str) -> bool:
    """A later notice of the same amendment chain is already shown instead."""
    return db.execute(
        "select 1 from notices n join justifications j on j.notice_id = n.id "
        "where n.previous_notice_id = ?", [notice_id]).fetchone() is not None


def _remove(db: Database, notice_id: str) -> None:
    row = db.execute("select rowid from justifications where notice_id = ?",
                     [notice_id]).fetchone()
    if row is None:
        return
    db.execute("delete from justification_search where rowid = ?", [row[0]])
    db.execute("delete from evidence where notice_id = ?", [notice_id])
    db.execute("delete from justifications where notice_id = ?", [notice_id])
