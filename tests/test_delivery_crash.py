"""SIGKILL the real deliverer at random points; every match arrives, none twice.

The receivers kill the child right after they have accepted a message — the worst moment,
when the deliverer has sent but not yet recorded. The re-run may only repeat such a send
with the same Message-ID / Idempotency-Key; counting distinct keys proves none is new.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from dataclasses import replace

import pytest

from monitor import pipeline
from monitor.replay import ReplayServer
from monitor.replay.sinks import HttpSink, SmtpSink
from monitor.store import Store
from notifications.matching import Filters
from notifications.subscriptions import add
from tests.conftest import wsgi

BASE = "http://replay.test"
SECRET = "crash-test-secret"


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(4))
def test_sigkill_while_delivering(demo_app, settings_for, clock, tmp_path, seed):
    rng = random.Random(seed)
    slack, hook = HttpSink(), HttpSink(secret=SECRET)
    with ReplayServer(slack) as slack_url, ReplayServer(hook) as hook_url, SmtpSink() as smtp:
        settings = settings_for(BASE)
        settings = replace(settings, smtp=replace(settings.smtp, host="127.0.0.1",
                                                  port=smtp.port, security="none"))
        store = Store.open(settings.public_db, settings.private_db)
        add(store, clock(), subscriber="desk", slack=f"{slack_url}/services/T/B/X",
            filters=Filters(), allow_loopback=True)
        add(store, clock(), subscriber="watchdog", webhook=f"{hook_url}/hook", secret=SECRET,
            filters=Filters(agencies=("DHS",)), allow_loopback=True)
        add(store, clock(), subscriber="reporter", email="r@example.test",
            filters=Filters(min_amount=1e6))
        pipeline.poll(settings, ["samgov", "federal_register"], clock=clock,
                      transport=wsgi(demo_app), store=store)
        pipeline.extract(settings, clock=clock, store=store)
        pipeline.match(settings, clock=clock, store=store)
        store.close()

        env = {k: v for k, v in os.environ.items() if not k.startswith(("SAM_", "SOLESOURCE_",
                                                                         "SMTP_"))}
        env |= {"SOLESOURCE_DATA": str(settings.data_dir), "SOLESOURCE_ALLOW_LOOPBACK": "1",
                "SMTP_HOST": "127.0.0.1",
                "SMTP_PORT": str(smtp.port), "SMTP_SECURITY": "none",
                "SOLESOURCE_NOW": clock().isoformat()}
        child: dict[str, subprocess.Popen[bytes]] = {}
        state = {"count": 0, "kill_at": 0}

        def maybe_kill() -> None:
            state["count"] += 1
            if state["count"] == state["kill_at"] and "p" in child:
                os.kill(child["p"].pid, signal.SIGKILL)

        for sink in (slack, hook, smtp):
            sink.on_receive = maybe_kill
        killed = 0
        for _ in range(3):
            state["kill_at"] = state["count"] + rng.randint(1, 5)
            child["p"] = subprocess.Popen([sys.executable, "-m", "monitor", "deliver"], env=env,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            killed += child["p"].wait(timeout=120) == -signal.SIGKILL
        state["kill_at"] = 0
        done = subprocess.run([sys.executable, "-m", "monitor", "deliver"], env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        assert killed >= 1

    store = Store.open(settings.public_db, settings.private_db)
    states = dict(store.private.execute("select state, count(*) from outbox group by state"
                                        ).fetchall())
    assert set(states) == {"sent"}, states
    keys = {r[0] for r in store.private.execute("select distinct message_key from outbox")}
    store.close()
    got = set(slack.keys()) | set(hook.keys()) | {
        m.message["Message-ID"].strip("<>").split("@")[0] for m in smtp.received}
    assert got == keys, "a message is missing, or one arrived under a new key"
    assert all(e["valid"] for e in hook.received)
