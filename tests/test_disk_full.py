"""A data folder on a full disk: one clear line and a non-zero exit, never a traceback; the
databases stay intact and a later run (with space again) ends where a clean run would.

A real tiny filesystem needs root (mount) or FUSE, which CI cannot count on, so the child
runs under RLIMIT_FSIZE: every write past the limit fails with EFBIG (SIGXFSZ ignored), the
way writes fail with ENOSPC on a full disk.
"""

from __future__ import annotations

import os
import resource
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from monitor.replay import Dataset, ReplayApp, ReplayServer
from monitor.store import disk_full, disk_full_line
from tests.conftest import KEY

NOW = "2025-04-30T14:00:00+00:00"


def _env(tmp: Path, url: str) -> dict[str, str]:
    config = tmp / "solesource.toml"
    config.write_text("retry_backoff = 0.0\nhttp_timeout = 30.0\n[sam]\nlookback_days = 40\n"
                      "daily_budget = 10000\n[federal_register]\nlookback_days = 40\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAM_", "SOLESOURCE_"))}
    return env | {"SAM_API_KEY": KEY, "SAM_API_BASE": url, "SAM_WEB_BASE": url,
                  "FEDERAL_REGISTER_BASE": url, "SOLESOURCE_DATA": str(tmp / "data"),
                  "SOLESOURCE_NOW": NOW, "SOLESOURCE_CONFIG": str(config),
                  "SOLESOURCE_CACHE": str(tmp / "cache"), "PYTHONDONTWRITEBYTECODE": "1"}


def _limit(size: int) -> Callable[[], None]:
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return apply


def _poll(env: dict[str, str], limit: int | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "monitor", "poll", "--source", "samgov",
                           "--source", "federal_register"], env=env, capture_output=True,
                          text=True, timeout=300,
                          preexec_fn=_limit(limit) if limit is not None else None)


def _summary(data: Path) -> dict[str, object]:
    out: dict[str, object] = {}
    for name in ("solesource.db", "private.db"):
        db = sqlite3.connect(data / name)
        try:
            out[name] = db.execute("pragma integrity_check").fetchall()
        finally:
            db.close()
    db = sqlite3.connect(data / "solesource.db")
    try:
        q = lambda sql: db.execute(sql).fetchall()  # noqa: E731
        out |= {
            "notices": q("select id, version, extraction_state, description_state, "
                         "attachments_state from notices order by id"),
            "attachments": q("select id, state, sha256 from attachments order by id"),
            "justifications": q("select notice_id, vendor, amount_usd from justifications "
                                "order by notice_id"),
        }
    finally:
        db.close()
    return out


@pytest.mark.slow
def test_full_disk_is_one_line_and_the_next_run_recovers(tmp_path: Path) -> None:
    app = ReplayApp(Dataset.demo(), keys={KEY: 10000})
    with ReplayServer(app) as url:
        clean = tmp_path / "clean"
        clean.mkdir()
        done = _poll(_env(clean, url))
        assert done.returncode == 0, done.stderr[-2000:]
        expected = _summary(clean / "data")

        full = tmp_path / "full"
        full.mkdir()
        env = _env(full, url)
        init = subprocess.run([sys.executable, "-m", "monitor", "init"], env=env,
                              capture_output=True, text=True, timeout=120)
        assert init.returncode == 0, init.stderr
        data = full / "data"
        room = max(p.stat().st_size for p in data.iterdir()) + 64 * 1024
        failed = _poll(env, limit=room)
        assert failed.returncode == 74, failed.stderr[-3000:]
        assert "Traceback" not in failed.stderr, failed.stderr[-3000:]
        lines = [line for line in failed.stderr.splitlines() if line.strip()]
        said = [line for line in lines if "could not write to" in line]
        assert len(said) == 1 and said == lines[-1:], failed.stderr[-3000:]
        assert f"could not write to {data}" in said[0] and "run again" in said[0]
        assert not [line for line in lines if " ERROR " in line], failed.stderr[-3000:]

        intact = _summary(data)
        assert intact["solesource.db"] == intact["private.db"] == [("ok",)]
        assert intact["notices"] != expected["notices"], "the limit never bit"

        again = _poll(env)
        assert again.returncode == 0, again.stderr[-2000:]
    assert _summary(data) == expected


def test_what_counts_as_a_full_disk() -> None:
    import errno

    full = sqlite3.OperationalError("database or disk is full")
    assert disk_full(full) == "database or disk is full"
    assert disk_full(OSError(errno.ENOSPC, "No space left on device")) is not None
    assert disk_full(OSError(errno.EFBIG, "File too large")) is not None
    try:
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError as exc:
            raise RuntimeError("while storing") from exc
    except RuntimeError as wrapped:
        assert disk_full(wrapped) is not None
    assert disk_full(sqlite3.OperationalError("no such table: x")) is None
    assert disk_full(OSError(errno.ENOENT, "No such file")) is None
    line = disk_full_line(full, Path("/srv/data"))
    assert line is not None and line.startswith("could not write to /srv/data:")
    assert "\n" not in line
