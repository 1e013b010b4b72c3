"""``solesource demo``: poll a local replay loaded with the bundled demo data.

Everything runs on 127.0.0.1 with a pinned clock (2025-04-30), a demo key and a generous
demo budget, and writes under the output folder: ``solesource.db`` (public),
``private.db`` and ``files/``. A second run finds nothing new.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from monitor import pipeline
from monitor.replay import Dataset, ReplayApp, ReplayServer
from monitor.settings import Secret, Settings

DEMO_NOW = datetime(2025, 4, 30, 14, 0, tzinfo=UTC)
DEMO_KEY = "DEMO-KEY"


def demo_settings(output: Path, base_url: str) -> Settings:
    s = Settings(data_dir=output, retry_backoff=0.2)
    return replace(
        s,
        sam=replace(s.sam, api_key=Secret(DEMO_KEY), api_base=base_url, web_base=base_url,
                    daily_budget=1000, lookback_days=30),
        federal_register=replace(s.federal_register, base=base_url, lookback_days=30),
    )


def run_demo(output: Path) -> dict[str, Any]:
    app = ReplayApp(Dataset.demo(), clock=lambda: DEMO_NOW, keys={DEMO_KEY: 1000})
    with ReplayServer(app) as url:
        settings = demo_settings(output, url)
        results = pipeline.cycle(settings, ["samgov", "federal_register", "feeds"],
                                 clock=lambda: DEMO_NOW)
    store = pipeline.open_store(settings)
    try:
        files = dict(store.public.execute(
            "select notice_id, count(*) from attachments where state='stored' group by notice_id"
        ).fetchall())
        notices = [n | {"files": files.get(n["id"], 0)} for n in store.iter_notices()]
    finally:
        store.close()
    return {"results": results, "notices": notices, "public_db": settings.public_db,
            "private_db": settings.private_db}
