"""Extraction on a real task queue: a real Redis server and real ``rq worker`` processes
(Debian's redis-server; .ci/run installs it). The same job function the local pool runs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from monitor import pipeline
from monitor.settings import Secret
from monitor.store import Store
from monitor.task_queue import QUEUE_NAME
from tests.conftest import ROOT, missing, wsgi

rq = pytest.importorskip("rq", reason="RQ is not installed: pip install -e '.[test]'")
BASE = "http://replay.test"
ROWS = ("select notice_id, vendor, amount_usd, authority_category, next_deadline "
        "from justifications")


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A private Redis on a unix socket, ready once it says so (no polling, no port race)."""
    binary = shutil.which("redis-server")
    if not binary:
        missing("redis-server is not installed (apt-get install redis-server) — the task "
                "queue test needs a real broker")
    folder = Path(tempfile.mkdtemp(prefix="rq-"))  # short: unix socket paths are limited
    sock = folder / "redis.sock"
    proc = subprocess.Popen([binary, "--port", "0", "--unixsocket", str(sock), "--save", "",
                             "--appendonly", "no", "--dir", str(folder)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if "ready to accept connections" in line:
                break
        else:
            pytest.fail(f"redis-server exited before it was ready (rc={proc.wait()})")
        yield f"unix://{sock}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


def _worker(url: str, name: str) -> subprocess.Popen[str]:
    """A real ``rq worker`` process, as an operator would start one on another machine."""
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", "from rq.cli import main; main()",
                             "worker", QUEUE_NAME, "--url", url, "--name", name],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def _stop(worker: subprocess.Popen[str]) -> str:
    worker.terminate()  # warm shutdown: finishes the job in hand
    try:
        _out, err = worker.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        # rq 3 acts on a warm shutdown that lands after its loop's check for one, while its
        # state still reads busy, only once its next wait for a job times out (minutes); every
        # job is finished here, so a second signal stops it cold
        worker.terminate()
        _out, err = worker.communicate(timeout=30)
    return err


def _rows(settings) -> list[tuple]:
    store = Store.open(settings.public_db, settings.private_db)
    try:
        return sorted(store.public.execute(ROWS).fetchall())
    finally:
        store.close()


def test_rq_workers_store_what_one_process_stores(demo_app, settings_for, clock, tmp_path,
                                                  redis_url):
    from redis import Redis

    def run(folder: Path, queue: str = "") -> tuple[object, list[tuple]]:
        settings = replace(settings_for(BASE), data_dir=folder, extract_workers=1,
                           extract_queue=Secret(queue))
        pipeline.poll(settings, ["samgov", "federal_register"], clock=clock,
                      transport=wsgi(demo_app))
        return pipeline.extract(settings, clock=clock), _rows(settings)

    worker = _worker(redis_url, "far-away-1")
    try:
        queued, queued_rows = run(tmp_path / "queued", redis_url)
    finally:
        log = _stop(worker)
    local, local_rows = run(tmp_path / "local")
    assert queued.errors == 0, log[-2000:]
    assert queued.notices == local.notices == 15
    assert queued_rows == local_rows and len(queued_rows) == 13

    queue = rq.Queue(QUEUE_NAME, connection=Redis.from_url(redis_url))
    finished = [rq.job.Job.fetch(i, connection=queue.connection)
                for i in queue.finished_job_registry.get_job_ids()]
    assert len(finished) >= 10  # every notice with a file went through the queue
    assert {j.worker_name for j in finished} == {"far-away-1"}
    assert all(j.func_name == "monitor.jobs.run_job" for j in finished)


def test_without_a_worker_notices_stay_pending_then_a_worker_finishes_them(
        demo_app, settings_for, clock, redis_url, caplog):
    settings = replace(settings_for(BASE), extract_queue=Secret(redis_url),
                       extract_queue_timeout=1)
    pipeline.poll(settings, ["samgov", "federal_register"], clock=clock,
                  transport=wsgi(demo_app))
    stalled = pipeline.extract(settings, clock=clock)
    assert stalled.errors >= 10 and stalled.notices == 15 - stalled.errors
    assert "is `rq worker solesource-extract` running?" in caplog.text
    assert redis_url not in caplog.text  # a broker URL may carry a password
    assert not _rows(settings) or len(_rows(settings)) < 13

    worker = _worker(redis_url, "late-worker")
    try:
        settings = replace(settings, extract_queue_timeout=120)
        done = pipeline.extract(settings, clock=clock)
    finally:
        log = _stop(worker)
    assert done.errors == 0, log[-2000:]
    assert done.notices == stalled.errors and len(_rows(settings)) == 13
