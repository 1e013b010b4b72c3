"""Two real `solesource run --once` on one data folder (a cron overlap, a second run by hand).

The first run is held inside its first request to the local replay until the second one has
exited (or said it waits), so the two overlap for sure, with no sleeps. Each Slack message
and webhook must arrive once, and the SAM.gov quota be spent once.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from monitor.replay import Dataset, ReplayApp, ReplayServer
from monitor.replay.sinks import HttpSink
from monitor.store import Store
from notifications.matching import Filters
from notifications.subscriptions import add
from tests.conftest import KEY

NOW = "2025-04-30T14:00:00+00:00"
SECRET = "single-writer-secret"


def _env(tmp: Path, url: str, smtp_port: int = 9) -> dict[str, str]:
    config = tmp / "solesource.toml"
    config.write_text("retry_backoff = 0.0\nhttp_timeout = 120.0\n[sam]\nlookback_days = 40\n"
                      "daily_budget = 10000\n[federal_register]\nlookback_days = 40\n")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SAM_", "SOLESOURCE_", "SMTP_"))}
    return env | {"SAM_API_KEY": KEY, "SAM_API_BASE": url, "SAM_WEB_BASE": url,
                  "FEDERAL_REGISTER_BASE": url, "SOLESOURCE_DATA": str(tmp / "data"),
                  "SOLESOURCE_NOW": NOW, "SOLESOURCE_CONFIG": str(config),
                  "SOLESOURCE_ALLOW_LOOPBACK": "1"}


class Held:
    """A replay app whose first request waits until ``release`` is set."""

    def __init__(self) -> None:
        self.app = ReplayApp(Dataset.demo(), keys={KEY: 10000})
        self.inside = threading.Event()
        self.release = threading.Event()
        self.app.on_request = self._hook

    def _hook(self, _req: object, seq: int) -> None:
        if seq == 1:
            self.inside.set()
            self.release.wait(timeout=120)


def _subscribe(tmp: Path, slack_url: str, hook_url: str) -> None:
    from datetime import datetime

    data = tmp / "data"
    store = Store.open(data / "solesource.db", data / "private.db")
    now = datetime.fromisoformat(NOW)
    add(store, now, subscriber="desk", slack=f"{slack_url}/services/T/B/X", filters=Filters(),
        allow_loopback=True)
    add(store, now, subscriber="watchdog", webhook=f"{hook_url}/hook", secret=SECRET,
        filters=Filters(agencies=("DHS",)), allow_loopback=True)
    store.close()


def _run() -> list[str]:
    return [sys.executable, "-m", "monitor", "run", "--once"]


def _outcome(tmp: Path) -> dict[str, Any]:
    data = tmp / "data"
    store = Store.open(data / "solesource.db", data / "private.db")
    try:
        q = store.private.execute
        return {
            "states": dict(q("select state, count(*) from outbox group by state").fetchall()),
            "keys": {r[0] for r in q("select message_key from outbox where state = 'sent'")},
            "quota": q("select coalesce(sum(used), 0) from quota").fetchone()[0],
        }
    finally:
        store.close()


def _sam_requests(app: ReplayApp) -> int:
    """Keyed requests the replay counted against the SAM.gov quota."""
    return sum(app.usage.values())


@pytest.mark.slow
def test_a_second_run_gives_up_at_once_naming_the_holder(tmp_path: Path) -> None:
    held, slack, hook = Held(), HttpSink(), HttpSink(secret=SECRET)
    with ReplayServer(held.app) as url, ReplayServer(slack) as slack_url, \
            ReplayServer(hook) as hook_url:
        _subscribe(tmp_path, slack_url, hook_url)
        env = _env(tmp_path, url)
        first = subprocess.Popen(_run(), env=env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, text=True)
        try:
            assert held.inside.wait(timeout=120), "the first run never reached the replay"
            before = len(held.app.requests)
            second = subprocess.run(_run(), env=env, capture_output=True, text=True,
                                    timeout=120)
            assert len(held.app.requests) == before, "the second run spent quota"
        finally:
            held.release.set()
        _, err = first.communicate(timeout=300)
        assert first.returncode == 0, err[-2000:]
    assert second.returncode == 75, second.stderr
    lines = [line for line in second.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in second.stderr, second.stderr
    assert "solesource.lock" in lines[0] and f"pid {first.pid}" in lines[0]
    got = _outcome(tmp_path)
    assert set(got["states"]) == {"sent"}, got["states"]
    assert sorted(slack.keys()) == sorted(set(slack.keys())), "a Slack message came twice"
    assert sorted(hook.keys()) == sorted(set(hook.keys())), "a webhook came twice"
    assert set(slack.keys()) | set(hook.keys()) == got["keys"]
    assert len(hook.keys()) == 3 and len(slack.keys()) >= 3
    assert got["quota"] == _sam_requests(held.app) > 0, "the quota ledger disagrees"


@pytest.mark.slow
def test_a_second_run_that_may_wait_runs_after_the_first(tmp_path: Path) -> None:
    held, slack, hook = Held(), HttpSink(), HttpSink(secret=SECRET)
    with ReplayServer(held.app) as url, ReplayServer(slack) as slack_url, \
            ReplayServer(hook) as hook_url:
        _subscribe(tmp_path, slack_url, hook_url)
        env = _env(tmp_path, url)
        first = subprocess.Popen(_run(), env=env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, text=True)
        try:
            assert held.inside.wait(timeout=120), "the first run never reached the replay"
            second = subprocess.Popen(_run(), env=env | {"SOLESOURCE_LOCK_WAIT": "300"},
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                      text=True)
            said = ""
            assert second.stderr is not None
            for line in second.stderr:  # until it says it waits (or exits: a failure)
                said += line
                if "waiting up to" in line:
                    break
        finally:
            held.release.set()
        _, err = first.communicate(timeout=300)
        assert first.returncode == 0, err[-2000:]
        rest = second.stderr.read()  # not communicate(): it would skip what is buffered
        assert second.wait(timeout=300) == 0, (said + rest)[-2000:]
    assert re.search(rf"held by pid {first.pid}\b", " ".join((said + rest).split())), said
    got = _outcome(tmp_path)
    assert set(got["states"]) == {"sent"}, got["states"]
    assert sorted(slack.keys()) == sorted(set(slack.keys())), "a Slack message came twice"
    assert sorted(hook.keys()) == sorted(set(hook.keys())), "a webhook came twice"
    assert set(slack.keys()) | set(hook.keys()) == got["keys"]
    assert got["quota"] == _sam_requests(held.app)


def test_a_transaction_holds_the_write_lock_from_its_start(tmp_path: Path) -> None:
    """atomic() is BEGIN IMMEDIATE: another writer waits (here 0.1 s, then gives up) instead
    of committing between our read and our write — which in WAL mode made our write fail
    with "database is locked" at once, whatever the busy timeout (delivery._record)."""
    import sqlite3

    from monitor import schema
    from monitor.store import open_db

    path = tmp_path / "private.db"
    ours = open_db(path, schema.private)
    other = sqlite3.connect(path, timeout=0.1, isolation_level=None)
    try:
        assert ours.execute("pragma busy_timeout").fetchone()[0] == 30000
        with ours.atomic():
            ours.execute("select count(*) from runs").fetchone()
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("insert into runs (source) values ('other')")
            ours.execute("insert into runs (source) values ('ours')")
        other.execute("insert into runs (source) values ('other')")  # now it may
        assert [r[0] for r in other.execute("select source from runs order by id")] == [
            "ours", "other"]
    finally:
        other.close()
        ours.close()


def test_hostile_lock_settings_and_claim_owners() -> None:
    """SOLESOURCE_LOCK_WAIT and a claim's owner (read back from the database) are parsed
    without surprises: a number of seconds or one clear error; alive or not, never a crash."""
    import os
    import socket

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from monitor.lock import LockWaitError, wait_seconds
    from notifications.claims import owner_alive, owner_id

    @settings(max_examples=300, deadline=None)
    @given(st.text(max_size=40))
    def wait_text(raw: str) -> None:
        try:
            value = wait_seconds(raw)
        except LockWaitError as exc:
            assert "SOLESOURCE_LOCK_WAIT" in str(exc) and "\n" not in str(exc)
        else:
            assert 0 <= value < float("inf")

    host = socket.gethostname()

    @settings(max_examples=300, deadline=None)
    @given(st.one_of(st.text(max_size=40), st.text(max_size=40).map(lambda t: f"{host}:{t}"),
                     st.integers(-2**70, 2**70).map(lambda n: f"{host}:{n}:"),
                     st.integers(-2**70, 2**70).map(lambda n: f"{host}:{n}")))
    def owner_text(owner: str) -> None:
        assert owner_alive(owner) in (True, False)

    wait_text()
    owner_text()
    assert wait_seconds(" 2.5 ") == 2.5
    assert owner_alive(owner_id()) and not owner_alive(f"{host}:0:")
    assert not owner_alive(f"{host}:{os.getpid()}:not-its-start-time")
