"""Run the extract stage's jobs on an RQ queue (Redis) instead of the local process pool.

Extraction, OCR above all, is what outgrows one machine. Set ``extract_queue`` (or
``SOLESOURCE_EXTRACT_QUEUE``) to a Redis URL and start workers wherever there are cores::

    pip install 'solesource[queue]'
    rq worker solesource-extract --url redis://queue.internal:6379/0

Each job is ``monitor.jobs.run_job(job)``: picklable, no database, files read from the
absolute paths in the job (share ``data_dir/files`` at the same path, read-only). This
process alone writes the database, in posting order, as results come back. A job that fails
or that no worker answers within ``extract_queue_timeout`` leaves its notice pending for the
next run, so a lost worker delays a notice and never drops one.
"""

from __future__ import annotations

import logging
from typing import Any

from monitor.jobs import Job, JobResult, run_job
from monitor.settings import ConfigError

log = logging.getLogger(__name__)

QUEUE_NAME = "solesource-extract"
RESULT_TTL = 24 * 3600  # seconds Redis keeps a result nobody collected


class QueueRunner:
    """Submits extraction jobs to an RQ queue; answers like a local pool's futures."""

    def __init__(self, url: str, timeout: int, name: str = QUEUE_NAME) -> None:
        try:
            from redis import Redis
            from rq import Queue
        except ImportError:
            raise ConfigError("extract_queue is set but RQ is not installed: "
                              "pip install 'solesource[queue]' (or unset extract_queue to "
                              "extract in a local process pool)") from None
        self.queue = Queue(name, connection=Redis.from_url(url))
        self.timeout = timeout
        self.stalled = False  # once no worker answered in time, the rest are not waited for

    def submit(self, job: Job) -> QueuedJob:
        queued = self.queue.enqueue(run_job, job, job_timeout=self.timeout,
                                    result_ttl=RESULT_TTL, failure_ttl=RESULT_TTL,
                                    description=f"extract {job.notice_id}")
        return QueuedJob(queued, self)

    def close(self) -> None:
        self.queue.connection.close()


class QueuedJob:
    """One queued job; ``exception()`` waits (up to the timeout) for a worker's answer."""

    def __init__(self, job: Any, runner: QueueRunner) -> None:
        self.job = job
        self.runner = runner
        self._answer: tuple[list[JobResult] | None, BaseException | None] | None = None

    def _wait(self) -> tuple[list[JobResult] | None, BaseException | None]:
        if self._answer is None:
            from rq.results import Result

            runner = self.runner
            got = self.job.latest_result(timeout=0 if runner.stalled else runner.timeout)
            if got is None:
                runner.stalled = True
                try:
                    self.job.cancel()  # not started yet: nobody should do it late
                except Exception:  # already taken by a worker, or gone
                    log.debug("could not cancel %s", self.job.id)
                error = TimeoutError(f"no RQ worker finished {self.job.description} within "
                                     f"{runner.timeout} s: is `rq worker {self.job.origin}` "
                                     "running? The notice stays pending.")
                self._answer = (None, error)
            elif got.type == Result.Type.SUCCESSFUL:
                self._answer = (got.return_value, None)
            else:
                last = (got.exc_string or "").strip().splitlines()[-1:] or ["(no message)"]
                self._answer = (None, RuntimeError(f"RQ worker failed on "
                                                   f"{self.job.description}: {last[0]}"))
        return self._answer

    def exception(self) -> BaseException | None:
        return self._wait()[1]

    def result(self) -> list[JobResult]:
        value, error = self._wait()
        if error is not None:
            raise error
        return value or []
