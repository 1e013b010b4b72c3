"""www.federalregister.gov/api/v1: documents search (page numbers or search_after cursor),
single documents, RSS and full-text files."""

from __future__ import annotations

import base64
import json
import math
import re
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlencode
from xml.sax.saxutils import escape

from monitor.replay.wsgi import Replay, Request, Response, Route

DEFAULT_FIELDS = ["title", "type", "abstract", "document_number", "html_url", "pdf_url",
                  "public_inspection_pdf_url", "publication_date", "agencies", "excerpts"]
CONDITIONS = {"term", "type", "publication_date", "agencies", "effective_date", "docket_id"}
TYPE_CODES = {"RULE": "Rule", "PRORULE": "Proposed Rule", "NOTICE": "Notice",
              "PRESDOCU": "Presidential Document"}
CACHE = {"Cache-Control": "max-age=86400, public", "Access-Control-Allow-Origin": "*"}


def _phrases(term: str) -> list[str]:
    quoted = re.findall(r'"([^"]+)"', term)
    return [q.lower() for q in quoted] or [t.lower() for t in term.split() if t not in "|&"]


def _doc_urls(req: Request, doc: dict[str, Any]) -> dict[str, Any]:
    d = date.fromisoformat(doc["publication_date"])
    num = doc["document_number"]
    stem = f"{d:%Y/%m/%d}/{num}"
    base = req.host_url
    return {
        "html_url": doc.get("html_url") or f"https://www.federalregister.gov/documents/{stem}/x",
        "pdf_url": doc.get("pdf_url") or
        f"https://www.govinfo.gov/content/pkg/FR-{d:%Y-%m-%d}/pdf/{num}.pdf",
        "raw_text_url": f"{base}/documents/full_text/text/{stem}.txt",
        "body_html_url": f"{base}/documents/full_text/html/{stem}.html",
        "json_url": f"{base}/api/v1/documents/{num}.json?publication_date={d}",
    }


def _select(app: Replay, req: Request) -> tuple[list[dict[str, Any]], Response | None]:
    for key, _ in req.query:
        m = re.match(r"conditions\[(\w+)\]", key)
        if m and m.group(1) not in CONDITIONS:
            return [], Response.json(400, {"errors": {m.group(1): "is not a valid field"}})
    docs = list(app.data.fr_documents)
    term = req.arg("conditions[term]")
    if term:
        phrases = _phrases(term)
        docs = [d for d in docs if any(
            p in " ".join(str(d.get(k) or "") for k in ("title", "abstract")).lower()
            or p in app.data.fr_text(d).lower() for p in phrases)]
    types = {TYPE_CODES.get(t, t) for t in req.args("conditions[type][]")}
    if types:
        docs = [d for d in docs if d.get("type") in types]
    for op in ("gte", "lte", "is"):
        value = req.arg(f"conditions[publication_date][{op}]")
        if value is None:
            continue
        try:
            bound = date.fromisoformat(value).isoformat()
        except ValueError:
            return [], Response.json(400, {"errors": {
                "publication_date": "Publication Date is not a valid ."}})
        docs = [d for d in docs if {"gte": d["publication_date"] >= bound,
                                    "lte": d["publication_date"] <= bound,
                                    "is": d["publication_date"] == bound}[op]]
    oldest = req.arg("order") == "oldest"
    docs.sort(key=lambda d: (d["publication_date"], d["document_number"]), reverse=not oldest)
    return docs, None


def documents(app: Replay, req: Request, _: dict[str, str]) -> Response:
    docs, error = _select(app, req)
    if error is not None:
        return error
    try:
        per_page = int(req.arg("per_page", "20") or "20")
    except ValueError:
        per_page = 20
    per_page = 20 if per_page > 1000 or per_page < 1 else per_page
    page = max(1, int(req.arg("page", "1") or "1"))
    count = min(len(docs), 10000)
    desc = "Documents matching your search"
    if count == 0:
        return Response.json(200, {"description": desc, "count": 0}, **CACHE)
    cursor = req.arg("search_after_cursor")
    use_cursor = req.arg("order") in ("newest", "oldest") and not req.arg("conditions[term]")
    if cursor and use_cursor:
        ts, last = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        idx = next((i for i, d in enumerate(docs) if d["document_number"] == last), -1)
        rows = docs[idx + 1: idx + 1 + per_page]
    else:
        if page * per_page > 10000:
            return Response.json(400, {"status": 400, "message": "Pagination limit exceeded.  "
                                       "No more than 10000 items can be requested at a time"})
        rows = docs[(page - 1) * per_page: page * per_page]
    fields = req.args("fields[]") or DEFAULT_FIELDS
    results = [_project(req, d, fields) for d in rows]
    body: dict[str, Any] = {"description": desc, "count": count,
                            "total_pages": min(math.ceil(count / per_page), 50),
                            "results": results}
    remaining = docs.index(rows[-1]) + 1 < len(docs) if rows else False
    if remaining:
        params = sorted((k, v) for k, v in req.query
                        if k not in ("page", "search_after_cursor", "format"))
        params += [("format", "json"), ("page", str(page + 1))]
        if use_cursor:
            last_doc = rows[-1]
            ms = int(datetime.fromisoformat(last_doc["publication_date"]).replace(
                tzinfo=UTC).timestamp() * 1000)
            token = base64.urlsafe_b64encode(json.dumps(
                [ms, last_doc["document_number"]], separators=(",", ":")).encode()).decode()
            params.append(("search_after_cursor", token.rstrip("=")))
        body["next_page_url"] = f"{req.host_url}/api/v1/documents?{urlencode(sorted(params))}"
    if page > 1:
        body["previous_page_url"] = f"{req.host_url}/api/v1/documents?page={page - 1}"
    return Response.json(200, body, **CACHE)


def _project(req: Request, doc: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    full = {k: v for k, v in doc.items() if not k.startswith("_")} | _doc_urls(req, doc)
    return {f: full.get(f) for f in fields}


def document(app: Replay, req: Request, m: dict[str, str]) -> Response:
    for doc in app.data.fr_documents:
        if doc["document_number"] == m["num"]:
            return Response.json(200, _project(req, doc, list(doc) + list(_doc_urls(req, doc))),
                                 **CACHE)
    return Response.json(404, {"status": 404, "message": "Record Not Found"})


def rss(app: Replay, req: Request, _: dict[str, str]) -> Response:
    docs, error = _select(app, req)
    if error is not None:
        return error
    floor = (app.clock().date() - timedelta(days=30)).isoformat()
    docs = [d for d in docs if d["publication_date"] >= floor][:200]
    docs.sort(key=lambda d: (d["publication_date"], d["document_number"]), reverse=True)

    def when(d: dict[str, Any]) -> str:
        day = date.fromisoformat(d["publication_date"])
        return format_datetime(datetime(day.year, day.month, day.day, 4, tzinfo=UTC), usegmt=True)

    items = "".join(
        f"<item><title>{escape(d.get('title') or '')}</title>"
        f"<link>{escape(_doc_urls(req, d)['html_url'])}</link>"
        f"<description>{escape(d.get('abstract') or '')}</description>"
        f"<pubDate>{when(d)}</pubDate><guid>{escape(_doc_urls(req, d)['html_url'])}</guid>"
        f"<dc:creator>{escape(', '.join(a.get('name') or '' for a in d.get('agencies') or []))}"
        "</dc:creator></item>" for d in docs)
    xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
           'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
           "<title>Federal Register Documents matching your search</title>"
           f"<link>{escape(req.host_url)}/api/v1/documents.rss?{escape(urlencode(req.query))}</link>"
           f"<pubDate>{when(docs[0]) if docs else ''}</pubDate>"
           "<description>The documents in this feed originate from FederalRegister.gov"
           f"</description>{items}</channel></rss>")
    return Response.text(200, xml, "application/rss+xml; charset=utf-8")


def full_text(app: Replay, req: Request, m: dict[str, str]) -> Response:
    for doc in app.data.fr_documents:
        if doc["document_number"] == m["num"]:
            text = escape(app.data.fr_text(doc))
            html = ("<html><head><title>Federal Register</title></head><body><pre>"
                    f"{text}</pre></body></html>")
            return Response.text(200, html, "text/html; charset=utf-8")
    return Response.text(404, "Not Found")


ROUTES: list[Route] = [
    ("fr_documents", "GET", re.compile(r"/api/v1/documents(?:\.json)?"), documents),
    ("fr_rss", "GET", re.compile(r"/api/v1/documents\.rss"), rss),
    ("fr_document", "GET", re.compile(r"/api/v1/documents/(?P<num>[^/,]+)\.json"), document),
    ("fr_text", "GET", re.compile(
        r"/documents/full_text/(?:text|html)/\d{4}/\d{2}/\d{2}/(?P<num>[^/]+)\.(?:txt|html)"),
     full_text),
]
