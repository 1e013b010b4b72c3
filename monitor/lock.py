"""One writer per data folder.

``run``, ``poll``, ``deliver`` and ``backfill`` hold ``<data_dir>/solesource.lock`` for as
long as they work. It is an ``flock(2)`` lock, so the operating system releases it when the
holder exits or is killed; nothing stale is ever left behind to clean up. The holder writes
its pid into the file so that a second process can say who holds it. A second process waits
up to ``SOLESOURCE_LOCK_WAIT`` seconds (default 0; ``Settings.lock_wait``) and then gives up
with one clear line.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)

LOCK_NAME = "solesource.lock"
WAIT_ENV = "SOLESOURCE_LOCK_WAIT"
POLL_SECONDS = 0.1


class LockBusy(Exception):
    """Another process holds the data folder's lock. ``str()`` is the one line to show."""

    def __init__(self, path: Path, pid: int | None, waited: float) -> None:
        holder = f"pid {pid}" if pid else "another process"
        waited_text = f" after waiting {waited:g}s" if waited else ""
        super().__init__(
            f"{path} is held by {holder} (another solesource run, poll, deliver or backfill "
            f"on this data folder){waited_text}; let it finish, or set {WAIT_ENV}=<seconds> "
            "to wait for it")
        self.path = path
        self.pid = pid


class LockWaitError(ValueError):
    """``SOLESOURCE_LOCK_WAIT`` is not a number of seconds."""


def wait_seconds(text: str) -> float:
    """How long to wait for a busy lock, from ``SOLESOURCE_LOCK_WAIT`` as written (seconds,
    ≥ 0; empty = 0).

    Raises LockWaitError naming the variable when it is not a non-negative number.
    """
    raw = text.strip()
    if not raw:
        return 0.0
    try:
        value = float(raw) if raw.isascii() else -1.0
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        raise LockWaitError(f"{WAIT_ENV}={raw!r} is not a number of seconds (e.g. 60, or 0 "
                            "to give up at once)")
    return value


def holder_pid(path: Path) -> int | None:
    """The pid written by the lock's current holder, if it could be read."""
    try:
        text = path.read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


class DataLock:
    """The single-writer lock of one data folder; see the module docstring."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / LOCK_NAME
        self.fd: int | None = None

    def acquire(self, wait: float = 0.0) -> None:
        """Take the lock, waiting up to ``wait`` seconds; raises LockBusy if still held.

        The descriptor is not inherited by child processes, so extraction workers never
        keep the lock alive after this process dies.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        deadline = time.monotonic() + wait
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                left = deadline - time.monotonic()
                if left <= 0:
                    os.close(fd)
                    raise LockBusy(self.path, holder_pid(self.path), wait) from None
                if not told:
                    log.warning("waiting up to %gs for %s (held by pid %s)", wait, self.path,
                                holder_pid(self.path) or "?")
                    told = True
                time.sleep(min(POLL_SECONDS, left))
        self.fd = fd
        self._write_pid()

    def _write_pid(self) -> None:
        assert self.fd is not None
        try:
            os.ftruncate(self.fd, 0)
            os.pwrite(self.fd, f"{os.getpid()}\n".encode(), 0)
        except OSError as exc:  # a full disk: the lock still holds, only the pid is missing
            log.debug("could not write the pid into %s: %s", self.path, exc)

    def release(self) -> None:
        """Let go (closing the descriptor releases the flock)."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


@contextmanager
def hold(data_dir: Path, wait: float = 0.0) -> Iterator[DataLock]:
    """``with hold(settings.data_dir, wait):`` — the data folder is this process's alone.

    Waits up to ``wait`` seconds for another holder (see ``wait_seconds``); raises LockBusy.
    """
    lock = DataLock(data_dir)
    lock.acquire(wait)
    try:
        yield lock
    finally:
        lock.release()
