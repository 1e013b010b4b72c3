"""USAspending: find the award behind each justification, and its parent vehicle (issue 16).

Keyless, no published rate limit: about one request a second (``[usaspending] interval``)
and at most ``[usaspending] budget`` requests per run. For each due lookup (an identifier of
a justification, see ``monitor/awards.py``) it asks ``POST /api/v2/search/spending_by_award/``
for the exact PIID (in literal double quotes, without dashes) twice — contracts (A–D) and
IDVs, since the API refuses a mix — then ``GET /api/v2/awards/{generated_internal_id}/`` for
each award found and for its parent vehicle. Each snapshot is stored with its raw payload;
see ``../shared/api/usaspending.md`` for the contract.

Errors: a 4xx on a lookup is written on that lookup and the run goes on; a 5xx or a timeout
(after retries) or a 429 stops the run, recorded in ``runs``; other sources are unaffected.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar

import httpx

from monitor import awards, facts
from monitor.errors import BadPayload, BudgetExhausted, RateLimited, SourceError, Unavailable
from monitor.http import RETRY_STATUSES, parse_retry_at
from monitor.sources.base import PollContext

log = logging.getLogger(__name__)

CONTRACT_TYPES = ("A", "B", "C", "D")
IDV_TYPES = ("IDV_A", "IDV_B", "IDV_B_A", "IDV_B_B", "IDV_B_C", "IDV_C", "IDV_D", "IDV_E")
GROUPS = (("contracts", CONTRACT_TYPES), ("idvs", IDV_TYPES))
SEARCH_FIELDS = ("Award ID", "Recipient Name", "Recipient UEI", "Award Amount", "Start Date",
                 "End Date", "Awarding Agency", "Awarding Sub Agency", "Contract Award Type",
                 "generated_internal_id", "Last Modified Date", "Base Obligation Date")
EARLIEST = "2007-10-01"  # the search's earliest allowed start date
PAGE_LIMIT = 10
MAX_PAGES = 10
MAX_TEXT = 2000
GENERATED_ID = re.compile(r"[A-Za-z0-9_\-.]{1,300}")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")


# ---- parsing (pure) ------------------------------------------------------------------------

def _text(value: Any) -> str | None:
    """A string or a number as trimmed text (cut to MAX_TEXT); anything else is None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):
        return str(value) if math.isfinite(value) else None
    if isinstance(value, int):
        return str(value) if abs(value) < 10**30 else None
    if isinstance(value, str):
        text = value.strip()
        return text[:MAX_TEXT].rstrip() or None
    return None


def _money(value: Any) -> float | None:
    """A JSON number (or a numeric string) as a finite float; anything else is None."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        if isinstance(value, int | float):
            number = float(value)
        elif isinstance(value, str):
            number = float(value.replace(",", "").replace("$", "").strip())
        else:
            return None
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _day(value: Any) -> str | None:
    """``YYYY-MM-DD`` from a date or ``YYYY-MM-DD HH:MM:SS`` string, if it is a real date."""
    text = _text(value)
    if text is None or not ISO_DATE.match(text):
        return None
    try:
        return date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        return None


def _stamp(value: Any) -> str | None:
    text = _text(value)
    return text if text is not None and ISO_STAMP.fullmatch(text) and _day(text) else None


def _at(record: Any, *path: str) -> Any:
    for key in path:
        record = record.get(key) if isinstance(record, dict) else None
    return record


def parse_award(detail: Any, *, web_base: str, api_base: str) -> dict[str, Any]:
    """One ``awards`` row from an award detail payload (``GET /api/v2/awards/{id}/``).

    Takes the decoded JSON; returns the row without the bookkeeping columns (version,
    sha256, first_seen_at, fetched_at). Every value is a str, a finite float or None,
    whatever the payload holds; raises BadPayload only when there is no usable
    ``generated_unique_award_id``. ``url`` is the award's public page under ``web_base``,
    ``api_url`` the detail endpoint under ``api_base``.
    """
    if not isinstance(detail, dict):
        raise BadPayload(f"USAspending award detail is not an object: {str(detail)[:80]}")
    award_id = _text(detail.get("generated_unique_award_id"))
    if award_id is None or not GENERATED_ID.fullmatch(award_id):
        raise BadPayload("USAspending award detail has no usable generated_unique_award_id")
    tx = detail.get("latest_transaction_contract_data")
    pop = detail.get("period_of_performance")
    recipient = detail.get("recipient")
    parent = detail.get("parent_award")
    parent_id = _text(_at(parent, "generated_unique_award_id"))
    if parent_id is not None and not GENERATED_ID.fullmatch(parent_id):
        parent_id = None
    agency = detail.get("awarding_agency")
    return {
        "id": award_id, "piid": _text(detail.get("piid")),
        "category": _text(detail.get("category")), "type": _text(detail.get("type")),
        "type_description": _text(detail.get("type_description")),
        "recipient_name": _text(_at(recipient, "recipient_name")),
        "recipient_uei": _text(_at(recipient, "recipient_uei")),
        "parent_recipient_name": _text(_at(recipient, "parent_recipient_name")),
        "parent_recipient_uei": _text(_at(recipient, "parent_recipient_uei")),
        "total_obligation": _money(detail.get("total_obligation")),
        "base_exercised_options": _money(detail.get("base_exercised_options")),
        "base_and_all_options": _money(detail.get("base_and_all_options")),
        "date_signed": _day(detail.get("date_signed")),
        "pop_start": _day(_at(pop, "start_date")), "pop_end": _day(_at(pop, "end_date")),
        "pop_potential_end": _day(_at(pop, "potential_end_date")),
        "last_modified_date": _stamp(_at(pop, "last_modified_date")),
        **{name: _text(_at(tx, name)) for name in (
            "extent_competed", "extent_competed_description", "other_than_full_and_open",
            "other_than_full_and_open_description", "fair_opportunity_limited",
            "fair_opportunity_limited_description", "number_of_offers_received",
            "solicitation_identifier")},
        "parent_award_id": parent_id, "parent_piid": _text(_at(parent, "piid")),
        "awarding_agency": _text(_at(agency, "toptier_agency", "name")),
        "awarding_sub_agency": _text(_at(agency, "subtier_agency", "name")),
        "awarding_office": _text(_at(agency, "office_agency_name")),
        "url": f"{web_base.rstrip('/')}/award/{award_id}/",
        "api_url": f"{api_base.rstrip('/')}/api/v2/awards/{award_id}/",
    }


def search_body(piid: str, types: tuple[str, ...], page: int, today: date) -> dict[str, Any]:
    """The spending_by_award request for one exact PIID in one award-type group."""
    end = date(today.year + 1, 9, 30).isoformat()  # through the next fiscal year's end
    return {"filters": {"award_type_codes": list(types), "award_ids": [f'"{piid}"'],
                        "time_period": [{"start_date": EARLIEST, "end_date": end}]},
            "fields": list(SEARCH_FIELDS), "limit": PAGE_LIMIT, "page": page,
            "sort": "Award Amount", "order": "desc"}


def found_ids(body: Any, piid: str) -> tuple[list[str], bool]:
    """The generated ids of the results whose ``Award ID`` is exactly ``piid``, and
    whether there is a next page. BadPayload when the body is not a search answer."""
    if not isinstance(body, dict) or not isinstance(body.get("results"), list):
        raise BadPayload(f"USAspending search answer has no results list: {str(body)[:80]}")
    ids = []
    for row in body["results"]:
        if not isinstance(row, dict):
            continue
        gid = _text(row.get("generated_internal_id"))
        award = _text(row.get("Award ID"))
        if gid and GENERATED_ID.fullmatch(gid) and award and \
                re.sub(r"[^A-Z0-9]", "", award.upper()) == piid:
            ids.append(gid)
    more = _at(body, "page_metadata", "hasNext") is True
    return ids, more


# ---- the client ----------------------------------------------------------------------------

@dataclass
class Client:
    """Requests to USAspending within a per-run budget, spaced ``interval`` seconds apart,
    retried on 5xx and timeouts; every attempt is counted in ``ctx.stats.requests``."""

    ctx: PollContext
    budget: int
    interval: float
    sleep: Callable[[float], None] = time.sleep
    spent: int = 0
    _last: float | None = field(default=None, repr=False)

    @property
    def base(self) -> str:
        return self.ctx.settings.usaspending.base.rstrip("/")

    def _wait_turn(self) -> None:
        if self._last is not None and self.interval > 0:
            wait = self._last + self.interval - time.monotonic()
            if wait > 0:
                self.sleep(wait)
        self._last = time.monotonic()

    def _spend(self) -> None:
        if self.spent >= self.budget:
            raise BudgetExhausted(f"this run's USAspending budget of {self.budget} requests "
                                  "is spent; the rest waits for the next run")
        self.spent += 1
        self.ctx.stats.requests += 1

    def call(self, method: str, path: str, body: dict[str, Any] | None = None
             ) -> httpx.Response:
        """One request with retries; 429 raises RateLimited, 5xx/timeouts Unavailable
        after the last retry, anything else is returned for the caller to judge."""
        settings = self.ctx.settings
        url = self.base + path
        last = ""
        for attempt in range(settings.http_retries + 1):
            if attempt:
                self.sleep(settings.retry_backoff * 2 ** (attempt - 1))
            self._spend()
            self._wait_turn()
            try:
                response = self.ctx.client.request(method, url, json=body)
            except httpx.TimeoutException:
                last = f"USAspending timed out on {method} {path}"
                continue
            except httpx.TransportError as exc:
                last = f"{type(exc).__name__} on USAspending {method} {path}"
                continue
            if response.status_code == 429:
                until = parse_retry_at(response, self.ctx.clock())
                raise RateLimited(f"USAspending answered 429 on {path}; next access "
                                  f"{until.isoformat() if until else 'unknown'}", until)
            if response.status_code in RETRY_STATUSES:
                last = f"USAspending answered {response.status_code} on {method} {path}"
                continue
            return response
        raise Unavailable(f"{last} (after {settings.http_retries + 1} attempts)")

    def json(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self.call(method, path, body)
        if response.status_code >= 400:
            raise LookupFailed(response.status_code, _detail(response), path)
        try:
            return response.json()
        except ValueError:
            raise BadPayload(f"USAspending returned {response.headers.get('content-type')} "
                             f"instead of JSON on {path}") from None


class LookupFailed(SourceError):
    """USAspending refused one request (4xx): the lookup fails, the run goes on."""

    def __init__(self, status: int, detail: str, path: str):
        super().__init__(f"USAspending answered {status} on {path}: {detail}")
        self.status = status


def _detail(response: httpx.Response) -> str:
    """The DRF error envelope's ``detail`` as one short line."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    detail = body.get("detail") if isinstance(body, dict) else body
    if isinstance(detail, dict):
        detail = detail.get("message") or detail
    return str(detail)[:200]


# ---- the stage -----------------------------------------------------------------------------

class Usaspending:
    """The enrich stage's source: ``enrich(ctx)`` works the due lookups."""

    name: ClassVar[str] = "usaspending"

    def enrich(self, ctx: PollContext) -> None:
        """Look up every due identifier within the budget; see the module docstring."""
        settings = ctx.settings.usaspending
        client = Client(ctx, settings.budget, settings.interval,
                        sleep=ctx.sleep or time.sleep)
        now = ctx.clock()
        added = awards.sync_lookups(ctx.store, now)
        due = awards.due_lookups(ctx.store, now)
        log.info("usaspending: %d new lookups, %d due", added, len(due))
        seen: dict[str, list[dict[str, Any]]] = {}  # this run's answers, by PIID
        errors: list[str] = []
        for n, lookup in enumerate(due):
            ctx.progress.update("USAspending lookups", n, len(due))
            if awards.is_settled(ctx.store, lookup):
                continue
            try:
                rows = seen.get(lookup.piid)
                if rows is None:
                    rows = seen[lookup.piid] = self._find(client, lookup.piid, now)
            except (LookupFailed, BadPayload) as exc:
                awards.mark_error(ctx.store, lookup, ctx.clock(), str(exc))
                errors.append(f"{lookup.piid}: {exc}")
                continue
            except (Unavailable, RateLimited) as exc:
                awards.note_failure(ctx.store, lookup, str(exc))
                raise
            self._record(ctx, lookup, rows)
        ctx.progress.update("USAspending lookups", len(due), len(due))
        if errors:
            ctx.stats.notes.append(f"{len(errors)} lookup(s) failed: " + "; ".join(errors[:3]))

    def _find(self, client: Client, piid: str, now: datetime) -> list[dict[str, Any]]:
        """Every award with exactly this PIID (contracts, then IDVs), and each one's parent
        vehicle: ``[{"row", "payload", "relation"}]``, at most ``max_awards`` awards."""
        limit = client.ctx.settings.usaspending.max_awards
        ids: list[str] = []
        for _group, types in GROUPS:
            for page in range(1, MAX_PAGES + 1):
                body = client.json("POST", "/api/v2/search/spending_by_award/",
                                   search_body(piid, types, page, now.date()))
                found, more = found_ids(body, piid)
                ids.extend(i for i in found if i not in ids)
                if not more or len(ids) >= limit:
                    break
        out: list[dict[str, Any]] = []
        parents: list[str] = []
        for gid in ids[:limit]:
            payload, row = self._detail(client, gid)
            out.append({"row": row, "payload": payload, "relation": "award"})
            if row["parent_award_id"] and row["parent_award_id"] not in parents + ids:
                parents.append(row["parent_award_id"])
        for gid in parents:
            payload, row = self._detail(client, gid)
            out.append({"row": row, "payload": payload, "relation": "parent"})
        return out

    def _detail(self, client: Client, award_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
        settings = client.ctx.settings.usaspending
        payload = client.json("GET", f"/api/v2/awards/{award_id}/")
        row = parse_award(payload, web_base=settings.web_base, api_base=settings.base)
        return payload, row

    def _record(self, ctx: PollContext, lookup: awards.Lookup,
                found: list[dict[str, Any]]) -> None:
        """Store what a lookup found, link it to the notice, then schedule the next look."""
        now = ctx.clock()
        if not any(f["relation"] == "award" for f in found):
            awards.mark_not_found(ctx.store, lookup, now, ctx.settings.usaspending.give_up_days)
            return
        touched = False
        for item in found:
            row = item["row"]
            outcome = awards.save_award(ctx.store, item["payload"], row, now)
            ctx.stats.fetched += 1
            ctx.stats.new += outcome == "new"
            ctx.stats.updated += outcome == "updated"
            linked = awards.link(ctx.store, lookup.notice_id, row["id"], row["piid"],
                                 lookup.matched_on, item["relation"], now)
            touched = touched or linked or outcome != "unchanged"
        if touched:
            refresh_facts(ctx, lookup.notice_id, now)
        dates = [d for f in found if f["relation"] == "award"
                 for d in (f["row"]["date_signed"], f["row"]["last_modified_date"]) if d]
        awards.mark_found(ctx.store, lookup, now, max(dates, default=None))


def refresh_facts(ctx: PollContext, notice_id: str, now: datetime) -> None:
    """An award of ``notice_id`` was stored, changed or linked: restate its facts
    (monitor/facts.py). A kill before this is made good by ``facts.refresh_stale``."""
    with ctx.store.public.atomic():
        facts.refresh(ctx.store.public, notice_id, now)
