"""The Federal Register: the documents API for single/sole-source notices, and RSS feeds.

No key and no quota. The API pages with ``next_page_url``, which we follow verbatim (it may
carry a ``search_after_cursor``) and stop when it is absent.
"""

from __future__ import annotations

import logging
import re
from datetime import date, timedelta
from typing import Any, ClassVar

import feedparser

from extractors.html import html_to_text
from monitor import http
from monitor.errors import BadPayload, SourceError
from monitor.models import Notice, RawRecord, sha256_text
from monitor.sources.base import PollContext

log = logging.getLogger(__name__)

FIELDS = ("document_number", "title", "type", "abstract", "agencies", "publication_date",
          "html_url", "pdf_url", "raw_text_url", "action", "dates", "comments_close_on")
DOC_NUMBER_IN_URL = re.compile(r"/documents/\d{4}/\d{2}/\d{2}/([^/]+)")


def _text(value: Any) -> str | None:
    """A field as text; anything but a string or a number (a list, a dict) is not trusted."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | str):
        return str(value).strip() or None
    return None


def normalize_document(doc: dict[str, Any]) -> Notice:
    raw_agencies = doc.get("agencies")
    agencies = [_text(a.get("name")) or _text(a.get("raw_name"))
                for a in (raw_agencies if isinstance(raw_agencies, list) else [])
                if isinstance(a, dict)]
    raw_text = _text(doc.get("raw_text_url"))
    if raw_text and not raw_text.startswith(("https://", "http://")):
        raw_text = None
    return Notice(
        source="fedreg",
        source_id=str(doc["document_number"]),
        title=_text(doc.get("title")),
        notice_type=_text(doc.get("type")),
        posted_date=_text(doc.get("publication_date")),
        response_deadline=_text(doc.get("comments_close_on")),
        agency_path=".".join(a for a in agencies if a) or None,
        url=_text(doc.get("html_url")),
        description=_text(doc.get("abstract")),
        attachment_urls=(raw_text,) if raw_text else None,
        attachment_ids=("full_text",) if raw_text else None,
    )


class FederalRegister:
    name: ClassVar[str] = "federal_register"

    def poll(self, ctx: PollContext) -> None:
        fr = ctx.settings.federal_register
        cursor = ctx.store.cursor(self.name)
        today = ctx.clock().date()
        last = cursor.get("last_date")
        since = (date.fromisoformat(last) if last else today) - timedelta(days=fr.lookback_days)
        self.search(ctx, since, today)
        ctx.store.set_cursor(self.name, {"last_date": today.isoformat()}, ctx.clock())

    def backfill(self, ctx: PollContext, date_from: date, date_to: date) -> None:
        self.search(ctx, date_from, date_to)

    def search(self, ctx: PollContext, since: date, until: date) -> None:
        fr = ctx.settings.federal_register
        params: list[tuple[str, str]] = [
            ("conditions[term]", fr.term),
            ("conditions[type][]", "NOTICE"),
            ("conditions[publication_date][gte]", since.isoformat()),
            ("conditions[publication_date][lte]", until.isoformat()),
            ("order", "newest"),
            ("per_page", str(fr.per_page)),
            *[("fields[]", f) for f in FIELDS],
        ]
        url: str | None = fr.base.rstrip("/") + "/api/v1/documents.json"
        seen_pages = 0
        while url:
            body = self._get_json(ctx, url, params if seen_pages == 0 else None)
            seen_pages += 1
            for doc in body.get("results") or []:
                if isinstance(doc, dict) and doc.get("document_number"):
                    ctx.save(RawRecord("fedreg", str(doc["document_number"]), "fr", doc),
                             normalize_document(doc))
            url = body.get("next_page_url")
            if seen_pages > 500:
                raise BadPayload("the Federal Register kept sending next_page_url; stopped")

    def _get_json(self, ctx: PollContext, url: str,
                  params: list[tuple[str, str]] | None) -> dict[str, Any]:
        ctx.stats.requests += 1
        response = http.get(ctx.client, url, params=params, retries=ctx.settings.http_retries,
                            backoff=ctx.settings.retry_backoff, now=ctx.clock,
                            **({"sleep": ctx.sleep} if ctx.sleep else {}))
        if response.status_code != 200:
            raise SourceError(f"Federal Register answered {response.status_code}: "
                              f"{response.text[:200]}")
        try:
            body = response.json()
        except ValueError:
            raise BadPayload("the Federal Register returned "
                             f"{response.headers.get('content-type')} instead of JSON "
                             "(a CAPTCHA page?)") from None
        if not isinstance(body, dict):
            raise BadPayload(f"unexpected Federal Register body: {str(body)[:120]}")
        return body


class Feeds:
    """RSS/Atom feeds: the built-in Federal Register search plus any feed URL a user adds."""

    name: ClassVar[str] = "feeds"

    def feed_urls(self, ctx: PollContext) -> list[str]:
        fr = ctx.settings.federal_register
        builtin = (f"{fr.base.rstrip('/')}/api/v1/documents.rss?conditions%5Bterm%5D="
                   + _quote(fr.term) + "&conditions%5Btype%5D%5B%5D=NOTICE")
        return [builtin, *fr.feeds]

    def poll(self, ctx: PollContext) -> None:
        errors = []
        for url in self.feed_urls(ctx):
            try:
                self._one(ctx, url)
            except SourceError as exc:
                errors.append(str(exc))
        if errors:
            raise SourceError("; ".join(errors))

    def _one(self, ctx: PollContext, url: str) -> None:
        ctx.stats.requests += 1
        response = http.get(ctx.client, url, retries=ctx.settings.http_retries,
                            backoff=ctx.settings.retry_backoff, now=ctx.clock,
                            **({"sleep": ctx.sleep} if ctx.sleep else {}))
        if response.status_code != 200:
            raise SourceError(f"feed {http.redact_url(url)} answered {response.status_code}")
        parsed = feedparser.parse(response.content)
        if parsed.bozo and not parsed.entries:
            raise BadPayload(f"feed {http.redact_url(url)} is not RSS/Atom: "
                             f"{parsed.get('bozo_exception')}")
        for entry in parsed.entries:
            notice = normalize_entry(entry)
            if notice is not None:
                payload = {k: v for k, v in entry.items() if not k.endswith("_parsed")}
                ctx.save(RawRecord(notice.source, notice.source_id, "feed",
                                   payload if _jsonable(payload) else str(payload)), notice)


def normalize_entry(entry: Any) -> Notice | None:
    link = entry.get("link") or entry.get("id")
    if not link:
        return None
    published = entry.get("published_parsed") or entry.get("updated_parsed")
    posted = date(*published[:3]).isoformat() if published else None
    summary = entry.get("summary")
    m = DOC_NUMBER_IN_URL.search(link)
    if m and "federalregister.gov/" in link:
        source, source_id = "fedreg", m.group(1)
    else:
        source, source_id = "feed", sha256_text(entry.get("id") or link)[:20]
    return Notice(
        source=source, source_id=source_id, title=entry.get("title"),
        notice_type="Notice" if source == "fedreg" else None, posted_date=posted,
        agency_path=entry.get("author"), url=link,
        description=html_to_text(summary) if summary else None,
    )


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


def _jsonable(payload: dict[str, Any]) -> bool:
    import json

    try:
        json.dumps(payload)
        return True
    except (TypeError, ValueError):
        return False
