"""Who claims outbox rows: a process named ``host:pid:start``, and whether it still runs.

Delivery claims a batch of outbox rows under this process's name before sending it; a later
run takes over only the claims of a process that is gone (see notifications.delivery).
"""

from __future__ import annotations

import os
import socket
from pathlib import Path


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux), to tell a reused pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[-1].split()[19]


def owner_id(pid: int | None = None) -> str:
    """A process (default: this one) as an outbox claim owner: ``host:pid:start``."""
    pid = os.getpid() if pid is None else pid
    return f"{socket.gethostname()}:{pid}:{_start_time(pid) or ''}"


def owner_alive(owner: str) -> bool:
    """Whether the process that wrote ``owner`` (see owner_id) may still be running.

    True for an owner on another host (it cannot be checked here: its claim's lease
    decides), False for a pid that is gone or now belongs to a process started later.
    """
    host, _, rest = owner.partition(":")
    pid_text, _, start = rest.partition(":")
    if host != socket.gethostname():
        return True
    if not (pid_text.isascii() and pid_text.isdigit()) or not 0 < int(pid_text) < 2**31:
        return False  # not a pid we could have written
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return not start or _start_time(pid) in (None, start)
