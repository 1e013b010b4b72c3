"""Secrets stay secret and hostile text stays inert, end to end.

The SAM.gov key, the SMTP password, Slack webhook URLs (their path is the credential),
webhook signing secrets and subscribers' addresses must never reach the logs, the public
database, error messages or the pages Datasette serves; targets may not point at private
addresses or at this machine outside local testing.
"""

from __future__ import annotations

import asyncio
import logging
import random
import sqlite3
from dataclasses import replace

import pytest

from monitor import pipeline
from monitor.browse import make_datasette
from monitor.replay import ReplayServer
from monitor.replay.sinks import HttpSink, SmtpSink
from monitor.settings import Secret
from monitor.store import Store
from notifications import ConfigurationError
from notifications.base import check_url
from notifications.matching import Filters
from notifications.subscriptions import add
from tests.conftest import KEY, wsgi

BASE = "http://replay.test"
SMTP_PASSWORD = "smtp-pa55word-never-logged"
HOOK_SECRET = "hook-secret-never-logged"
SLACK_PATH = "/services/T0SECRET/B0SECRET/xoxSECRETTOKEN"
ADDRESS = "reporter.private@example.test"


def test_secrets_never_reach_logs_public_database_or_pages(demo_app, settings_for, clock,
                                                          caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.DEBUG)
    slack = HttpSink(default=(500, "internal_error", {}))  # failing: errors get logged
    hook = HttpSink(secret=HOOK_SECRET, default=(404, "not found", {}))
    with ReplayServer(slack) as slack_url, ReplayServer(hook) as hook_url, SmtpSink() as smtp:
        settings = settings_for(BASE)
        settings = replace(settings, smtp=replace(
            settings.smtp, host="127.0.0.1", port=smtp.port, security="none",
            username="solesource", password=Secret(SMTP_PASSWORD)))
        store = Store.open(settings.public_db, settings.private_db)
        add(store, clock(), subscriber="desk", slack=slack_url + SLACK_PATH,
            owner_email=ADDRESS, filters=Filters(), allow_loopback=True)
        add(store, clock(), subscriber="watchdog", webhook=hook_url + "/hook",
            secret=HOOK_SECRET, owner_email=ADDRESS, filters=Filters(agencies=("DHS",)),
            allow_loopback=True)
        add(store, clock(), subscriber="reporter", email=ADDRESS, filters=Filters())
        pipeline.poll(settings, ["samgov", "federal_register"], clock=clock,
                      transport=wsgi(demo_app), store=store)
        pipeline.extract(settings, clock=clock, store=store)
        pipeline.match(settings, clock=clock, store=store)
        pipeline.deliver(settings, clock=clock, store=store, rng=random.Random(3))
        runs_errors = " ".join(str(r[0]) for r in store.private.execute(
            "select error from runs where error is not null"))
        deliveries = " ".join(str(r[0]) + str(r[1]) for r in store.private.execute(
            "select error, target from deliveries"))
        store.close()
    assert slack.received == [] and hook.received == []  # the endpoints did fail
    secrets = [KEY, SMTP_PASSWORD, HOOK_SECRET, "xoxSECRETTOKEN", "T0SECRET/B0SECRET", ADDRESS]
    ours = ("monitor", "notifications", "extractors", "httpx", "httpcore", "datasette")
    logs = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith(ours)
                      and not r.name.startswith("monitor.replay"))  # not the fake servers
    assert "deliver" in logs.lower() or "slack" in logs.lower()  # something was logged
    public = settings.public_db.read_bytes()
    ds = make_datasette(settings.public_db, settings.data_dir)
    pages = ""
    for path in ("/solesource/notices", "/solesource/raw_records.json?_shape=array",
                 "/solesource/attachments.json?_shape=array", "/solesource/justifications",
                 "/solesource/extractions.json?_shape=array&_size=max", "/-/metadata.json",
                 "/-/settings.json", "/-/plugins.json"):
        pages += asyncio.run(ds.client.get(path)).text
    for secret in secrets:
        assert secret not in logs, f"{secret!r} in the logs"
        assert secret.encode() not in public, f"{secret!r} in the public database"
        assert secret not in pages, f"{secret!r} on a served page"
        assert secret not in runs_errors, f"{secret!r} in a recorded error"
    for secret in (SMTP_PASSWORD, HOOK_SECRET, "xoxSECRETTOKEN"):
        assert secret not in deliveries, f"{secret!r} in the deliveries log"


def test_the_raw_key_is_not_kept_in_raw_records(demo_app, settings_for, clock):
    settings = settings_for(BASE)
    pipeline.poll(settings, ["samgov"], clock=clock, transport=wsgi(demo_app))
    db = sqlite3.connect(settings.public_db)
    payloads = " ".join(r[0] for r in db.execute("select payload from raw_records"))
    urls = " ".join(str(r[0]) for r in db.execute("select source_url from attachments"))
    db.close()
    assert payloads and KEY not in payloads and KEY not in urls


@pytest.mark.parametrize("url", [
    "https://10.0.0.5/hook", "https://192.168.1.20/hook", "https://169.254.169.254/latest",
    "https://[fd00::1]/hook", "http://example.org/hook", "file:///etc/passwd",
    "gopher://example.org/", "https://224.0.0.1/x",
])
def test_webhook_targets_may_not_point_at_private_or_odd_places(url: str) -> None:
    with pytest.raises(ConfigurationError):
        check_url(url)


def test_loopback_targets_only_when_testing_locally() -> None:
    check_url("http://127.0.0.1:9/hook", allow_loopback=True)  # SOLESOURCE_ALLOW_LOOPBACK=1
    for url in ("http://127.0.0.1:9/hook", "https://localhost/hook", "https://[::1]/hook"):
        with pytest.raises(ConfigurationError, match="this machine"):
            check_url(url)
    check_url("https://hooks.slack.com/services/T/B/X")
