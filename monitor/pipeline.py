"""The stages, each safe to re-run: poll (sources → store) → attachments → (extract → match →
deliver, as those land). The CLI calls exactly one function from here per command."""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from monitor import attachments
from monitor.budget import Budget
from monitor.errors import AuthError, BudgetExhausted, RateLimited, SourceError
from monitor.http import make_client
from monitor.settings import Settings
from monitor.sources import NoProgress, PollContext, Progress, RunStats, load_sources
from monitor.store import Store, disk_full, iso

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
ATTACHMENT_SOURCES = {"samgov": "samgov", "federal_register": "fedreg"}


def system_clock() -> datetime:
    return datetime.now(UTC)


def open_store(settings: Settings) -> Store:
    return Store.open(settings.public_db, settings.private_db)


@dataclass
class RunResult:
    source: str
    status: str  # ok | error | budget | rate_limited | auth
    stats: RunStats
    error: str | None = None


def _run_source(store: Store, settings: Settings, name: str, clock: Clock,
                transport: httpx.BaseTransport | None, kind: str,
                work: Callable[[Any, PollContext], None],
                progress: Progress | None = None) -> RunResult:
    sources = load_sources()
    if name not in sources:
        raise SourceError(f"unknown source {name!r}; choose from {', '.join(sorted(sources))}")
    source = sources[name]()
    ctx = PollContext(store=store, settings=settings, clock=clock,
                      client=make_client(timeout=settings.http_timeout, transport=transport),
                      progress=progress or NoProgress())
    run_id = store.start_run(name, kind, clock())
    status, error = "ok", None
    try:
        work(source, ctx)
    except AuthError as exc:
        status, error = "auth", str(exc)
    except RateLimited as exc:
        status, error = "rate_limited", str(exc)
    except BudgetExhausted as exc:
        status, error = "budget", str(exc)
    except SourceError as exc:
        status, error = "error", str(exc)
    except Exception as exc:  # a bug in one source must not stop the others
        if disk_full(exc):
            raise  # no source can go on either: one line from the CLI
        status, error = "error", f"crash: {type(exc).__name__}: {exc}"
        log.error("%s crashed:\n%s", name, traceback.format_exc())
    try:
        # Attachments are keyless: fetch them even when the quota stopped the searches.
        if (status in ("ok", "budget", "rate_limited") and name in ATTACHMENT_SOURCES
                and _attachments_enabled(settings, name)):
            attachments.fetch_pending(ctx, ATTACHMENT_SOURCES[name])
    except Exception as exc:
        if disk_full(exc):
            raise
        ctx.stats.notes.append(f"attachments: {type(exc).__name__}: {exc}")
        log.error("%s attachments crashed:\n%s", name, traceback.format_exc())
    finally:
        ctx.client.close()
    if error is None and ctx.stats.notes:
        error = "; ".join(ctx.stats.notes)[:2000]
    store.finish_run(run_id, clock(), status, error, **ctx.stats.as_counts())
    log.info("%s %s: %s fetched=%d new=%d updated=%d requests=%d%s", name, kind, status,
             ctx.stats.fetched, ctx.stats.new, ctx.stats.updated, ctx.stats.requests,
             f" ({error})" if error else "")
    return RunResult(name, status, ctx.stats, error)


def _attachments_enabled(settings: Settings, name: str) -> bool:
    if name == "samgov":
        return settings.sam.fetch_attachments
    return settings.federal_register.fetch_full_text


def poll(settings: Settings, sources: list[str], *, clock: Clock = system_clock,
         transport: httpx.BaseTransport | None = None, store: Store | None = None,
         progress: Progress | None = None) -> list[RunResult]:
    """Poll each source once; one source's failure is recorded and the others go on."""
    own = store is None
    store = store or open_store(settings)
    try:
        return [_run_source(store, settings, name, clock, transport, "poll",
                            lambda src, ctx: src.poll(ctx), progress) for name in sources]
    finally:
        if own:
            store.close()


def backfill(settings: Settings, source: str, date_from: date, date_to: date, *,
             csv: str | None = None, clock: Clock = system_clock,
             transport: httpx.BaseTransport | None = None, store: Store | None = None,
             progress: Progress | None = None) -> RunResult:
    """Fetch a past date range: from the API within its budget, or from the bulk CSV."""
    own = store is None
    store = store or open_store(settings)

    def work(src: Any, ctx: PollContext) -> None:
        if csv is not None:
            from monitor.sources.samgov_csv import backfill_csv

            backfill_csv(ctx, csv, date_from, date_to)
        elif hasattr(src, "backfill"):
            src.backfill(ctx, date_from, date_to)
        else:
            raise SourceError(f"source {source!r} cannot backfill")

    try:
        return _run_source(store, settings, source, clock, transport, "backfill", work, progress)
    finally:
        if own:
            store.close()


def extract(settings: Settings, *, clock: Clock = system_clock, store: Store | None = None,
            progress: Progress | None = None) -> Any:
    """Extract every notice version not yet read by the current extractor version."""
    from monitor.extraction import extract_pending

    own = store is None
    store = store or open_store(settings)
    try:
        stats = extract_pending(store, settings, clock(), progress)
        log.info("extract: %d notices, %d documents, %d errors", stats.notices,
                 stats.documents, stats.errors)
        return stats
    finally:
        if own:
            store.close()


def match(settings: Settings, *, clock: Clock = system_clock, store: Store | None = None
          ) -> Any:
    """Match every newly extracted notice version against the subscriptions."""
    from monitor.outbox import match_new

    own = store is None
    store = store or open_store(settings)
    try:
        stats = match_new(store, clock())
        log.info("match: %d notices, %d queued, %d reminders", stats.notices, stats.queued,
                 stats.reminders)
        return stats
    finally:
        if own:
            store.close()


def deliver(settings: Settings, *, clock: Clock = system_clock, store: Store | None = None,
            **kwargs: Any) -> Any:
    """Send what is due in the outbox; retry what failed when its time comes."""
    from monitor.delivery import deliver as work_outbox

    own = store is None
    store = store or open_store(settings)
    try:
        stats = work_outbox(store, settings, clock(), **kwargs)
        log.info("deliver: %d sent, %d failed, %d dead, %d skipped", stats.sent, stats.failed,
                 stats.dead, stats.skipped)
        return stats
    finally:
        if own:
            store.close()


def enrich(settings: Settings, *, clock: Clock = system_clock,
           transport: httpx.BaseTransport | None = None, store: Store | None = None,
           progress: Progress | None = None) -> RunResult:
    """Find the awards of the justifications in USAspending (monitor/sources/usaspending.py),
    recorded in ``runs`` as source ``usaspending``, kind ``enrich``. A failure (4xx, 5xx,
    timeouts, the run's budget) is recorded, never raised: the other stages go on."""
    from monitor.sources.usaspending import Usaspending

    own = store is None
    store = store or open_store(settings)
    ctx = PollContext(store=store, settings=settings, clock=clock,
                      client=make_client(timeout=settings.http_timeout, transport=transport),
                      progress=progress or NoProgress())
    status, error = "ok", None
    try:
        run_id = store.start_run(Usaspending.name, "enrich", clock())
        try:
            Usaspending().enrich(ctx)
        except RateLimited as exc:
            status, error = "rate_limited", str(exc)
        except BudgetExhausted as exc:
            status, error = "budget", str(exc)
        except SourceError as exc:
            status, error = "error", str(exc)
        except Exception as exc:  # a bug here must not stop delivery
            if disk_full(exc):
                raise
            status, error = "error", f"crash: {type(exc).__name__}: {exc}"
            log.error("usaspending crashed:\n%s", traceback.format_exc())
        if error is None and ctx.stats.notes:
            error = "; ".join(ctx.stats.notes)[:2000]
        store.finish_run(run_id, clock(), status, error, **ctx.stats.as_counts())
    finally:
        ctx.client.close()
        if own:
            store.close()
    log.info("usaspending enrich: %s fetched=%d new=%d updated=%d requests=%d%s", status,
             ctx.stats.fetched, ctx.stats.new, ctx.stats.updated, ctx.stats.requests,
             f" ({error})" if error else "")
    return RunResult(Usaspending.name, status, ctx.stats, error)


def cycle(settings: Settings, sources: list[str], *, clock: Clock = system_clock,
          transport: httpx.BaseTransport | None = None, progress: Progress | None = None,
          send: bool = True, awards: bool | None = None) -> list[RunResult]:
    """One pass of the whole flow: poll → store → extract → enrich → match → deliver.

    ``awards``: run the USAspending enrich stage (default: when ``[usaspending] enabled``)."""
    store = open_store(settings)
    try:
        results = poll(settings, sources, clock=clock, transport=transport, store=store,
                       progress=progress)
        extract(settings, clock=clock, store=store, progress=progress)
        if settings.usaspending.enabled if awards is None else awards:
            results.append(enrich(settings, clock=clock, transport=transport, store=store,
                                  progress=progress))
        match(settings, clock=clock, store=store)
        if send:
            deliver(settings, clock=clock, store=store)
        return results
    finally:
        store.close()


def status(settings: Settings, *, clock: Clock = system_clock) -> dict[str, Any]:
    store = open_store(settings)
    try:
        quota: dict[str, Any] = {"budget": settings.sam.daily_budget}
        if settings.sam.api_key:
            b = Budget(store, settings.sam.api_key, settings.sam.daily_budget, clock)
            until = b.blocked_until()
            quota |= {"used": b.used(), "remaining": b.remaining(),
                      "blocked_until": iso(until) if until else None}
        outbox = dict(store.private.execute(
            "select state, count(*) from outbox group by state").fetchall())
        dead = [dict(zip(("id", "subscription_id", "kind", "last_error"), r, strict=True))
                for r in store.private.execute(
                    "select id, subscription_id, kind, last_error from outbox "
                    "where state = 'dead' order by id desc limit 10").fetchall()]
        disabled = [dict(zip(("id", "reason"), r, strict=True)) for r in store.private.execute(
            "select id, disabled_reason from subscriptions where state = 'disabled'").fetchall()]
        from monitor.awards import award_counts, lookup_counts

        return {
            "counts": store.counts(),
            "award_lookups": lookup_counts(store) | award_counts(store),
            "outbox": outbox, "dead_letters": dead, "disabled_subscriptions": disabled,
            "quota": quota,
            "runs": store.recent_runs(12),
            "backfills": store.backfill_jobs("samgov"),
            "public_db": str(settings.public_db),
            "private_db": str(settings.private_db),
        }
    finally:
        store.close()


def sam_interval(settings: Settings) -> timedelta:
    """Spread SAM.gov polls over the day, keeping half the budget for descriptions."""
    polls = max(1, settings.sam.daily_budget // 2)
    return max(timedelta(minutes=30), timedelta(days=1) / polls)


def run_forever(settings: Settings, *, clock: Clock = system_clock,
                stop: threading.Event | None = None, max_cycles: int | None = None) -> None:
    """The daemon: the Federal Register every 30 minutes, SAM.gov as the budget allows."""
    stop = stop or threading.Event()
    due: dict[str, datetime] = {}
    intervals = {"federal_register": timedelta(minutes=settings.fr_interval_minutes),
                 "feeds": timedelta(minutes=settings.fr_interval_minutes),
                 "samgov": sam_interval(settings)}
    if settings.usaspending.enabled:  # the enrich stage, on its own interval
        intervals["usaspending"] = timedelta(minutes=settings.usaspending.every_minutes)
    cycles = 0
    while not stop.is_set():
        now = clock()
        ready = [name for name in intervals if due.get(name, now) <= now]
        if not settings.sam.api_key and "samgov" in ready:
            ready.remove("samgov")
            due["samgov"] = now + timedelta(days=365)
            log.warning("SAM_API_KEY is not set: polling only the Federal Register and feeds")
        sources = [name for name in ready if name != "usaspending"]
        for result in cycle(settings, sources, clock=clock, awards="usaspending" in ready):
            due[result.source] = now + intervals[result.source]
        cycles += 1
        if max_cycles is not None and cycles >= max_cycles:
            return
        wake = min(due.values()) if due else now + timedelta(minutes=1)
        stop.wait(max(1.0, (wake - clock()).total_seconds()))
