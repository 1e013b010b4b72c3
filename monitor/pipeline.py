"""The stages, each safe to re-run: poll (sources → store) → attachments → (extract → match →
deliver, as those land). The CLI calls exactly one function from here per command.

Each stage takes the settings and, optionally, an open ``Store``: given one, it works in it
and leaves it open (its owner closes it, as ``cycle`` does); without one, it opens the
settings' store and closes it when done. Every stage commits as it goes, so a process
killed in the middle of one loses at most the step in flight, and the next run carries on.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from monitor import attachments, facts
from monitor.budget import Budget
from monitor.errors import AuthError, BudgetExhausted, RateLimited, SourceError
from monitor.http import make_client
from monitor.settings import Settings
from monitor.sources import NoProgress, PollContext, Progress, RunStats, load_sources
from monitor.store import Store, disk_full, iso, open_store

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
ATTACHMENT_SOURCES = {"samgov": "samgov", "federal_register": "fedreg"}


def system_clock() -> datetime:
    """Now, in UTC: the default ``clock`` of every stage (tests and replays pin their own)."""
    return datetime.now(UTC)


def _store(settings: Settings, store: Store | None) -> AbstractContextManager[Store]:
    """``store`` itself, left open on exit (its owner closes it); or, when None, the store of
    ``settings``, opened now and closed on exit."""
    return nullcontext(store) if store is not None else open_store(settings)


@dataclass
class RunResult:
    """How one source's run went: ``status`` is ``ok``, ``error``, ``budget`` (SAM.gov's
    daily budget ran out), ``rate_limited`` or ``auth``; ``error`` says why when not ok (or
    lists the notes of an ok run)."""

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
    status, error = _outcome(name, lambda: work(source, ctx))
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


def _outcome(name: str, call: Callable[[], None]) -> tuple[str, str | None]:
    """Run one source's work; its failure becomes a run status and a line, never an
    exception, so a bug in one source stops neither the others nor delivery. A full disk is
    the exception: nothing can go on, and the CLI says so in one line."""
    try:
        call()
    except AuthError as exc:
        return "auth", str(exc)
    except RateLimited as exc:
        return "rate_limited", str(exc)
    except BudgetExhausted as exc:
        return "budget", str(exc)
    except SourceError as exc:
        return "error", str(exc)
    except Exception as exc:
        if disk_full(exc):
            raise
        log.error("%s crashed:\n%s", name, traceback.format_exc())
        return "error", f"crash: {type(exc).__name__}: {exc}"
    return "ok", None


def _attachments_enabled(settings: Settings, name: str) -> bool:
    if name == "samgov":
        return settings.sam.fetch_attachments
    return settings.federal_register.fetch_full_text


def poll(settings: Settings, sources: list[str], *, clock: Clock = system_clock,
         transport: httpx.BaseTransport | None = None, store: Store | None = None,
         progress: Progress | None = None) -> list[RunResult]:
    """Poll each source once, then fetch the attachments of what it found.

    One source's failure is recorded (in ``runs`` and its ``RunResult``) and the others go
    on; only a full disk stops them all (it raises). Idempotent: a payload seen before
    changes nothing. Safe to kill: what was saved stays, each source's cursor only moves
    past saved records, and the next poll picks up from there.

    :param sources: names from ``monitor.sources.load_sources()``
    :param transport: an httpx transport for every request (tests)
    :param store: work in this open store (else the settings' own, opened and closed here)
    :param progress: told how far long steps got
    :returns: one ``RunResult`` per source, in the order given
    :raises SourceError: for an unknown source name
    """
    with _store(settings, store) as db:
        return [_run_source(db, settings, name, clock, transport, "poll",
                            lambda src, ctx: src.poll(ctx), progress) for name in sources]


def backfill(settings: Settings, source: str, date_from: date, date_to: date, *,
             csv: str | None = None, clock: Clock = system_clock,
             transport: httpx.BaseTransport | None = None, store: Store | None = None,
             progress: Progress | None = None) -> RunResult:
    """Fetch a past date range: from the API within its budget, or from the bulk CSV.

    A SAM.gov API backfill is queued as jobs (in ``backfill_jobs``) that resume where they
    stopped when the budget runs out or the process is killed; asking again for the same
    range is the same job. Records already stored are unchanged, as in ``poll``.

    :param date_from: first posted date; ``date_to``: last posted date (inclusive)
    :param csv: a path or URL of SAM.gov's Contract Opportunities CSV to read instead of
      the API (samgov only)
    :returns: the run's ``RunResult`` (a failure is recorded there, not raised)
    :raises SourceError: for an unknown source name
    """

    def work(src: Any, ctx: PollContext) -> None:
        if csv is not None:
            from monitor.sources.samgov_csv import backfill_csv

            backfill_csv(ctx, csv, date_from, date_to)
        elif hasattr(src, "backfill"):
            src.backfill(ctx, date_from, date_to)
        else:
            raise SourceError(f"source {source!r} cannot backfill")

    with _store(settings, store) as db:
        return _run_source(db, settings, source, clock, transport, "backfill", work, progress)


def extract(settings: Settings, *, clock: Clock = system_clock, store: Store | None = None,
            progress: Progress | None = None) -> Any:
    """Extract every notice version not yet read by the current extractor version.

    Idempotent: a notice already read by this extractor version is skipped. Safe to kill:
    each notice's results are committed on their own, and the next run reads the rest.

    :returns: ``extraction.extract_pending``'s counts (``notices``, ``documents``,
      ``errors``)
    """
    from monitor.extraction import extract_pending

    with _store(settings, store) as db:
        stats = extract_pending(db, settings, clock(), progress)
        log.info("extract: %d notices, %d documents, %d errors", stats.notices,
                 stats.documents, stats.errors)
        return stats


def match(settings: Settings, *, clock: Clock = system_clock, store: Store | None = None
          ) -> Any:
    """Match every newly extracted notice version against the subscriptions and queue
    what each subscriber is to be told in the outbox (deadline reminders too).

    Idempotent: a notice version is matched once (``matched``), so running it again queues
    nothing new. Safe to kill: a version's matches and its mark are committed together.

    :returns: ``outbox.match_new``'s counts (``notices``, ``queued``, ``reminders``)
    """
    from notifications.outbox import match_new

    with _store(settings, store) as db:
        stats = match_new(db, clock())
        log.info("match: %d notices, %d queued, %d reminders, %d award events", stats.notices,
                 stats.queued, stats.reminders, stats.events)
        return stats


def deliver(settings: Settings, *, clock: Clock = system_clock, store: Store | None = None,
            **kwargs: Any) -> Any:
    """Send what is due in the outbox; retry what failed when its time comes (with backoff,
    for about two days, then dead-lettered).

    Safe to re-run and to kill: a message is claimed before it is sent and marked sent
    after, so a kill between the two can at worst send it once more, never lose it (see
    ``delivery.deliver``).

    :param kwargs: passed to ``delivery.deliver``
    :returns: ``delivery.deliver``'s counts (``sent``, ``failed``, ``dead``, ``skipped``)
    """
    from notifications.delivery import deliver as work_outbox

    with _store(settings, store) as db:
        stats = work_outbox(db, settings.delivery, clock(), **kwargs)
        log.info("deliver: %d sent, %d failed, %d dead, %d skipped", stats.sent, stats.failed,
                 stats.dead, stats.skipped)
        return stats


def enrich(settings: Settings, *, clock: Clock = system_clock,
           transport: httpx.BaseTransport | None = None, store: Store | None = None,
           progress: Progress | None = None) -> RunResult:
    """Find the awards of the justifications in USAspending (monitor/sources/usaspending.py),
    recorded in ``runs`` as source ``usaspending``, kind ``enrich``. A failure (4xx, 5xx,
    timeouts, the run's budget) is recorded, never raised: the other stages go on."""
    from monitor.sources.usaspending import Usaspending

    with _store(settings, store) as store:
        ctx = PollContext(store=store, settings=settings, clock=clock,
                          client=make_client(timeout=settings.http_timeout, transport=transport),
                          progress=progress or NoProgress())
        status, error = "ok", None
        try:
            run_id = store.start_run(Usaspending.name, "enrich", clock())
            status, error = _outcome(Usaspending.name, lambda: Usaspending().enrich(ctx))
            if error is None and ctx.stats.notes:
                error = "; ".join(ctx.stats.notes)[:2000]
            store.finish_run(run_id, clock(), status, error, **ctx.stats.as_counts())
        finally:
            ctx.client.close()
        with store.public.atomic():  # what a killed run stored but did not restate
            facts.refresh_stale(store.public, clock())
    log.info("usaspending enrich: %s fetched=%d new=%d updated=%d requests=%d%s", status,
             ctx.stats.fetched, ctx.stats.new, ctx.stats.updated, ctx.stats.requests,
             f" ({error})" if error else "")
    return RunResult(Usaspending.name, status, ctx.stats, error)


def cycle(settings: Settings, sources: list[str], *, clock: Clock = system_clock,
          transport: httpx.BaseTransport | None = None, progress: Progress | None = None,
          send: bool = True, awards: bool | None = None) -> list[RunResult]:
    """One pass of the whole flow: poll → store → extract → enrich → match → deliver, in one
    store.

    As idempotent and as safe to kill as each stage: a second pass with nothing new adds
    nothing and sends nothing.

    :param send: False stops after matching (what is due stays in the outbox)
    :param awards: run the USAspending enrich stage (default: when ``[usaspending] enabled``)
    :returns: the poll's ``RunResult`` per source
    """
    with open_store(settings) as store:
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


def status(settings: Settings, *, clock: Clock = system_clock) -> dict[str, Any]:
    """What ``solesource status`` shows; changes nothing (beyond creating the databases if
    they are missing, as every command does).

    :returns: ``counts`` (``Store.counts``), ``outbox`` (state → count), ``dead_letters``
      and ``disabled_subscriptions`` (the last ones, with why), ``quota`` (SAM.gov's budget,
      used, remaining and when it is blocked until, if a key is set), ``runs`` (the last 12),
      ``backfills`` (SAM.gov jobs still pending or running) and both database paths
    """
    from notifications.outbox import dead_letters
    from notifications.outbox import states as outbox_states
    from notifications.subscriptions import disabled as disabled_subscriptions

    with open_store(settings) as store:
        quota: dict[str, Any] = {"budget": settings.sam.daily_budget}
        if settings.sam.api_key:
            b = Budget(store, settings.sam.api_key, settings.sam.daily_budget, clock)
            until = b.blocked_until()
            quota |= {"used": b.used(), "remaining": b.remaining(),
                      "blocked_until": iso(until) if until else None}
        outbox, dead = outbox_states(store), dead_letters(store, 10)
        disabled = disabled_subscriptions(store)
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
