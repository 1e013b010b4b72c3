"""Federal Register: documents.json paging via next_page_url, RSS feeds, full text."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import date, timedelta

from monitor import pipeline
from monitor.replay import Dataset, ReplayApp
from monitor.sources.federal_register import normalize_document
from monitor.store import Store
from tests.conftest import KEY, shared_sample, wsgi

BASE = "http://replay.test"


def _many_docs(n: int) -> Dataset:
    data = Dataset.demo()
    template = data.fr_documents[0]
    for i in range(n):
        doc = copy.deepcopy(template)
        doc["document_number"] = f"2025-9{i:04d}"
        doc["publication_date"] = (date(2025, 4, 1) + timedelta(days=i % 29)).isoformat()
        doc["html_url"] = f"https://www.federalregister.gov/documents/x/{doc['document_number']}"
        data.fr_documents.append(doc)
    return data


def test_follows_next_page_url_to_the_end(settings_for, clock):
    app = ReplayApp(_many_docs(45), clock=clock, keys={KEY: 10})
    settings = settings_for(BASE)
    settings = replace(settings, federal_register=replace(settings.federal_register, per_page=10,
                                                          fetch_full_text=False))
    result = pipeline.poll(settings, ["federal_register"], clock=clock, transport=wsgi(app))[0]
    assert result.status == "ok" and result.stats.new == 47
    pages = [r for r in app.requests if r.path.startswith("/api/v1/documents")]
    assert len(pages) == 5
    assert all(r.arg("page") for r in pages[1:])


def test_cursor_paging_without_a_term_walks_everything(clock):
    """The replay's cursor mode (order=newest, no term) — what FR does past 10,000 rows."""
    import httpx

    app = ReplayApp(_many_docs(30), clock=clock)
    seen: list[str] = []
    with httpx.Client(transport=wsgi(app), base_url=BASE) as client:
        url: str | None = f"{BASE}/api/v1/documents.json?order=newest&per_page=7"
        while url:
            body = client.get(url).json()
            seen.extend(d["document_number"] for d in body["results"])
            url = body.get("next_page_url")
            assert url is None or "search_after_cursor=" in url
    assert len(seen) == len(set(seen)) == 33


def test_full_text_is_kept_as_an_attachment(demo_app, settings_for, clock):
    settings = settings_for(BASE)
    pipeline.poll(settings, ["federal_register"], clock=clock, transport=wsgi(demo_app))
    store = Store.open(settings.public_db, settings.private_db)
    row = next(store.public["attachments"].rows_where("notice_id = 'fedreg:2025-06911'"))
    assert row["state"] == "stored"
    text = (settings.data_dir / row["path"]).read_text()
    assert "Justification for the Exception to Competition" in text
    store.close()


def test_rss_feed_and_api_agree_on_the_same_notice(demo_app, settings_for, clock):
    settings = settings_for(BASE)
    pipeline.poll(settings, ["federal_register", "feeds"], clock=clock, transport=wsgi(demo_app))
    store = Store.open(settings.public_db, settings.private_db)
    assert [r[0] for r in store.public.execute(
        "select id from notices order by id").fetchall()] == [
        "fedreg:2025-06911", "fedreg:2025-07102"]
    assert store.counts()["versions"] == 2
    store.close()


def test_user_feed_is_polled(demo_app, settings_for, clock):
    settings = settings_for(BASE)
    rss = f"{BASE}/api/v1/documents.rss?conditions%5Bterm%5D=collection"
    settings = replace(settings, federal_register=replace(settings.federal_register,
                                                          feeds=(rss,)))
    result = pipeline.poll(settings, ["feeds"], clock=clock, transport=wsgi(demo_app))[0]
    assert result.status == "ok" and result.stats.new == 3


def test_recorded_search_response_normalizes():
    import json

    body = json.loads(shared_sample("fr_documents_search_uscis_2026-09_trimmed.json").read_text())
    notices = [normalize_document(d) for d in body["results"]]
    assert notices[0].id == "fedreg:2026-18736" and notices[0].posted_date == "2026-09-14"
