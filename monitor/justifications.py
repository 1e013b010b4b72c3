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

from extractors.fields.authority import plain_words
from extractors.fields.kind import doc_kind_words
from monitor.store import iso, upsert_row
from notifications.matching import change_note, snapshot

KINDS = {"justification": "Justification", "intent_to_sole_source": "Notice of intent"}
SOURCES = {"samgov": "SAM.gov", "fedreg": "Federal Register"}
MAX_SEARCH_TEXT = 400_000  # characters of document text indexed per notice


def refresh(db: Database, notice: dict[str, Any], columns: dict[str, Any],
            primary: tuple[str | None, str, dict[str, Any]] | None, documents: list[str],
            now: datetime) -> None:
    """Bring the reading tables in line with ``notice`` after ``columns`` were extracted."""
    notice = notice | columns
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
        for evidence in evidence_rows(notice["id"], primary[1], primary[2]):
            upsert_row(db, "evidence", "id", evidence)


def evidence_rows(notice_id: str, document: str, result: dict[str, Any]
                  ) -> list[dict[str, Any]]:
    """One row per extracted value that has a quote: field, value, quote, page, span."""
    found: list[tuple[str, Any, Any, dict[str, Any] | None, float | None]] = []
    for v in result.get("vendors") or []:
        found.append(("vendor", v["name"], v["name"], v.get("evidence"), v.get("confidence")))
    if result.get("amount"):
        a = result["amount"]
        found.append(("amount", a.get("value_usd"), a.get("text"), a.get("evidence"),
                      a.get("confidence")))
    if result.get("authority"):
        a = result["authority"]
        cites = a.get("citations") or []
        found.append(("authority", "; ".join(cites) or plain_words(a.get("category")),
                      cites[-1] if cites else None, a.get("evidence"), a.get("confidence")))
    if result.get("rationale"):
        r = result["rationale"]
        found.append(("rationale", r.get("summary"), None, r.get("evidence"), None))
    for d in result.get("dates") or []:
        found.append((f"date: {d['type']}", d["date"], d.get("text"), d.get("evidence"), None))
    rows = []
    for n, (name, value, written, ev, confidence) in enumerate(found):
        if not ev or not ev.get("quote"):
            continue
        rows.append({"id": f"{notice_id}#{n}", "notice_id": notice_id, "document": document,
                     "field": name, "value": _text(value),
                     "as_written": written, "quote": ev["quote"], "page": ev.get("page"),
                     "start": ev.get("start"), "end": ev.get("end"), "confidence": confidence})
    return rows


def _text(value: Any) -> str | None:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return None if value is None else str(value)


def _row(db: Database, notice: dict[str, Any],
         primary: tuple[str | None, str, dict[str, Any]] | None, now: datetime
         ) -> dict[str, Any]:
    result = primary[2] if primary else {}
    vendors = result.get("vendors") or []
    amount = result.get("amount") or {}
    citations = json.loads(notice.get("authority_citations") or "[]")
    hierarchy = (notice.get("agency_hierarchy") or "").split(" > ")
    document_url = None
    if primary and primary[0]:
        document_url = f"/-/attachment/{primary[0]}"
    numbers = result.get("contract_numbers") or []
    posted = notice.get("posted_date") or None
    return {
        "notice_id": notice["id"], "kind": KINDS[notice["notice_class"]],
        "title": notice.get("title"), "posted_date": posted,
        "month": posted[:7] if posted else None,
        "agency": notice.get("agency_normalized"),
        "department": hierarchy[0] or None, "agency_path": notice.get("agency_hierarchy"),
        "vendor": notice.get("vendor"),
        "vendor_group": vendors[0].get("canonical") or vendors[0]["name"] if vendors else None,
        "vendor_uei": vendors[0].get("uei") if vendors else None,
        "amount_usd": notice.get("amount_usd"),
        "redacted_amount": notice.get("redacted_amount") or 0,
        "amount_kind": amount.get("kind"),
        "authority": plain_words(notice.get("authority_category"))
        if notice.get("authority_category") else None,
        "authority_category": notice.get("authority_category"),
        "citations": "; ".join(citations) or None, "rationale": notice.get("rationale"),
        "next_deadline": notice.get("next_deadline"), "response_due": notice.get("response_due"),
        "document_kind": doc_kind_words(notice.get("doc_kind")),
        "contract_number": notice.get("award_number") or (numbers[0] if numbers else None),
        "solicitation_number": notice.get("solicitation_number"),
        "source": SOURCES.get(notice["source"], notice["source"]), "link": notice.get("url"),
        "document": primary[1] if primary and primary[0] else None,
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
