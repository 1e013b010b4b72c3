"""Fault campaign: the whole pipeline (poll → extract → match → deliver) under fire.

    .venv/bin/python scripts/fault_campaign.py [--seeds 50] [--notices 30]

For each seed, against the local fakes on 127.0.0.1: the replay of SAM.gov and the Federal
Register answers some requests with 5xx storms, 429 (with and without nextAccessTime),
truncated bodies, HTML challenge pages, slow answers, hangs and signed download URLs that
have expired by the time they are fetched (S3's 403 "Request has expired"); the Slack-like
and webhook sinks and the SMTP server have outages; and the real `solesource run --once` is
SIGKILLed at random points (on a request to the fakes or right after a sink accepted a
message — the worst moment). Then clean runs, a simulated day apart, until the work is done.
After each seed: every notice is stored once, every match is delivered, none twice (a repeat
is allowed only with the same Message-ID / Idempotency-Key), nothing is left pending, the
database is intact.

Prints the tallies and exits non-zero if any invariant failed.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.replay import Dataset, ReplayApp, ReplayServer  # noqa: E402
from monitor.replay.app import Fault  # noqa: E402
from monitor.replay.sinks import HttpSink, SmtpSink  # noqa: E402
from monitor.store import Store  # noqa: E402
from notifications.matching import Filters  # noqa: E402
from notifications.subscriptions import add  # noqa: E402

KEY = "CAMPAIGN-KEY-0123456789"
SECRET = "campaign-webhook-secret"
START = datetime(2025, 4, 30, 14, 0, tzinfo=UTC)
EXPIRED = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
           "<Message>Request has expired</Message></Error>")  # what S3 answers a stale URL
ROUTES = ["search", "noticedesc", "resources", "download", "fr_documents", "fr_text"]


@dataclass
class Tally:
    seeds: int = 0
    kills: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    sink_outages: int = 0
    notices: int = 0
    messages: int = 0
    repeats_same_key: int = 0
    failures: list[str] = field(default_factory=list)


def _faults(rng: random.Random) -> list[tuple[str, Fault, str]]:
    choices = [
        ("5xx", lambda: Fault(status=rng.choice([500, 502, 503]))),
        ("429+nextAccessTime", lambda: Fault(status=429, body=(
            '{"code":"900804","message":"Message throttled out","description":"You have '
            'exceeded your quota. You can access API after 2025-May-01 00:00:00+0000 UTC",'
            '"nextAccessTime":"2025-May-01 00:00:00+0000 UTC"}'))),
        ("429 bare", lambda: Fault(status=429, body='{"error":"throttled"}')),
        ("truncated body", lambda: Fault(truncate_after=rng.randint(10, 200))),
        ("HTML challenge", lambda: Fault(html_challenge=True)),
        ("slow", lambda: Fault(delay=0.2)),
        ("hang", lambda: Fault(hang=True)),  # the client's timeout must end it
        ("expired signed URL", lambda: Fault(status=403, body=EXPIRED,
                                             headers={"Content-Type": "application/xml"})),
    ]
    out = []
    for _ in range(rng.randint(3, 8)):
        name, make = rng.choice(choices)
        route = "s3" if name == "expired signed URL" else rng.choice(ROUTES)
        out.append((route, make(), name))
    return out


def _env(tmp: Path, url: str, smtp_port: int, now: datetime) -> dict[str, str]:
    config = tmp / "solesource.toml"
    config.write_text("retry_backoff = 0.0\nhttp_timeout = 3.0\n[sam]\npage_size = 9\n"
                      "lookback_days = 40\ndaily_budget = 10000\n[federal_register]\n"
                      "lookback_days = 40\n")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SAM_", "SOLESOURCE_", "SMTP_"))}
    return env | {"SAM_API_KEY": KEY, "SAM_API_BASE": url, "SAM_WEB_BASE": url,
                  "FEDERAL_REGISTER_BASE": url, "SOLESOURCE_DATA": str(tmp / "data"),
                  "SOLESOURCE_NOW": now.isoformat(), "SOLESOURCE_CONFIG": str(config),
                  "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_port),
                  "SMTP_SECURITY": "none", "SMTP_FROM": "campaign@solesource.test",
                  "SOLESOURCE_ALLOW_LOOPBACK": "1"}  # the sinks live on 127.0.0.1


def _subscribe(data_dir: Path, slack: str, hook: str) -> None:
    store = Store.open(data_dir / "solesource.db", data_dir / "private.db")
    try:
        add(store, START, subscriber="desk", slack=f"{slack}/services/T/B/X", filters=Filters(),
            allow_loopback=True)
        add(store, START, subscriber="watchdog", webhook=f"{hook}/hook", secret=SECRET,
            filters=Filters(agencies=("DHS",)), allow_loopback=True)
        add(store, START, subscriber="reporter", email="reporter@example.test",
            filters=Filters(min_amount=1e6))
    finally:
        store.close()


def run_seed(seed: int, notices: int, tally: Tally, keep: Path | None = None) -> None:
    rng = random.Random(seed)
    data = Dataset.demo()
    data.notices.extend(Dataset.synthetic(notices, date(2025, 4, 1), 29,
                                          attachments=True).notices)
    clock = {"now": START}
    app = ReplayApp(data, clock=lambda: clock["now"], keys={KEY: 10000})
    for route, fault, name in _faults(rng):
        app.script(route, fault)
        tally.faults[name] += 1
    slack, hook = HttpSink(), HttpSink(secret=SECRET)
    for sink in (slack, hook):
        for _ in range(rng.randint(0, 3)):
            sink.script.append(rng.choice([(500, "error", {}), (429, "rate limited",
                                                                 {"Retry-After": "0"})]))
            tally.sink_outages += 1
    child: dict[str, subprocess.Popen[bytes]] = {}
    trigger = {"count": 0, "at": -1}

    def tick(*_: object) -> None:
        trigger["count"] += 1
        if trigger["count"] == trigger["at"] and "p" in child:
            os.kill(child["p"].pid, signal.SIGKILL)

    app.on_request = tick
    with tempfile.TemporaryDirectory(dir=keep) as tmpdir, ReplayServer(app) as url, \
            ReplayServer(slack) as slack_url, ReplayServer(hook) as hook_url, \
            SmtpSink() as smtp:
        tmp = Path(tmpdir)
        for sink in (slack, hook, smtp):
            sink.on_receive = tick
        for _ in range(rng.randint(0, 2)):
            smtp.modes.append(rng.choice(["451", "disconnect"]))
            tally.sink_outages += 1
        (tmp / "data").mkdir()
        _subscribe(tmp / "data", slack_url, hook_url)
        cmd = [sys.executable, "-m", "monitor", "run", "--once"]
        for _ in range(3):  # killed runs
            trigger["at"] = trigger["count"] + rng.randint(1, 60)
            child["p"] = subprocess.Popen(cmd, env=_env(tmp, url, smtp.port, clock["now"]),
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                          cwd=ROOT)
            tally.kills += child["p"].wait(timeout=600) == -signal.SIGKILL
        trigger["at"] = -1
        for _ in range(6):  # clean runs, a day apart, until nothing is left to do
            clock["now"] += timedelta(days=1)
            done = subprocess.run(cmd, env=_env(tmp, url, smtp.port, clock["now"]),
                                  capture_output=True, text=True, timeout=600, cwd=ROOT)
            if done.returncode != 0:
                tally.failures.append(f"seed {seed}: clean run failed: {done.stderr[-500:]}")
                return
            if _quiet(tmp / "data"):
                break
        failures = len(tally.failures)
        _check(seed, tmp / "data", data, (slack, hook, smtp), tally)
        if keep is not None and len(tally.failures) > failures:
            kept = keep / f"seed-{seed}"
            shutil.copytree(tmp, kept, dirs_exist_ok=True)
            print(f"seed {seed}: its data is kept in {kept}", flush=True)


def _quiet(data_dir: Path) -> bool:
    pub = sqlite3.connect(data_dir / "solesource.db")
    priv = sqlite3.connect(data_dir / "private.db")
    try:
        pending = pub.execute("select count(*) from notices where description_state = 'pending'"
                              " or attachments_state = 'pending' or extraction_state = 'pending'"
                              ).fetchone()[0]
        outbox = priv.execute("select count(*) from outbox where state in ('pending', 'sending')"
                              ).fetchone()[0]
        last = dict(priv.execute("select source, status from runs where id in (select max(id) "
                                 "from runs group by source)").fetchall())
        polled = last.get("samgov") == "ok" and last.get("federal_register") == "ok"
        return pending == 0 and outbox == 0 and polled
    finally:
        pub.close()
        priv.close()


def _check(seed: int, data_dir: Path, data: Dataset, sinks: tuple[HttpSink, HttpSink, SmtpSink],
           tally: Tally) -> None:
    pub = sqlite3.connect(data_dir / "solesource.db")
    priv = sqlite3.connect(data_dir / "private.db")
    fail = tally.failures.append
    try:
        for name, db in (("public", pub), ("private", priv)):
            if db.execute("pragma integrity_check").fetchone()[0] != "ok":
                fail(f"seed {seed}: {name} database is damaged")
        ids = {r[0] for r in pub.execute("select source_id from notices where source='samgov'")}
        missing = {n["noticeId"] for n in data.notices} - ids
        if missing:
            fail(f"seed {seed}: {len(missing)} notices never stored")
        tally.notices += len(ids)
        dup = pub.execute("select count(*) - count(distinct notice_id || '@' || content_sha256) "
                          "from notice_versions").fetchone()[0]
        if dup:
            fail(f"seed {seed}: {dup} duplicate notice versions")
        if not _quiet(data_dir):
            fail(f"seed {seed}: work left pending after the clean runs")
        dead = priv.execute("select count(*) from outbox where state = 'dead'").fetchone()[0]
        if dead:
            fail(f"seed {seed}: {dead} outbox items ended as dead letters")
        sent = {r[0] for r in priv.execute(
            "select distinct message_key from outbox where state = 'sent'")}
        received: list[str] = []
        for sink in sinks:
            received += [k for k in sink.keys() if k] if isinstance(sink, HttpSink) else [
                r.message["Message-ID"] for r in sink.received]
        lost = {k for k in sent if not any(k in r for r in received)}
        if lost:
            fail(f"seed {seed}: {len(lost)} sent messages never arrived")
        counts = Counter(received)
        tally.messages += len(counts)
        tally.repeats_same_key += sum(c - 1 for c in counts.values())
        bad = [s for s in sinks[1:2] for e in s.received if not e.get("valid")]
        if bad:
            fail(f"seed {seed}: {len(bad)} webhook bodies with a bad signature")
        if not sent:
            fail(f"seed {seed}: nothing was delivered at all")
    finally:
        pub.close()
        priv.close()
    tally.seeds += 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=50)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--notices", type=int, default=30, help="synthetic notices per seed")
    parser.add_argument("--keep", type=Path, default=None,
                        help="copy the data of a failing seed into this folder")
    args = parser.parse_args()
    tally = Tally()
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        run_seed(seed, args.notices, tally, args.keep)
        print(f"seed {seed}: done ({len(tally.failures)} failures so far)", flush=True)
    print(f"seeds {tally.seeds}/{args.seeds} checked; kills landed {tally.kills}; "
          f"faults injected {sum(tally.faults.values())} "
          f"({', '.join(f'{k} {v}' for k, v in sorted(tally.faults.items()))}); "
          f"sink outages {tally.sink_outages}")
    print(f"notices stored {tally.notices}; messages delivered {tally.messages}; "
          f"repeats with the same key {tally.repeats_same_key}; lost 0 required, "
          f"failures {len(tally.failures)}")
    for failure in tally.failures:
        print("FAIL", failure)
    return 1 if tally.failures else 0


if __name__ == "__main__":
    sys.exit(main())
