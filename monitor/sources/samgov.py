"""SAM.gov Get Opportunities v2: justifications (ptype=u) and likely intent notices.

Quota is the constraint (10 requests a day for a non-federal key), so the poller plans:
1. the live window (yesterday..today) — one request on a normal day;
2. backfill jobs, page by page, resuming tomorrow where the budget ran out;
3. descriptions (``noticedesc`` costs a request each), justifications first — or free from
   the unofficial keyless detail endpoint when ``sam.use_internal`` is on.
The cursor and job offsets are saved after every page, records before the cursor moves, so a
crash re-reads at most one page and the store's content hashes make that a no-op.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import date, timedelta
from typing import Any, ClassVar

import httpx

from extractors.html import html_to_text
from monitor import http
from monitor.budget import Budget
from monitor.errors import AuthError, BadPayload, RateLimited, SourceError
from monitor.models import Notice, RawRecord, normalize_amount
from monitor.sources.base import PollContext

log = logging.getLogger(__name__)

SEARCH_PATH = "/prod/opportunities/v2/search"
NOTICEDESC_PATH = "/prod/opportunities/v1/noticedesc"
MAX_WINDOW_DAYS = 364
JUSTIFICATION_TYPES = {"Justification", "Fair Opportunity / Limited Sources Justification",
                       "Justification and Approval (J&A)"}


def sam_date(d: date) -> str:
    return d.strftime("%m/%d/%Y")


def _str(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def normalize_record(rec: dict[str, Any]) -> Notice:
    """A v2 search record → Notice. Pure, so stored raw payloads can be replayed."""
    award = rec.get("award") or {}
    awardee = award.get("awardee") or {}
    links = [u for u in rec.get("resourceLinks") or [] if isinstance(u, str)]
    resource_ids = tuple(sorted(filter(None, (_resource_id(u) for u in links))))
    notice_id = rec["noticeId"]
    return Notice(
        source="samgov",
        source_id=notice_id,
        title=_str(rec.get("title")),
        notice_type=_str(rec.get("type")),
        base_type=_str(rec.get("baseType")),
        posted_date=(_str(rec.get("postedDate")) or "")[:10] or None,
        response_deadline=_str(rec.get("responseDeadLine")),
        archive_date=_str(rec.get("archiveDate")),
        solicitation_number=_str(rec.get("solicitationNumber")),
        award_number=_str(award.get("number")),
        awardee=_str(awardee.get("name")),
        awardee_uei=_str(awardee.get("ueiSAM")),
        award_amount=normalize_amount(award.get("amount")),
        agency_path=_str(rec.get("fullParentPathName")),
        agency_code=_str(rec.get("fullParentPathCode")),
        naics=_str(rec.get("naicsCode")),
        psc=_str(rec.get("classificationCode")),
        set_aside=_str(rec.get("typeOfSetAside")),
        url=f"https://sam.gov/opp/{notice_id}/view",
        active={"Yes": True, "No": False}.get(str(rec.get("active"))),
        attachment_urls=tuple(links) if links else None,
        attachment_ids=resource_ids or None,
    )


def _resource_id(url: object) -> str | None:
    m = re.search(r"/files/([0-9A-Za-z_-]+)", url) if isinstance(url, str) else None
    return m.group(1) if m else None


class SamGov:
    """The official, keyed v2 API (plus the keyless detail endpoint when enabled)."""

    name: ClassVar[str] = "samgov"

    def __init__(self) -> None:
        self._key = ""

    # -- entry points --------------------------------------------------------------------

    def poll(self, ctx: PollContext) -> None:
        budget = self._budget(ctx)
        try:
            self._live_window(ctx, budget)
            for job in ctx.store.backfill_jobs(self.name):
                self._run_job(ctx, budget, job)
            self._descriptions(ctx, budget)
        except RateLimited as exc:
            budget.block(exc.until)
            raise

    def backfill(self, ctx: PollContext, date_from: date, date_to: date) -> None:
        """Queue [date_from, date_to] as ≤364-day jobs, then work them within the budget."""
        start = date_from
        while start <= date_to:
            end = min(date_to, start + timedelta(days=MAX_WINDOW_DAYS - 1))
            ctx.store.add_backfill_job(self.name, start.isoformat(), end.isoformat(), ctx.clock())
            start = end + timedelta(days=1)
        self.poll(ctx)

    # -- planning ------------------------------------------------------------------------

    def _budget(self, ctx: PollContext) -> Budget:
        key = ctx.settings.sam.api_key
        if not key:
            raise AuthError(
                "SAM_API_KEY is not set: get a free key at https://sam.gov (Account Details → "
                "API Key) and export SAM_API_KEY=..., or poll only the Federal Register with "
                "--source federal_register")
        self._key = key.reveal()
        return Budget(ctx.store, key, ctx.settings.sam.daily_budget, ctx.clock)

    def _live_window(self, ctx: PollContext, budget: Budget) -> None:
        cursor = ctx.store.cursor(self.name)
        today = ctx.clock().date()
        live = cursor.get("live")
        if not live:
            lookback = ctx.settings.sam.lookback_days
            last = cursor.get("last_to")
            start = (date.fromisoformat(last) if last else today) - timedelta(days=lookback)
            start = max(start, today - timedelta(days=MAX_WINDOW_DAYS - 1))
            live = {"from": start.isoformat(), "to": today.isoformat(), "offset": 0}
        final = self._page_through(ctx, budget, live,
                                   lambda state: ctx.store.set_cursor(
                                       self.name, cursor | {"live": state}, ctx.clock()))
        cursor.pop("live", None)
        ctx.store.set_cursor(self.name, cursor | {"last_to": final["to"]}, ctx.clock())

    def _run_job(self, ctx: PollContext, budget: Budget, job: dict[str, Any]) -> None:
        state = {"from": job["date_from"], "to": job["date_to"], "offset": job["offset"] or 0}
        ctx.store.update_backfill_job(job["id"], ctx.clock(), state="running")

        def save(s: dict[str, Any]) -> None:
            ctx.store.update_backfill_job(job["id"], ctx.clock(), offset=s["offset"],
                                          total=s.get("total"))

        self._page_through(ctx, budget, state, save)
        ctx.store.update_backfill_job(job["id"], ctx.clock(), state="done")

    def _page_through(self, ctx: PollContext, budget: Budget, state: dict[str, Any],
                      save_state: Any) -> dict[str, Any]:
        """Walk one posted-date window by record offset, saving progress after each page."""
        while True:
            page = self._search(ctx, budget, state)
            records = page.get("opportunitiesData") or []
            for rec in records:
                self._save_record(ctx, rec)
            total = int(page.get("totalRecords") or 0)
            state = state | {"offset": state["offset"] + len(records), "total": total}
            save_state(state)
            ctx.progress.update(f"SAM.gov {state['from']}..{state['to']}", state["offset"], total)
            if not records or state["offset"] >= total:
                return state

    # -- requests ------------------------------------------------------------------------

    def _get(self, ctx: PollContext, budget: Budget, path: str,
             params: list[tuple[str, str]]) -> httpx.Response:
        sam = ctx.settings.sam

        def spend() -> None:
            budget.spend()
            ctx.stats.requests += 1

        return http.get(
            ctx.client, sam.api_base.rstrip("/") + path,
            params=[*params, ("api_key", sam.api_key.reveal())],
            headers={"Accept": "application/json"},
            retries=ctx.settings.http_retries, backoff=ctx.settings.retry_backoff,
            now=ctx.clock, before_attempt=spend, **({"sleep": ctx.sleep} if ctx.sleep else {}),
        )

    def _search(self, ctx: PollContext, budget: Budget, state: dict[str, Any]) -> dict[str, Any]:
        sam = ctx.settings.sam
        params = [
            ("postedFrom", sam_date(date.fromisoformat(state["from"]))),
            ("postedTo", sam_date(date.fromisoformat(state["to"]))),
            ("ptype", ",".join(sam.notice_types)),
            ("limit", str(sam.page_size)),
            ("offset", str(state["offset"])),
        ]
        response = self._get(ctx, budget, SEARCH_PATH, params)
        body = self._json(response, "search")
        if not isinstance(body, dict) or ("totalRecords" not in body
                                          and "opportunitiesData" not in body):
            raise BadPayload(f"SAM.gov search returned an unexpected body: {str(body)[:200]}")
        return body

    def _json(self, response: httpx.Response, what: str) -> Any:
        status = response.status_code
        body_text = _mask(response.text[:300], self._key)
        if status in (401, 403) or (status == 404 and "api_key" in response.text.lower()):
            raise AuthError(
                f"SAM.gov rejected the API key in SAM_API_KEY "
                f"({status}: {_mask(_error_message(response), self._key)}); "
                "check the key at https://sam.gov → Account Details, or renew it (keys expire "
                "every 90 days)")
        if status == 400:
            raise BadPayload(
                f"SAM.gov {what} refused our request (400): {_error_message(response)}")
        if status != 200:
            raise SourceError(f"SAM.gov {what} answered {status}: {body_text}")
        try:
            return response.json()
        except ValueError:
            kind = response.headers.get("content-type", "?")
            raise BadPayload(
                f"SAM.gov {what} returned {kind} that is not JSON (a challenge page or a "
                f"truncated body?): {body_text[:120]!r}") from None

    def _save_record(self, ctx: PollContext, rec: dict[str, Any]) -> None:
        if not isinstance(rec, dict) or not rec.get("noticeId"):
            raise BadPayload(f"SAM.gov record without noticeId: {str(rec)[:120]}")
        payload = _scrub(rec, ctx.settings.sam.api_key.reveal())
        ctx.save(RawRecord(self.name, rec["noticeId"], "search", payload),
                 normalize_record(payload))

    # -- descriptions --------------------------------------------------------------------

    def _descriptions(self, ctx: PollContext, budget: Budget) -> None:
        internal = ctx.settings.sam.use_internal
        pending = ctx.store.pending_descriptions(self.name)
        for done, row in enumerate(pending, 1):
            ctx.progress.update("SAM.gov descriptions", done, len(pending))
            if internal:
                from monitor.sources.samgov_internal import fetch_detail

                try:
                    fetch_detail(ctx, row)
                    continue
                except SourceError as exc:
                    log.warning("samgov: keyless detail for %s failed (%s); using noticedesc",
                                row["source_id"], exc)
            self._noticedesc(ctx, budget, row)

    def _noticedesc(self, ctx: PollContext, budget: Budget, row: dict[str, Any]) -> None:
        response = self._get(ctx, budget, NOTICEDESC_PATH, [("noticeid", row["source_id"])])
        now = ctx.clock()
        if response.status_code == 404:
            raw = RawRecord(self.name, row["source_id"], "description", {"status": 404})
            ctx.store.save_description(row["id"], raw, None, now)
            return
        body = self._json(response, "noticedesc")
        markup = body.get("description") if isinstance(body, dict) else None
        raw = RawRecord(self.name, row["source_id"], "description", body)
        text = html_to_text(markup) if isinstance(markup, str) and markup != "null" else None
        ctx.store.save_description(row["id"], raw, text, now)


def _error_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:120]
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):
            return f"{err.get('code')}: {err.get('message')}"
        return str(body.get("errorMessage") or body.get("message") or body)[:200]
    return str(body)[:200]


def _mask(text: str, key: str) -> str:
    return text.replace(key, "***") if key else text


def _scrub(rec: dict[str, Any], key: str) -> dict[str, Any]:
    if not key:
        return rec
    text = json.dumps(rec)
    return json.loads(text.replace(key, "***")) if key in text else rec
