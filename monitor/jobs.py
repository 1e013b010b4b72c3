"""One notice's extraction as a job: picklable in, picklable out, no database.

``run_job`` runs in this process, in a local process pool or on an RQ worker elsewhere
(``monitor/task_queue.py``); the extract stage (``monitor/extraction.py``) makes the jobs and
stores what comes back. This module imports neither of them, so neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import extractors

MAX_SEARCH_TEXT = 400_000  # characters of document text kept (and indexed) per notice


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


class JobResult(NamedTuple):
    """What one document of a job gave: its extraction and the start of its text."""
    attachment_id: str | None  # None for the notice's own description
    name: str
    result: extractors.Extraction
    text: str  # the document's text, cut at MAX_SEARCH_TEXT characters


def run_job(job: Job) -> list[JobResult]:
    """The extraction of one notice: one ``JobResult`` per document, in ``job.docs`` order.

    Reads only the files named in the job and writes nothing, so it is idempotent and safe
    to kill or to run twice (a lost worker's job is simply run again). A document's content
    never makes it raise (see ``extractors.extract``); a stored file that vanished may
    (``OSError``), and the stage then leaves the notice pending.
    """
    out: list[JobResult] = []
    for ref in job.docs:
        if ref.path is None:
            doc = extractors.Document.from_text(ref.text or "", name=ref.name)
        elif ref.media_type == "text/html":
            name = ref.name if ref.name.endswith(".html") else ref.name + ".html"
            doc = extractors.load_bytes(Path(ref.path).read_bytes(), name)
        else:
            doc = extractors.load_path(Path(ref.path))
            doc.name = ref.name
        result = extractors.extract(doc, job.meta, ref.name)
        out.append(JobResult(ref.attachment_id, ref.name, result, doc.text[:MAX_SEARCH_TEXT]))
    return out
