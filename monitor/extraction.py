"""The extract stage: read each new notice version and its documents, store what was found.

Results are stored per document and per notice version in the public database, with columns
for browsing (vendor, amount, authority category, next deadline) and the full JSON with
evidence. A notice is re-extracted when it changes or when ``extractors.VERSION`` goes up.
SAM.gov's own metadata (awardee, award amount) is kept beside the document's values and any
disagreement is written down, never silently resolved.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import extractors
import fastscan
from extractors import Extraction, agency_of, columns, name_key
from monitor import facts, justifications
from monitor.attachments import mark_unusable, stored_path, stored_problem
from monitor.jobs import DocRef, Job, JobResult, run_job
from monitor.settings import Settings
from monitor.store import Store, disk_full, iso, update_row, upsert_row

log = logging.getLogger(__name__)

POOL_THRESHOLD = 12  # notices with files: fewer, and starting worker processes costs more
WINDOW_PER_WORKER = 8  # jobs read ahead per worker process
JOBS_PER_WORKER = 300  # then the pool is replaced: spaCy's string store only grows
QUEUE_WINDOW = 64  # jobs in flight on a task queue (its workers are counted elsewhere)
JUSTIFICATION_KINDS = {"ja", "lsj", "ssj", "brand_name", "fair_opportunity",
                       "fr_sole_source_notice", "fragment"}


@dataclass
class ExtractStats:
    """What one run of the stage did: notices stored, documents read in them, notices whose
    job or storing failed (they stay pending)."""
    notices: int = 0
    documents: int = 0
    errors: int = 0


def _pending(alias: str = "") -> str:
    """Notices not yet read by the current extractor version (bind extractors.VERSION)."""
    return (f"{alias}extraction_state = 'pending' or {alias}extractor_version is null "
            f"or {alias}extractor_version < ?")


def extract_pending(store: Store, settings: Settings, now: datetime,
                    progress: Any = None) -> ExtractStats:
    """Extract every pending notice. With more than one worker (``extract_workers``) the
    files are read in a local process pool, a window ahead of this process, which alone
    writes the database, in posting order (so an amendment finds what it amends). A notice
    whose job fails stays pending and is tried again next time. Memory stays flat however
    long the backlog: notices are loaded as they enter the window, and workers are renewed
    every few hundred jobs. With ``extract_queue`` set, the same jobs go to an RQ queue
    instead, for ``rq worker`` processes on other machines (``monitor/task_queue.py``).

    Takes an open store (this process must be its only writer), the settings, the time to
    stamp rows with and an optional ``progress`` (``update(task, done, total)``). Returns
    the counts. Idempotent: a second run reads only what is still pending (nothing, after
    a clean run). Safe to kill: each notice is stored in one transaction of its own, so a
    killed run keeps the notices it finished and leaves the rest pending for the next. A
    notice's failure is logged and counted in ``errors``; it raises ``ConfigError`` when
    ``extract_queue`` is set without RQ installed, and the disk-full error (nothing more
    could be stored)."""
    stats = ExtractStats()
    ids = [r[0] for r in store.public.execute(
        f"select id from notices where {_pending()} order by posted_date, id",
        [extractors.VERSION])]
    if not ids:
        return stats
    workers = settings.extract_workers or min(4, os.cpu_count() or 1)
    runner: Runner | None
    window_size = WINDOW_PER_WORKER * workers
    if settings.extract_queue:  # workers elsewhere, on a task queue
        from monitor.task_queue import QueueRunner

        runner = QueueRunner(settings.extract_queue.reveal(), settings.extract_queue_timeout)
        window_size = QUEUE_WINDOW
    else:
        with_files = store.public.execute(
            f"select count(distinct a.notice_id) from attachments a join notices n on "
            f"n.id = a.notice_id where a.state = 'stored' and ({_pending('n.')})",
            [extractors.VERSION]).fetchone()[0]
        use_pool = workers > 1 and with_files >= POOL_THRESHOLD
        runner = LocalPool(workers, settings.cache_dir) if use_pool else None

    window: deque[tuple[dict[str, Any], Job, Pending | None]] = deque()
    queue = iter(ids)
    try:
        for done in range(1, len(ids) + 1):
            while len(window) < window_size:
                notice_id = next(queue, None)
                if notice_id is None:
                    break
                notice = store.notice(notice_id)
                if notice is None:
                    continue
                job = make_job(store, settings, notice)
                heavy = runner is not None and any(d.path for d in job.docs)
                window.append((notice, job, runner.submit(job) if heavy else None))
            if not window:
                break
            notice, job, pending = window.popleft()
            if progress is not None:
                progress.update("extracting", done, len(ids))
            outcome: list[JobResult] | BaseException
            if pending is None:
                try:
                    outcome = run_job(job)
                except Exception as exc:
                    outcome = exc
            else:
                error = pending.exception()
                outcome = error if error is not None else pending.result()
            _finish(store, notice, outcome, now, stats)
    finally:
        if runner is not None:
            runner.close()
    return stats


class Pending(Protocol):
    """A submitted job: a ``concurrent.futures.Future`` or anything answering the same."""

    def exception(self) -> BaseException | None: ...

    def result(self) -> list[JobResult]: ...


class Runner(Protocol):
    """Where jobs run when not in this process: the seam for another executor."""

    def submit(self, job: Job) -> Pending: ...

    def close(self) -> None: ...


class LocalPool:
    """Worker processes on this machine, replaced every few hundred jobs per worker since
    spaCy's string store only grows (``max_tasks_per_child`` would do it, but hangs on
    Python 3.11). ``submit`` returns a future of ``run_job(job)``; ``close`` cancels what
    has not started."""

    def __init__(self, workers: int, cache_dir: Path | None = None) -> None:
        self.workers = workers
        self.cache_dir = cache_dir  # where the workers keep compiled patterns (fastscan)
        self.pool: ProcessPoolExecutor | None = None
        self.submitted = 0

    def submit(self, job: Job) -> Future[list[JobResult]]:
        if self.pool is None or self.submitted >= JOBS_PER_WORKER * self.workers:
            if self.pool is not None:
                self.pool.shutdown(wait=False)  # its running jobs still finish
            self.pool = ProcessPoolExecutor(max_workers=self.workers,
                                            mp_context=multiprocessing.get_context("spawn"),
                                            initializer=fastscan.configure,
                                            initargs=(self.cache_dir,))
            self.submitted = 0
        self.submitted += 1
        return self.pool.submit(run_job, job)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


def _finish(store: Store, notice: dict[str, Any], outcome: list[JobResult] | BaseException,
            now: datetime, stats: ExtractStats) -> None:
    if isinstance(outcome, BaseException):
        stats.errors += 1
        log.error("extraction failed for %s: %s", notice["id"], outcome)
        return
    try:
        save(store, notice, outcome, now)
    except Exception as exc:  # one notice must not stop the stage; it stays pending
        if disk_full(exc):
            raise  # nor can the next one be stored: one line from the CLI
        stats.errors += 1
        log.exception("storing the extraction of %s failed", notice["id"])
        return
    stats.notices += 1
    stats.documents += len(outcome)


def make_job(store: Store, settings: Settings, notice: dict[str, Any]) -> Job:
    """The job for one ``notices`` row: its description and its stored files, each checked
    against the size and sha256 recorded when it was fetched. A file that fails the check
    is left out and marked to be fetched again (the notice goes back in line for the next
    poll), so a job never reads a file that changed on disk. Safe to kill (each mark is
    one statement); making the job again gives the same job."""
    docs: list[DocRef] = []
    if notice.get("description"):
        docs.append(DocRef(None, "description", text=notice["description"]))
    wanted = ("id", "filename", "path", "media_type", "size", "sha256")
    cursor = store.public.execute(f"select {', '.join(wanted)} from attachments "
                                  "where notice_id = ? and state = 'stored' order by id",
                                  [notice["id"]])
    for att in (dict(zip(wanted, r, strict=True)) for r in cursor.fetchall()):
        error = stored_problem(settings.data_dir, att)  # size and sha256, not trusted
        if error is not None:
            mark_unusable(store, att["id"], notice["id"], error)
            continue
        path = stored_path(settings.data_dir, att["path"])
        assert path is not None  # stored_problem checked it
        docs.append(DocRef(att["id"], att["filename"] or path.name, str(path),
                           att["media_type"]))
    meta = {"title": notice["title"], "type": notice["notice_type"],
            "department": notice["agency_path"], "response_deadline": notice["response_deadline"]}
    return Job(notice["id"], meta, tuple(docs))


def save(store: Store, notice: dict[str, Any], outcome: list[JobResult], now: datetime) -> None:
    """Store one notice's extraction: a row per document in ``extractions``, the notice's
    columns in ``notices`` and its reading-table rows (``justifications``), in one
    transaction. Idempotent: saving the same outcome again writes the same rows; killed
    midway, nothing of it is stored and the notice stays pending."""
    primary = _primary(outcome)
    cls, reason = _notice_class(notice, outcome)
    notice_columns = _notice_columns(notice, primary.result if primary else None, cls, reason,
                                     outcome)
    with store.public.atomic():
        for doc in outcome:
            upsert_row(store.public, "extractions", "id", _row(notice, doc, now))
        update_row(store.public, "notices", "id", notice["id"], notice_columns)
        justifications.refresh(store.public, notice, notice_columns, primary,
                               [doc.text for doc in outcome], now)
        facts.refresh(store.public, notice["id"], now)  # what the document says changed


def _primary(outcome: list[JobResult]) -> JobResult | None:
    """The document that is the justification: a justification kind with the most facts."""
    def weight(doc: JobResult) -> tuple[int, int, int]:
        return (int(doc.result.doc_kind in JUSTIFICATION_KINDS), doc.result.facts(),
                int(doc.attachment_id is not None))
    return max(outcome, key=weight) if outcome else None


def _notice_class(notice: dict[str, Any], outcome: list[JobResult]) -> tuple[str, str]:
    order = {"justification": 2, "intent_to_sole_source": 1, "neither": 0}
    best = ("neither", "no document says it is a justification or an intent to sole source")
    for doc in outcome:
        reading = doc.result.notice
        cls = reading.notice_class if reading else "neither"
        why = reading.notice_reason if reading else None
        if doc.result.doc_kind == "fr_sole_source_notice" and cls == "neither":
            cls, why = "justification", "a Federal Register single/sole-source award notice"
        if order[cls] > order[best[0]]:
            best = (cls, f"{doc.name}: {why}")
    if not outcome and (notice["notice_type"] or "").lower().startswith("justification"):
        best = ("justification", "SAM.gov notice type is Justification")
    return best


def _row(notice: dict[str, Any], doc: JobResult, now: datetime) -> dict[str, Any]:
    """The ``extractions`` row of one document of ``notice``."""
    r = doc.result
    c = columns(r)
    return {
        "id": f"{notice['id']}/{doc.attachment_id or 'description'}@{notice['version']}",
        "notice_id": notice["id"], "notice_version": notice["version"],
        "attachment_id": doc.attachment_id, "source_document": doc.name,
        "extractor_version": extractors.VERSION, "status": r.status,
        "problems": json.dumps(list(r.problems)) if r.problems else None,
        "doc_kind": c["doc_kind"], "vendor": c["vendor"], "vendor_uei": c["vendor_uei"],
        "amount_usd": c["amount_usd"], "amount_text": c["amount_text"],
        "redacted_amount": c["redacted_amount"],
        "authority_category": c["authority_category"],
        "authority_citations": c["authority_citations"], "rationale": c["rationale"],
        "next_deadline": c["next_deadline"], "response_due": c["response_due"],
        "agency": c["agency_normalized"],
        "result": json.dumps(r.to_json(), ensure_ascii=False), "extracted_at": iso(now),
    }


def _notice_columns(notice: dict[str, Any], primary: Extraction | None, cls: str, reason: str,
                    outcome: list[JobResult]) -> dict[str, Any]:
    """The ``notices`` columns: the primary document's values; the agency from SAM.gov's
    own path when it names one; the first response date any document gives."""
    c = columns(primary)
    agency = agency_of(notice["agency_path"] or "") or (primary.agency if primary else None)
    response = next((doc.result.response_due for doc in outcome if doc.result.response_due),
                    None)
    return {
        "notice_class": cls, "notice_class_reason": reason, "doc_kind": c["doc_kind"],
        "vendor": c["vendor"], "amount_usd": c["amount_usd"],
        "redacted_amount": c["redacted_amount"],
        "authority_category": c["authority_category"],
        "authority_citations": c["authority_citations"], "rationale": c["rationale"],
        "next_deadline": c["next_deadline"] or response, "response_due": response,
        "agency_normalized": agency.normalized if agency else None,
        "agency_hierarchy": (" > ".join(agency.path) or None) if agency else None,
        "metadata_disagreements": _disagreements(notice, c["vendor"], c["amount_usd"]),
        "extraction_state": "done", "extractor_version": extractors.VERSION,
    }


def _disagreements(notice: dict[str, Any], vendor: str | None, amount: float | None
                   ) -> str | None:
    """SAM.gov's structured fields against the document's own words; both are kept."""
    notes = []
    if notice.get("awardee") and vendor and name_key(notice["awardee"]) != name_key(vendor):
        notes.append(f"awardee: SAM.gov says {notice['awardee']!r}, the document {vendor!r}")
    if notice.get("award_amount") and amount:
        sam = float(notice["award_amount"])
        if sam and abs(sam - amount) > max(1.0, 0.005 * sam):
            notes.append(f"amount: SAM.gov says ${sam:,.0f}, the document ${amount:,.0f}")
    return "; ".join(notes) or None
