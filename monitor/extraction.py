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
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

import extractors
from extractors.fields.agency import normalize as normalize_agency
from extractors.fields.vendor import name_key
from extractors.text import load_bytes, load_path
from monitor import facts, justifications
from monitor.attachments import mark_unusable, stored_path, stored_problem
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
    instead, for ``rq worker`` processes on other machines (``monitor/task_queue.py``)."""
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
        runner = LocalPool(workers) if use_pool else None

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
    Python 3.11)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.pool: ProcessPoolExecutor | None = None
        self.submitted = 0

    def submit(self, job: Job) -> Future[list[JobResult]]:
        if self.pool is None or self.submitted >= JOBS_PER_WORKER * self.workers:
            if self.pool is not None:
                self.pool.shutdown(wait=False)  # its running jobs still finish
            self.pool = ProcessPoolExecutor(max_workers=self.workers,
                                            mp_context=multiprocessing.get_context("spawn"))
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


@dataclass(frozen=True)
class DocRef:
    """One document of a notice: a stored file, or the notice's own description."""
    attachment_id: str | None
    name: str
    path: str | None = None
    media_type: str | None = None
    text: str | None = None


@dataclass(frozen=True)
class Job:
    """Everything needed to extract one notice, with no database: picklable, so it runs in
    a process pool here or as a task on a queue (Celery, RQ) elsewhere."""
    notice_id: str
    meta: dict[str, Any]
    docs: tuple[DocRef, ...]


JobResult = tuple[str | None, str, dict[str, Any], str]


def make_job(store: Store, settings: Settings, notice: dict[str, Any]) -> Job:
    docs: list[DocRef] = []
    if notice.get("description"):
        docs.append(DocRef(None, "description", text=notice["description"]))
    columns = ("id", "filename", "path", "media_type", "size", "sha256")
    cursor = store.public.execute(f"select {', '.join(columns)} from attachments "
                                  "where notice_id = ? and state = 'stored' order by id",
                                  [notice["id"]])
    for att in (dict(zip(columns, r, strict=True)) for r in cursor.fetchall()):
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


def run_job(job: Job) -> list[JobResult]:
    """The extraction of one notice: files in, SCHEMA results and document text out."""
    out: list[JobResult] = []
    for ref in job.docs:
        if ref.path is None:
            doc = extractors.Document.from_text(ref.text or "", name=ref.name)
        elif ref.media_type == "text/html":
            name = ref.name if ref.name.endswith(".html") else ref.name + ".html"
            doc = load_bytes(Path(ref.path).read_bytes(), name)
        else:
            doc = load_path(Path(ref.path))
            doc.name = ref.name
        result = extractors.extract(doc, job.meta, ref.name)
        out.append((ref.attachment_id, ref.name, result,
                    doc.text[: justifications.MAX_SEARCH_TEXT]))
    return out


def extract_notice(store: Store, settings: Settings, notice: dict[str, Any],
                   now: datetime) -> int:
    outcome = run_job(make_job(store, settings, notice))
    save(store, notice, outcome, now)
    return len(outcome)


def save(store: Store, notice: dict[str, Any], outcome: list[JobResult], now: datetime) -> None:
    results = [(att_id, name, result) for att_id, name, result, _ in outcome]
    texts = [text for *_, text in outcome]
    primary = _primary(results)
    cls, reason = _notice_class(notice, results)
    columns = _notice_columns(notice, primary[2] if primary else None, cls, reason, results)
    with store.public.atomic():
        for att_id, name, result in results:
            upsert_row(store.public, "extractions", "id", _row(notice, att_id, name, result, now))
        update_row(store.public, "notices", "id", notice["id"], columns)
        justifications.refresh(store.public, notice, columns, primary, texts, now)
        facts.refresh(store.public, notice["id"], now)  # what the document says changed


Result = tuple[str | None, str, dict[str, Any]]


def _primary(results: list[Result]) -> Result | None:
    """The document that is the justification: a justification kind with the most facts."""
    def weight(item: Result) -> tuple[int, int, int]:
        _, _, r = item
        facts = sum(bool(x) for x in (r["vendors"], r["amount"], r["authority"], r["dates"]))
        return (int(r["doc_kind"] in JUSTIFICATION_KINDS), facts, int(item[0] is not None))
    return max(results, key=weight) if results else None


def _notice_class(notice: dict[str, Any], results: list[tuple[str | None, str, dict[str, Any]]]
                  ) -> tuple[str, str]:
    order = {"justification": 2, "intent_to_sole_source": 1, "neither": 0}
    best = ("neither", "no document says it is a justification or an intent to sole source")
    for _, name, r in results:
        cls = r.get("notice_class", "neither")
        if r.get("doc_kind") == "fr_sole_source_notice" and cls == "neither":
            cls, r = "justification", r | {"notice_reason": "a Federal Register single/sole-"
                                                             "source award notice"}
        if order[cls] > order[best[0]]:
            best = (cls, f"{name}: {r.get('notice_reason')}")
    if not results and (notice["notice_type"] or "").lower().startswith("justification"):
        best = ("justification", "SAM.gov notice type is Justification")
    return best


def next_deadline(result: dict[str, Any] | None, today: date | None = None) -> str | None:
    """The earliest deadline-like date (response due, delivery, prototype, award)."""
    if not result:
        return None
    wanted = {"response_due", "delivery", "prototype_due", "award"}
    dates = sorted(d["date"] for d in result["dates"] if d["type"] in wanted
                   and (today is None or d["date"] >= today.isoformat()))
    return dates[0] if dates else None


def _row(notice: dict[str, Any], att_id: str | None, name: str, r: dict[str, Any],
         now: datetime) -> dict[str, Any]:
    vendor = r["vendors"][0] if r["vendors"] else {}
    amount = r.get("amount") or {}
    auth = r.get("authority") or {}
    return {
        "id": f"{notice['id']}/{att_id or 'description'}@{notice['version']}",
        "notice_id": notice["id"], "notice_version": notice["version"],
        "attachment_id": att_id, "source_document": name,
        "extractor_version": extractors.VERSION, "status": r["status"],
        "problems": json.dumps(r["problems"]) if r["problems"] else None,
        "doc_kind": r["doc_kind"], "vendor": vendor.get("name"), "vendor_uei": vendor.get("uei"),
        "amount_usd": amount.get("value_usd"), "amount_text": amount.get("text"),
        "redacted_amount": int(bool(r["redacted_amount"])),
        "authority_category": auth.get("category"),
        "authority_citations": json.dumps(auth.get("citations") or []),
        "rationale": (r.get("rationale") or {}).get("summary"),
        "next_deadline": next_deadline(r), "response_due": r.get("response_due"),
        "agency": (r.get("agency") or {}).get("normalized"),
        "result": json.dumps(r, ensure_ascii=False), "extracted_at": iso(now),
    }


def _notice_columns(notice: dict[str, Any], primary: dict[str, Any] | None, cls: str,
                    reason: str, results: list[tuple[str | None, str, dict[str, Any]]]
                    ) -> dict[str, Any]:
    p = primary or {"vendors": [], "dates": [], "redacted_amount": False}
    vendor = p["vendors"][0]["name"] if p.get("vendors") else None
    amount = (p.get("amount") or {}).get("value_usd")
    auth = p.get("authority") or {}
    agency = normalize_agency(notice["agency_path"] or "") or p.get("agency") or {}
    response = next((r.get("response_due") for _, _, r in results if r.get("response_due")),
                    None)
    return {
        "notice_class": cls, "notice_class_reason": reason, "doc_kind": p.get("doc_kind"),
        "vendor": vendor, "amount_usd": amount,
        "redacted_amount": int(bool(p.get("redacted_amount"))),
        "authority_category": auth.get("category"),
        "authority_citations": json.dumps(auth.get("citations") or []),
        "rationale": (p.get("rationale") or {}).get("summary"),
        "next_deadline": next_deadline(p) or response, "response_due": response,
        "agency_normalized": agency.get("normalized"),
        "agency_hierarchy": " > ".join(agency.get("path") or []) or None,
        "metadata_disagreements": _disagreements(notice, vendor, amount),
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
