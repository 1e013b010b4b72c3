"""``solesource demo``: the whole flow on bundled data, on 127.0.0.1 only.

A local replay of SAM.gov, the Federal Register and USAspending (pinned clock: 2025-04-30;
demo awards in demo_data/usaspending.json), a real SMTP
server, a Slack-like webhook and a signed-webhook receiver. It polls, extracts, matches the
demo subscriptions and delivers — the reporter's daily digest the next morning — and writes
everything under the output folder. A second run finds and sends nothing new.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from monitor import pipeline
from monitor.awards import lookup_counts
from monitor.replay import Dataset, ReplayApp, ReplayServer
from monitor.replay.sinks import HttpSink, SmtpSink
from monitor.settings import Secret, Settings
from monitor.store import Store, open_store
from notifications.matching import EVENTS, Filters
from notifications.outbox import states
from notifications.subscriptions import add, load, retarget

DEMO_NOW = datetime(2025, 4, 30, 14, 0, tzinfo=UTC)
NEXT_MORNING = DEMO_NOW + timedelta(days=1)
DEMO_KEY = "DEMO-KEY"
WEBHOOK_SECRET = "demo-webhook-secret"


def demo_settings(output: Path, base_url: str, smtp_port: int = 25) -> Settings:
    s = Settings(data_dir=output, retry_backoff=0.2,
                 allow_loopback=True)  # the demo's Slack and webhook sinks live on 127.0.0.1
    return replace(
        s,
        sam=replace(s.sam, api_key=Secret(DEMO_KEY), api_base=base_url, web_base=base_url,
                    daily_budget=1000, lookback_days=30),
        federal_register=replace(s.federal_register, base=base_url, lookback_days=30),
        usaspending=replace(s.usaspending, base=base_url, web_base=base_url, enabled=True,
                            interval=0.0),
        smtp=replace(s.smtp, host="127.0.0.1", port=smtp_port, security="none",
                     sender="solesource demo <alerts@solesource.example>"),
        public_url="http://127.0.0.1:8001",
    )


def _subscribe(store: Store, slack_url: str, webhook_url: str) -> None:
    """The three demo subscribers; their local endpoints move between runs, so refresh them."""
    wanted: list[dict[str, Any]] = [
        {"subscriber": "Demo newsroom", "slack": slack_url,
         "filters": Filters(agencies=("ICE",), min_amount=1_000_000,
                            events=("obligations_exceeded",))},
        {"subscriber": "Demo reporter", "email": "reporter@newsroom.example",
         "filters": Filters(events=tuple(EVENTS)), "cadence": "daily", "hour": 8,
         "reminder_days": 3},
        {"subscriber": "Demo watchdog", "webhook": webhook_url, "secret": WEBHOOK_SECRET,
         "filters": Filters(agencies=("DHS",), events=tuple(EVENTS))},
    ]
    existing = {sub.subscriber: sub.id for sub in load(store)}
    for entry in wanted:
        name = entry["subscriber"]
        if name in existing:
            target = entry.get("slack") or entry.get("webhook")
            if target:
                retarget(store, existing[name], target)
            continue
        add(store, DEMO_NOW, allow_loopback=True, **entry)


def run_demo(output: Path) -> dict[str, Any]:
    app = ReplayApp(Dataset.demo(), clock=lambda: DEMO_NOW, keys={DEMO_KEY: 1000})
    slack = HttpSink(save_to=output / "slack")
    webhook = HttpSink(save_to=output / "webhook", secret=WEBHOOK_SECRET)
    with ReplayServer(app) as url, ReplayServer(slack) as slack_url, \
            ReplayServer(webhook) as webhook_url, SmtpSink(save_to=output / "mail") as smtp:
        settings = demo_settings(output, url, smtp.port)
        with open_store(settings) as store:
            _subscribe(store, f"{slack_url}/services/T000/B000/DEMO", f"{webhook_url}/hook")
        results = pipeline.cycle(settings, ["samgov", "federal_register", "feeds"],
                                 clock=lambda: DEMO_NOW)
        morning = pipeline.deliver(settings, clock=lambda: NEXT_MORNING)
    with open_store(settings) as store:
        notices = list(store.iter_notices())
        outbox = states(store)
        scans_unread = store.counts()["scans_unread"]
        awards = _linked_awards(store)
        facts = _award_facts(store)
        lookups = lookup_counts(store)
    return {"results": results, "notices": notices, "public_db": settings.public_db,
            "private_db": settings.private_db, "outbox": outbox,
            "sent": {"email": len(smtp.received), "slack": len(slack.received),
                     "webhook": len(webhook.received)},
            "webhook_valid": all(e.get("valid") for e in webhook.received),
            "morning": morning, "output": output, "scans_unread": scans_unread,
            "awards": awards, "facts": facts, "lookups": lookups}


SHOWN_FACTS = ("obligations_vs_justified", "posting_lag", "reason_vs_authority",
               "recipient_vs_vendor")


def _award_facts(store: Store) -> list[dict[str, Any]]:
    """What the demo prints of each linked justification: the money, the posting lag and
    the two disagreements, each with its tier and source."""
    cursor = store.public.execute(
        "select j.notice_id, j.agency, j.vendor, j.title, f.kind, f.tier, f.statement, f.flag, "
        "f.source_label, f.source_url from award_facts f join justifications j on "
        f"j.notice_id = f.notice_id where f.kind in ({', '.join('?' * len(SHOWN_FACTS))}) "
        "order by j.posted_date desc, j.notice_id, f.flag is null, f.kind", SHOWN_FACTS)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _linked_awards(store: Store) -> list[dict[str, Any]]:
    """Each justification linked to an award in USAspending, with what the demo prints."""
    cursor = store.public.execute(
        "select j.notice_id, j.title, j.posted_date, j.amount_usd, a.piid, l.relation, "
        "a.date_signed, a.total_obligation, coalesce(a.fair_opportunity_limited_description, "
        "a.other_than_full_and_open_description) as reason from award_links l "
        "join justifications j on j.notice_id = l.notice_id join awards a on a.id = l.award_id "
        "order by j.posted_date, l.relation, a.piid")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
