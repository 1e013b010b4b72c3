"""Atom feeds of any table, view or canned query whose rows are notices.

A result with ``notice_id`` (or, in ``notices``, ``id``) and ``title`` columns can be followed
in a feed reader by adding ``.atom`` to its address (Datasette shows the link); any other
result has no feed (404). Entries link to the notice's page here;
their content is plain text, so nothing in a document can become markup in a reader.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any
from xml.etree import ElementTree as ET

from datasette.utils.asgi import NotFound, Response

from monitor.browse.links import notice_path

ATOM = "http://www.w3.org/2005/Atom"
DATE_COLUMNS = ("posted_date", "detected_at", "deadline", "updated_at")
SUMMARY_COLUMNS = ("agency", "vendor", "amount_usd", "authority", "note", "rationale",
                   "next_deadline", "deadline", "what", "metadata_disagreements")


NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return NOT_XML.sub("", text)


def _timestamp(value: Any) -> str:
    text = str(value or "1970-01-01")
    if len(text) == 10:
        return text + "T00:00:00Z"
    return text.replace("+00:00", "Z")


def _summary(row: dict[str, Any]) -> str:
    parts = []
    for column in SUMMARY_COLUMNS:
        value = row.get(column)
        if value is None or value == "":
            continue
        if column == "amount_usd" and isinstance(value, int | float):
            value = f"${value:,.0f}"
        parts.append(f"{column.removesuffix('_usd').replace('_', ' ')}: {value}")
    return "\n".join(parts)


def notice_columns(columns: list[str], table: str | None) -> dict[str, str] | None:
    """How a result's columns map to an entry's notice id and title, or None when its rows
    are not notices (then there is no feed of it)."""
    key = "id" if table == "notices" else "notice_id"
    if {key, "title"} <= set(columns):
        return {"notice_id": key, "title": "title"}
    return None


def can_render(columns: list[str], table: str | None = None) -> bool:
    """Whether Datasette offers the ``atom`` link for this result."""
    return notice_columns(columns, table) is not None


async def atom_feed(datasette: Any, request: Any, rows: list[Any], columns: list[str],
                    sql: str, query_name: str | None, database: str, table: str | None,
                    data: dict[str, Any]) -> Response:
    """The Atom document for a result that lists notices; 404 (NotFound) for any other."""
    mapping = notice_columns(columns, table)
    if mapping is None:
        raise NotFound("There is no feed of this list: its rows are not notices. "
                       "Use .json or .csv instead.")
    title = None
    if query_name:
        title = ((datasette.metadata(database=database) or {}).get("queries", {})
                 .get(query_name, {}).get("title"))
    elif table:
        title = (datasette.metadata(database=database, table=table) or {}).get("title") or table
    items = [dict(zip(columns, row, strict=False)) for row in rows]
    if mapping["notice_id"] != "notice_id":
        items = [item | {"notice_id": item[mapping["notice_id"]]} for item in items]
    return feed_response(datasette, request, title or "query", items)


def feed_response(datasette: Any, request: Any, title: str, items: list[dict[str, Any]]
                  ) -> Response:
    """The Atom document titled ``solesource: <title>`` with one entry per item; an item has
    ``notice_id`` and ``title``, and any of the date and summary columns."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}title").text = _clean(f"solesource: {title}")
    ET.SubElement(feed, f"{{{ATOM}}}id").text = request.url
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=request.url)
    base = request.url.split("/", 3)[:3]
    origin = "/".join(base)
    stamps = [_timestamp(next((r.get(c) for c in DATE_COLUMNS if r.get(c)), None))
              for r in items]
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = max(stamps, default="1970-01-01T00:00:00Z")
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = "solesource"
    for item, stamp in zip(items, stamps, strict=True):
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        notice_id = str(item["notice_id"])
        href = origin + datasette.urls.path(notice_path(notice_id))
        key = hashlib.sha256(f"{notice_id}|{stamp}|{item.get('note') or ''}".encode())
        ET.SubElement(entry, f"{{{ATOM}}}id").text = f"urn:solesource:{key.hexdigest()[:32]}"
        ET.SubElement(entry, f"{{{ATOM}}}title").text = _clean(str(item.get("title") or notice_id))
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = stamp
        ET.SubElement(entry, f"{{{ATOM}}}link", href=href)
        ET.SubElement(entry, f"{{{ATOM}}}content", type="text").text = _clean(_summary(item))
    body = ET.tostring(feed, encoding="unicode", xml_declaration=False)
    return Response('<?xml version="1.0" encoding="utf-8"?>\n' + body,
                    content_type="application/atom+xml; charset=utf-8")
