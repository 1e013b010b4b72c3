"""Backfill from SAM.gov's Contract Opportunities data-extract CSV (~200 MB, cp1252).

Streamed line by line — from a local path or over HTTP — through the csv module (fields
hold multi-line HTML), filtered to justification rows and likely intent notices; never
loaded whole.
"""

from __future__ import annotations

import codecs
import csv
import re
import sys
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from extractors.html import html_to_text
from monitor import http
from monitor.errors import SourceError, Unavailable
from monitor.models import Notice, RawRecord, normalize_amount
from monitor.sources.base import PollContext
from monitor.sources.samgov import JUSTIFICATION_TYPES

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

INTENT_TYPES = {"Special Notice", "Presolicitation", "Combined Synopsis/Solicitation"}
INTENT_WORDS = re.compile(
    r"sole[\s-]*source|single[\s-]*source(?!\s+of\s+truth)|intent\w*\s+to\s+(?:award|sole|negotiate)|"
    r"only\s+one\s+(?:responsible\s+)?source|j\s*&\s*a\b|justification|brand[\s-]*name|"
    r"other\s+than\s+full\s+and\s+open|limited[\s-]*source|noncompetitive|non-competitive",
    re.I)


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r(?!$)|\n)")


def decoded_lines(chunks: Iterable[bytes], encoding: str = "cp1252") -> Iterator[str]:
    """Bytes → text lines, keeping line ends, which csv needs for quoted newlines. Only
    CR/LF end a line: ``str.splitlines`` would also break at form feeds and vertical tabs,
    which descriptions pasted from PDFs contain, and cut a record in two."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    carry = ""
    for chunk in chunks:
        carry += decoder.decode(chunk)
        end = 0
        for m in _LINE.finditer(carry):
            yield m.group(0)
            end = m.end()
        carry = carry[end:]
    carry += decoder.decode(b"", final=True)
    end = 0
    for m in re.finditer(r"[^\r\n]*(?:\r\n|\r|\n)", carry):
        yield m.group(0)
        end = m.end()
    if carry[end:]:
        yield carry[end:]


def is_candidate(row: dict[str, str]) -> bool:
    kinds = {row.get("Type") or "", row.get("BaseType") or ""}
    if kinds & JUSTIFICATION_TYPES:
        return True
    if kinds & INTENT_TYPES:
        return bool(INTENT_WORDS.search(row.get("Title") or "")
                    or INTENT_WORDS.search((row.get("Description") or "")[:4000]))
    return False


def normalize_row(row: dict[str, str]) -> Notice:
    def v(name: str) -> str | None:
        value = (row.get(name) or "").strip()
        return value or None

    agency = ".".join(p for p in (v("Department/Ind.Agency"), v("Sub-Tier"), v("Office")) if p)
    description = v("Description")
    notice_id = v("NoticeId") or ""
    return Notice(
        source="samgov", source_id=notice_id, title=v("Title"), notice_type=v("Type"),
        base_type=v("BaseType"), posted_date=(v("PostedDate") or "")[:10] or None,
        response_deadline=v("ResponseDeadLine"), archive_date=v("ArchiveDate"),
        solicitation_number=v("Sol#"), award_number=v("AwardNumber"), awardee=v("Awardee"),
        award_amount=normalize_amount(v("Award$")), agency_path=agency or None,
        agency_code=v("CGAC"), naics=v("NaicsCode"), psc=v("ClassificationCode"),
        set_aside=v("SetASideCode"), url=f"https://sam.gov/opp/{notice_id}/view",
        active={"Yes": True, "No": False}.get(v("Active") or ""),
        description=html_to_text(description) if description else None,
    )


def _open(ctx: PollContext, location: str) -> Iterator[bytes]:
    if not re.match(r"https?://", location):
        path = Path(location)
        if not path.exists():
            raise SourceError(f"CSV file {path} does not exist; pass a path or an http(s) URL")
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                yield chunk
        return
    url = httpx.URL(location)
    for _ in range(6):
        with ctx.client.stream("GET", url) as response:
            if response.is_redirect and response.headers.get("location"):
                url = url.join(response.headers["location"])
                if url.scheme not in ("http", "https"):
                    raise SourceError(f"refusing a redirect to a {url.scheme}: URL")
                continue
            if response.status_code != 200:
                raise Unavailable(f"CSV {http.redact_url(url)} answered {response.status_code}")
            yield from response.iter_bytes(1 << 20)
            return
    raise SourceError(f"too many redirects fetching {http.redact_url(location)}")


def backfill_csv(ctx: PollContext, location: str, date_from: date | None = None,
                 date_to: date | None = None) -> None:
    """Store every justification / likely intent row posted in [date_from, date_to]."""
    reader = csv.DictReader(decoded_lines(_open(ctx, location)))
    missing = {"NoticeId", "Type", "PostedDate"} - set(reader.fieldnames or [])
    if missing:
        raise SourceError(f"{location} is not the Contract Opportunities CSV "
                          f"(missing columns {sorted(missing)})")
    for count, row in enumerate(reader, 1):
        if count % 1000 == 0:
            ctx.progress.update(f"CSV rows read ({location.rsplit('/', 1)[-1]})", count)
        if not row.get("NoticeId") or not is_candidate(row):
            continue
        posted = (row.get("PostedDate") or "")[:10]
        if date_from and posted and posted < date_from.isoformat():
            continue
        if date_to and posted and posted > date_to.isoformat():
            continue
        payload: dict[str, Any] = {k: v for k, v in row.items() if k is not None}
        ctx.save(RawRecord("samgov", row["NoticeId"], "csv", payload), normalize_row(row))
