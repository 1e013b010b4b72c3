"""Alerts on what changes after posting (issue 16): the demo's subscriptions ask for award
events; each is delivered once — by Slack, signed webhook and the email digest — and a
second run sends nothing. Real replay, SMTP server and HTTP sinks on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.demo import run_demo
from notifications.matching import EVENTS


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, dict]:
    out = tmp_path_factory.mktemp("alerts")
    first = run_demo(out)
    second = run_demo(out)
    return out, first, second


def _bodies(folder: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]


def test_each_award_event_reaches_each_channel_once(demo) -> None:
    out, first, second = demo
    hooks = [b.get("body", b) for b in _bodies(out / "webhook")]
    events = [h for h in hooks if h.get("type") == "solesource.award_event"]
    # the watchdog (DHS): ImmigrationOS obligations and the CBP record's reason
    assert sorted(e["items"][0]["event"] for e in events) == sorted(
        [EVENTS["obligations_exceeded"], EVENTS["record_disagrees"]])
    for e in events:
        item = e["items"][0]
        assert item["kind"] == "award" and item["fact_tier"] == "inferential"
        assert EVENTS[item["event_code"]] == item["event"]
        assert item["fact_url"] and item["change"]
    slack = json.dumps(_bodies(out / "slack"))
    assert "Follow the money" in slack and "138% of the $29.8M justified" in slack
    mail = "".join(p.read_text(errors="replace") for p in (out / "mail").glob("*.eml"))
    for words in EVENTS.values():  # the reporter asked for every event
        assert words in mail.replace("=\n", "")
    assert second["sent"] == {"email": 0, "slack": 0, "webhook": 0}


def test_award_events_are_queued_once_per_subscription_and_event(demo) -> None:
    import sqlite3

    out, _first, _second = demo
    with sqlite3.connect(out / "private.db") as db:
        rows = db.execute("select key, state from outbox where kind = 'award'").fetchall()
        matched = db.execute("select count(*) from matched_events").fetchone()[0]
    assert rows and len({k for k, _ in rows}) == len(rows)
    assert {s for _, s in rows} == {"sent"}
    with sqlite3.connect(out / "solesource.db") as db:
        flagged = db.execute("select count(*) from award_facts where flag is not null"
                             ).fetchone()[0]
    assert matched == flagged
