"""UNOFFICIAL: the keyless endpoints behind the sam.gov website.

No key and no quota, but undocumented and liable to change without notice. Used for:
- attachment lists (``/opps/v3/opportunities/{id}/resources``) and downloads — always;
- notice detail (description, the J&A authority code such as ``far2``, the parent notice)
  — only when ``sam.use_internal = true``.
"""

from __future__ import annotations

from typing import Any

from extractors.html import html_to_text
from monitor import http
from monitor.errors import BadPayload, SourceError
from monitor.models import RawRecord
from monitor.sources.base import PollContext

HAL = {"Accept": "application/hal+json, application/json;q=0.9, */*;q=0.8"}


def _get_json(ctx: PollContext, url: str) -> tuple[int, Any]:
    response = http.get(ctx.client, url, headers=HAL, retries=ctx.settings.http_retries,
                        backoff=ctx.settings.retry_backoff, now=ctx.clock,
                        **({"sleep": ctx.sleep} if ctx.sleep else {}))
    if response.status_code != 200:
        return response.status_code, None
    try:
        return 200, response.json()
    except ValueError:
        raise BadPayload(f"{http.redact_url(url)} returned {response.headers.get('content-type')}"
                         " that is not JSON") from None


def fetch_detail(ctx: PollContext, row: dict[str, Any]) -> None:
    """Description, authority code and parent notice from the keyless detail endpoint."""
    base = ctx.settings.sam.web_base.rstrip("/")
    status, body = _get_json(ctx, f"{base}/api/prod/opps/v2/opportunities/{row['source_id']}")
    if status != 200 or not isinstance(body, dict):
        raise SourceError(f"keyless detail for {row['source_id']} answered {status}")
    descriptions = body.get("description") or []
    first = descriptions[0] if descriptions else None
    markup = first.get("body") if isinstance(first, dict) else None
    text = html_to_text(markup) if markup else None
    raw = RawRecord("samgov", row["source_id"], "detail", body)
    ctx.store.save_description(row["id"], raw, text, ctx.clock())
    data2 = body.get("data2") or {}
    authority = ((data2.get("award") or {}).get("justificationAuthority") or {}).get("authority")
    parent = (body.get("parent") or {}).get("opportunityId")
    updates: dict[str, Any] = {}
    if authority:
        code = authority if isinstance(authority, str) else authority.get("code")
        updates["authority_code"] = code
    if parent and parent != row["source_id"]:
        updates["parent_notice_id"] = f"samgov:{parent}"
    if updates:
        ctx.store.set_notice(row["id"], **updates)


def list_resources(ctx: PollContext, notice_source_id: str) -> list[dict[str, Any]] | None:
    """The attachment rows of one notice, or None when the endpoint could not say."""
    base = ctx.settings.sam.web_base.rstrip("/")
    url = f"{base}/api/prod/opps/v3/opportunities/{notice_source_id}/resources"
    status, body = _get_json(ctx, url)
    if status == 404:
        return []
    if status != 200 or not isinstance(body, dict):
        return None
    out: list[dict[str, Any]] = []
    for group in (body.get("_embedded") or {}).get("opportunityAttachmentList") or []:
        out.extend(a for a in group.get("attachments") or [] if isinstance(a, dict))
    return out


def download_url(ctx: PollContext, resource_id: str) -> str:
    base = ctx.settings.sam.web_base.rstrip("/")
    return f"{base}/api/prod/opps/v3/opportunities/resources/files/{resource_id}/download"
