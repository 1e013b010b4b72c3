"""Matching into the outbox and delivering to real local servers: an aiosmtpd SMTP server,
a Slack-like incoming webhook and a signed-webhook receiver, all on 127.0.0.1."""

from __future__ import annotations

import json
import logging
import random
from dataclasses import replace
from datetime import timedelta

import pytest

from monitor import pipeline
from monitor.replay import ReplayServer
from monitor.replay.sinks import HttpSink, SmtpSink
from monitor.store import Store
from notifications.matching import Filters
from notifications.subscriptions import add, check_token, signing_key, unsubscribe_token
from tests.conftest import wsgi

BASE = "http://replay.test"
SECRET = "s3cret-for-tests"


@pytest.fixture
def sinks(tmp_path):
    slack = HttpSink()
    hook = HttpSink(secret=SECRET)
    with ReplayServer(slack) as slack_url, ReplayServer(hook) as hook_url, SmtpSink() as smtp:
        yield {"slack": slack, "slack_url": f"{slack_url}/services/T1/B1/XYZ", "hook": hook,
               "hook_url": f"{hook_url}/hook", "smtp": smtp}


@pytest.fixture
def world(demo_app, settings_for, clock, sinks):
    """The demo notices polled and extracted, SMTP pointing at the local sink."""
    settings = settings_for(BASE)
    settings = replace(settings, smtp=replace(settings.smtp, host="127.0.0.1",
                                              port=sinks["smtp"].port, security="none"))
    store = Store.open(settings.public_db, settings.private_db)
    pipeline.poll(settings, ["samgov", "federal_register"], clock=clock,
                  transport=wsgi(demo_app), store=store)
    pipeline.extract(settings, clock=clock, store=store)
    yield settings, store
    store.close()


def _run(settings, store, clock, rng=None):
    pipeline.match(settings, clock=clock, store=store)
    return pipeline.deliver(settings, clock=clock, store=store, rng=rng or random.Random(1))


def test_ice_over_a_million_gets_palantir_and_nothing_else(world, sinks, clock):
    settings, store = world
    add(store, clock(), subscriber="newsroom", slack=sinks["slack_url"],
        filters=Filters(agencies=("ICE",), min_amount=1_000_000), allow_loopback=True)
    stats = _run(settings, store, clock)
    assert stats.sent == 1
    body = sinks["slack"].received[0]["json"]
    assert "Palantir Technologies Inc." in body["text"] and "$29,800,000" in body["text"]
    assert len(body["blocks"]) <= 50
    assert body["blocks"][0]["type"] == "header"
    why = [b for b in body["blocks"] if b["type"] == "context"][0]["elements"][0]["text"]
    assert "agency: ICE" in why and "amount ≥ $1M" in why
    assert _run(settings, store, clock).sent == 0  # nothing twice


def test_signed_webhook_with_idempotency_key(world, sinks, clock):
    settings, store = world
    add(store, clock(), subscriber="watchdog", webhook=sinks["hook_url"], secret=SECRET,
        filters=Filters(agencies=("DHS",)), allow_loopback=True)
    assert _run(settings, store, clock).sent == 3
    received = sinks["hook"].received
    assert all(e["valid"] for e in received)
    assert len(set(sinks["hook"].keys())) == 3
    payload = received[0]["json"]
    assert payload["version"] == "1" and payload["items"][0]["why"].startswith("agency: DHS")


def test_email_digest_next_morning_with_unsubscribe_headers(world, sinks, clock):
    settings, store = world
    sub_id = add(store, clock(), subscriber="reporter", email="reporter@example.test",
                 filters=Filters(agencies=("DHS", "HHS")), cadence="daily", hour=8)
    assert _run(settings, store, clock).sent == 0  # not due until 08:00 New York time
    clock.set(clock.now + timedelta(days=1))
    assert _run(settings, store, clock).sent >= 4
    assert len(sinks["smtp"].received) == 1
    msg = sinks["smtp"].received[0].message
    assert msg["Message-ID"].startswith("<") and msg["List-Unsubscribe-Post"] == \
        "List-Unsubscribe=One-Click"
    token = msg["List-Unsubscribe"].split("t=")[1].rstrip(">")
    key = signing_key(store, settings.delivery)
    assert check_token(key, sub_id, token) and not check_token(key, sub_id + 1, token)
    html = msg.get_body(preferencelist=("html",)).get_content()
    text = msg.get_body(preferencelist=("plain",)).get_content()
    assert "Palantir Technologies Inc." in html and "$29,800,000" in text
    assert html.index("$29,800,000") < html.index("redacted")  # sorted by amount


def test_document_text_is_inert_in_email_and_slack(world, sinks, clock):
    settings, store = world
    store.public.execute("update notices set title = '<script>alert(1)</script> <!channel>' "
                         "where vendor = 'Palantir Technologies Inc.'")
    add(store, clock(), subscriber="r", email="r@example.test", filters=Filters(vendors=(
        "Palantir",)))
    add(store, clock(), subscriber="n", slack=sinks["slack_url"], filters=Filters(vendors=(
        "Palantir",)), allow_loopback=True)
    _run(settings, store, clock)
    html = sinks["smtp"].received[0].message.get_body(preferencelist=("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html
    raw = json.dumps(sinks["slack"].received[0]["json"])
    assert "<!channel>" not in raw


def test_slack_429_then_ok_honours_retry_after(world, sinks, clock):
    settings, store = world
    sinks["slack"].script.append((429, "rate_limited", {"Retry-After": "120"}))
    add(store, clock(), subscriber="n", slack=sinks["slack_url"], filters=Filters(
        agencies=("ICE",), min_amount=1e6), allow_loopback=True)
    first = _run(settings, store, clock)
    assert (first.sent, first.failed) == (0, 1)
    retry_at = store.private.execute("select next_attempt_at from outbox").fetchone()[0]
    assert retry_at >= (clock.now + timedelta(seconds=120)).isoformat(timespec="seconds")
    assert _run(settings, store, clock).sent == 0  # not yet
    clock.set(clock.now + timedelta(minutes=3))
    assert _run(settings, store, clock).sent == 1


def test_slack_invalid_payload_is_dead_lettered_and_logged(world, sinks, clock, caplog):
    settings, store = world
    sinks["slack"].default = (400, "invalid_payload", {})
    add(store, clock(), subscriber="n", slack=sinks["slack_url"], filters=Filters(
        agencies=("ICE",), min_amount=1e6), allow_loopback=True)
    with caplog.at_level(logging.ERROR):
        stats = _run(settings, store, clock)
    assert stats.dead == 1 and "invalid_payload" in caplog.text
    assert "T1/B1/XYZ" not in caplog.text  # the webhook URL is a secret
    info = pipeline.status(settings, clock=clock)
    assert info["dead_letters"][0]["last_error"] == "invalid_payload"


def test_dead_slack_disables_the_subscription_and_tells_the_owner(world, sinks, clock):
    settings, store = world
    sinks["slack"].default = (404, "no_service", {})
    sub_id = add(store, clock(), subscriber="n", slack=sinks["slack_url"],
                 owner_email="owner@example.test",
                 filters=Filters(agencies=("ICE",), min_amount=1e6), allow_loopback=True)
    _run(settings, store, clock)
    state, reason = store.private.execute(
        "select state, disabled_reason from subscriptions where id = ?", [sub_id]).fetchone()
    assert state == "disabled" and "no_service" in reason
    told = sinks["smtp"].received[0]
    assert told.rcpt_tos == ["owner@example.test"]
    assert "paused" in told.message["Subject"]


def test_smtp_temporary_then_permanent_failures(world, sinks, clock):
    settings, store = world
    sinks["smtp"].modes.extend(["451", "disconnect"])
    add(store, clock(), subscriber="r", email="r@example.test",
        filters=Filters(agencies=("ICE",), min_amount=1e6))
    assert _run(settings, store, clock).failed == 1
    clock.set(clock.now + timedelta(minutes=5))
    assert _run(settings, store, clock).failed == 1
    clock.set(clock.now + timedelta(minutes=10))
    assert _run(settings, store, clock).sent == 1


def test_smtp_permanent_failure_is_a_dead_letter(world, sinks, clock):
    settings, store = world
    add(store, clock(), subscriber="bad", email="nobody@example.test",
        filters=Filters(agencies=("ICE",), min_amount=1e6))
    sinks["smtp"].modes.append("550")
    assert _run(settings, store, clock).dead == 1
    assert "5.1.1" in pipeline.status(settings, clock=clock)["dead_letters"][0]["last_error"]


def test_retries_stop_after_two_days(world, sinks, clock):
    settings, store = world
    sinks["slack"].default = (500, "boom", {})
    sub_id = add(store, clock(), subscriber="n", slack=sinks["slack_url"],
                 filters=Filters(agencies=("ICE",), min_amount=1e6), allow_loopback=True)
    attempts = 0
    for _ in range(40):
        stats = _run(settings, store, clock)
        attempts += stats.failed + stats.dead
        if stats.dead:
            break
        clock.set(clock.now + timedelta(hours=3))
    assert stats.dead == 1 and 5 <= attempts <= 30
    assert store.private.execute("select state from subscriptions where id = ?",
                                 [sub_id]).fetchone()[0] == "disabled"
    assert store.private.execute("select count(*) from deliveries").fetchone()[0] == attempts


def test_amendment_notifies_again_only_when_material(world, demo_app, sinks, clock):
    settings, store = world
    add(store, clock(), subscriber="n", slack=sinks["slack_url"],
        filters=Filters(vendors=("Palantir",)), allow_loopback=True)
    assert _run(settings, store, clock).sent == 1  # the amendment (same facts) is not news
    store.public.execute("update notices set amount_usd = 35000000, extraction_state = 'done',"
                         " version = version + 1 where title like '%(Amendment 1)'")
    assert _run(settings, store, clock).sent == 1
    change = [b for b in sinks["slack"].received[-1]["json"]["blocks"] if b["type"] ==
              "section" and "text" in b][0]["text"]["text"]
    assert "amount $29.8M → $35M" in change


def test_deadline_reminder_sent_once_not_after_the_deadline(world, sinks, clock):
    settings, store = world
    add(store, clock(), subscriber="vendor", email="bd@vendor.example", reminder_days=3,
        filters=Filters(kinds=("intent_to_sole_source",), agencies=("NIH",)))
    assert _run(settings, store, clock).sent == 1  # the intent notice itself
    clock.set(clock.now.replace(month=5, day=6, hour=13))  # 3 days before May 9
    assert _run(settings, store, clock).sent == 1
    assert "Deadline reminder" in sinks["smtp"].received[-1].message["Subject"]
    clock.set(clock.now + timedelta(days=1))
    assert _run(settings, store, clock).sent == 0


def test_nothing_private_in_the_public_database(world, sinks, clock):
    settings, store = world
    add(store, clock(), subscriber="watchdog", webhook=sinks["hook_url"], secret=SECRET,
        owner_email="owner@example.test", filters=Filters(agencies=("DHS",)), allow_loopback=True)
    _run(settings, store, clock)
    public = settings.public_db.read_bytes()
    for secret in (SECRET.encode(), b"owner@example.test", sinks["hook_url"].encode(),
                   unsubscribe_token(signing_key(store, settings.delivery), 1).encode()):
        assert secret not in public


def test_a_refused_target_fails_alone(world, sinks, clock):
    """A webhook whose host is a private address (accepted by an older guard, or a name that
    now resolves privately) is refused at send time: its rows are dead-lettered with the
    reason, its subscription disabled, its owner told — and every other subscription,
    before and after it in the outbox, is delivered."""
    settings, store = world
    good_email = add(store, clock(), subscriber="reporter", email="r@example.test",
                     filters=Filters(agencies=("DHS",)))
    bad = add(store, clock(), subscriber="watchdog", webhook=sinks["hook_url"], secret=SECRET,
              owner_email="owner@example.test", filters=Filters(agencies=("DHS",)),
              allow_loopback=True)
    store.private.execute("update subscriptions set target = 'https://10.1.2.3/hook' "
                          "where id = ?", [bad])
    add(store, clock(), subscriber="desk", slack=sinks["slack_url"],
        filters=Filters(agencies=("DHS",)), allow_loopback=True)
    stats = _run(settings, store, clock)
    assert stats.dead == 3 and stats.sent == 3 + 3  # three DHS matches for email and Slack
    assert len(sinks["slack"].received) == 3 and not sinks["hook"].received
    states = dict(store.private.execute(
        "select subscription_id, group_concat(distinct state) from outbox "
        "group by subscription_id").fetchall())
    assert states == {good_email: "sent", bad: "dead", bad + 1: "sent"}
    errors = {r[0] for r in store.private.execute(
        "select last_error from outbox where subscription_id = ?", [bad])}
    assert errors and all("private or reserved address" in e for e in errors), errors
    state, reason = store.private.execute(
        "select state, disabled_reason from subscriptions where id = ?", [bad]).fetchone()
    assert state == "disabled" and "private or reserved address" in reason
    told = [m for m in sinks["smtp"].received if m.rcpt_tos == ["owner@example.test"]]
    assert len(told) == 1 and "paused" in told[0].message["Subject"]
    assert [m for m in sinks["smtp"].received if m.rcpt_tos == ["r@example.test"]]
    again = _run(settings, store, clock)  # the next run is not stuck on it either
    assert (again.sent, again.dead, again.failed) == (0, 0, 0)
    assert store.private.execute("select count(*) from outbox where state = 'sending'"
                                 ).fetchone()[0] == 0


def test_a_channel_that_raises_is_retried_and_does_not_stop_the_others(world, sinks, clock):
    """A channel plugin with a bug (any exception from send) fails its own batches, which
    are retried with backoff; the other channels' messages still go out."""
    from monitor.http import make_client
    from notifications.delivery import notifiers

    class Broken:
        channel = "slack"

        def send(self, message, target):
            raise RuntimeError("plugin bug")

    settings, store = world
    add(store, clock(), subscriber="desk", slack=sinks["slack_url"],
        filters=Filters(agencies=("DHS",)), allow_loopback=True)
    add(store, clock(), subscriber="reporter", email="r@example.test",
        filters=Filters(agencies=("DHS",)))
    pipeline.match(settings, clock=clock, store=store)
    with make_client(timeout=5) as client:
        channels = notifiers(settings.delivery, client) | {"slack": Broken()}
        stats = pipeline.deliver(settings, clock=clock, store=store, channels=channels,
                                 rng=random.Random(1))
    assert (stats.sent, stats.failed) == (3, 3)
    rows = store.private.execute("select o.state, o.last_error from outbox o join subscriptions s "
                                 "on s.id = o.subscription_id where s.channel = 'slack'"
                                 ).fetchall()
    assert rows and all(r == ("pending", "RuntimeError: plugin bug") for r in rows)
    clock.set(clock.now + timedelta(hours=1))
    assert _run(settings, store, clock).sent == 3 and len(sinks["slack"].received) == 3


def test_claims_of_a_live_process_are_left_alone_and_a_killed_ones_retried(world, sinks,
                                                                            clock):
    """Rows another process claimed ('sending', owner named) are not sent while it lives;
    once it is killed they are taken over and sent once, under the key it fixed."""
    import signal
    import subprocess
    import sys

    from notifications.claims import owner_id
    from notifications.types import batch_key

    settings, store = world
    sub_id = add(store, clock(), subscriber="desk", slack=sinks["slack_url"],
                 filters=Filters(agencies=("DHS",)), allow_loopback=True)
    pipeline.match(settings, clock=clock, store=store)
    other = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"],
                             stdin=subprocess.PIPE)
    try:
        owner = owner_id(other.pid)
        rows = store.private.execute("select id, key from outbox").fetchall()
        for row_id, key in rows:
            store.private.execute(
                "update outbox set state = 'sending', message_key = ?, claimed_by = ?, "
                "claim_expires = '2999-01-01T00:00:00+00:00' where id = ?",
                [batch_key(sub_id, [key]), owner, row_id])
        assert len(rows) == 3
        assert _run(settings, store, clock).sent == 0 and not sinks["slack"].received
    finally:
        other.send_signal(signal.SIGKILL)
        other.wait(timeout=30)
    assert _run(settings, store, clock).sent == 3
    keys = sinks["slack"].keys()
    assert sorted(keys) == sorted(batch_key(sub_id, [k]) for _, k in rows)
    assert _run(settings, store, clock).sent == 0 and len(sinks["slack"].received) == 3
