"""SIGKILL the real CLI at random points of a poll; re-running leaves no duplicate, no gap.

The replay server kills the child from its request hook when it sees the chosen request, so
the kill lands at a reproducible point for each seed, with no sleeps.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from monitor.replay import Dataset, ReplayApp, ReplayServer
from tests.conftest import KEY

NOW = "2025-04-30T14:00:00+00:00"


def _env(tmp: Path, url: str) -> dict[str, str]:
    config = tmp / "solesource.toml"
    config.write_text("retry_backoff = 0.0\nhttp_timeout = 5.0\n[sam]\npage_size = 9\n"
                      "lookback_days = 40\ndaily_budget = 10000\n[federal_register]\n"
                      "lookback_days = 40\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAM_", "SOLESOURCE_"))}
    return env | {"SAM_API_KEY": KEY, "SAM_API_BASE": url, "SAM_WEB_BASE": url,
                  "FEDERAL_REGISTER_BASE": url, "SOLESOURCE_DATA": str(tmp / "data"),
                  "SOLESOURCE_NOW": NOW, "SOLESOURCE_CONFIG": str(config)}


def _poll_cmd() -> list[str]:
    return [sys.executable, "-m", "monitor", "poll", "--source", "samgov",
            "--source", "federal_register"]


def _dataset() -> Dataset:
    data = Dataset.demo()
    extra = Dataset.synthetic(30, date(2025, 4, 1), 29, attachments=True)
    data.notices.extend(extra.notices)
    return data


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(6))
def test_sigkill_at_random_points_then_rerun(tmp_path: Path, seed: int) -> None:
    data = _dataset()
    app = ReplayApp(data, keys={KEY: 10000})
    rng = random.Random(seed)
    child: dict[str, subprocess.Popen[bytes]] = {}
    kill_at: dict[str, int] = {}

    def hook(_req: object, seq: int) -> None:
        if seq == kill_at.get("n") and "p" in child:
            os.kill(child["p"].pid, signal.SIGKILL)

    app.on_request = hook
    with ReplayServer(app) as url:
        env = _env(tmp_path, url)
        codes = []
        for _ in range(3):  # three kills at random points, then a clean run
            kill_at["n"] = len(app.requests) + rng.randint(1, 40)
            child["p"] = subprocess.Popen(_poll_cmd(), env=env, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL)
            codes.append(child["p"].wait(timeout=120))
        assert codes[0] == -signal.SIGKILL, "the first run should have been killed"
        kill_at.clear()
        done = subprocess.run(_poll_cmd(), env=env, capture_output=True, timeout=120)
        assert done.returncode == 0, done.stderr.decode()[-2000:]

    db = sqlite3.connect(tmp_path / "data" / "solesource.db")
    q = lambda sql: db.execute(sql).fetchall()  # noqa: E731
    assert q("pragma integrity_check") == [("ok",)]
    ids = {r[0] for r in q("select source_id from notices where source='samgov'")}
    assert ids == {n["noticeId"] for n in data.notices}, "a notice is missing"
    assert q("select count(*) from notices where source='fedreg'") == [(2,)]
    assert q("select count(*), count(distinct notice_id) from notice_versions") == [(45, 45)]
    assert q("select count(*) from notices where description_state = 'pending'") == [(0,)]
    assert q("select count(*) from notices where attachments_state = 'pending'") == [(0,)]
    stored = q("select count(*) from attachments where state='stored'")[0][0]
    expected = sum(1 for n in data.notices for a in n.get("_attachments") or []
                   if a.get("accessLevel", "public") == "public" and a.get("type") != "link")
    assert stored == expected + 2  # plus the two Federal Register full texts
    files = [p for p in (tmp_path / "data" / "files").rglob("*") if p.is_file()]
    blobs = {p.name for p in files if not p.name.startswith(".part-")}
    assert len(blobs) == q("select count(distinct sha256) from attachments "
                           "where state='stored'")[0][0]
