"""SAM.gov polling against the replay: idempotence, quota, versions, failures."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from monitor import pipeline
from monitor.replay import Dataset, Fault, ReplayApp
from monitor.store import Store
from tests.conftest import KEY, wsgi

BASE = "http://replay.test"


def _poll(settings, app, clock, sources=("samgov",)):
    return pipeline.poll(settings, list(sources), clock=clock, transport=wsgi(app))


def test_polling_twice_adds_nothing_and_spends_one_request(demo_app, settings_for, clock):
    settings = settings_for(BASE)
    first = _poll(settings, demo_app, clock)[0]
    assert first.status == "ok" and first.stats.new == 13
    keyed_before = demo_app.usage[(KEY, "2025-04-30")]
    second = _poll(settings, demo_app, clock)[0]
    assert (second.stats.new, second.stats.updated) == (0, 0)
    assert demo_app.usage[(KEY, "2025-04-30")] - keyed_before == 1
    assert second.stats.requests == 1
    store = pipeline.open_store(settings)
    assert store.counts()["notices"] == 13
    assert store.counts()["versions"] == 13
    store.close()


def test_every_description_is_fetched_once_justifications_first(demo_app, settings_for, clock):
    settings = settings_for(BASE)
    _poll(settings, demo_app, clock)
    asked = [r.arg("noticeid") for r in demo_app.requests if r.path.endswith("noticedesc")]
    assert len(asked) == len(set(asked)) == 13
    types = {n["noticeId"]: n["type"] for n in demo_app.data.notices}
    first_non_ja = next(i for i, nid in enumerate(asked) if types[nid] != "Justification")
    assert all(types[n] != "Justification" for n in asked[first_non_ja:])


def test_api_key_never_stored_in_public_database(demo_app, settings_for, clock):
    settings = settings_for(BASE)
    _poll(settings, demo_app, clock, ("samgov", "federal_register"))
    for path in (settings.public_db, settings.private_db):
        assert KEY.encode() not in path.read_bytes()


def test_changed_record_becomes_new_version(demo_app, settings_for, clock):
    settings = settings_for(BASE)
    _poll(settings, demo_app, clock)
    rec = demo_app.data.notices[2]
    rec["title"] = rec["title"] + " (revised)"
    rec["award"] = {"number": rec["award"]["number"], "amount": "4100000.00"}
    _poll(settings, demo_app, clock)
    store = pipeline.open_store(settings)
    versions = list(store.public["notice_versions"].rows_where(
        "notice_id = ?", [f"samgov:{rec['noticeId']}"], order_by="version"))
    assert [v["version"] for v in versions] == [1, 2]
    assert json.loads(versions[1]["changed_fields"]) == ["award_amount", "title"]
    assert versions[0]["title"] != versions[1]["title"]
    store.close()


def test_amendment_links_to_the_notice_it_amends(demo_app, settings_for, clock):
    settings = settings_for(BASE)
    _poll(settings, demo_app, clock)
    store = pipeline.open_store(settings)
    rows = store.public.execute(
        "select posted_date, id, previous_notice_id from notices "
        "where family_key = '70CMSD22FR0000081' order by posted_date").fetchall()
    assert len(rows) == 2
    assert rows[0][2] is None and rows[1][2] == rows[0][1]
    store.close()


def test_bad_key_is_one_clear_error_and_other_sources_still_run(demo_app, settings_for, clock):
    from dataclasses import replace

    from monitor.settings import Secret

    settings = settings_for(BASE)
    settings = replace(settings, sam=replace(settings.sam, api_key=Secret("WRONG")))
    sam, fr = _poll(settings, demo_app, clock, ("samgov", "federal_register"))
    assert sam.status == "auth" and "SAM_API_KEY" in sam.error and "WRONG" not in sam.error
    assert fr.status == "ok" and fr.stats.new == 2


def test_server_errors_are_retried_then_recorded(demo_app, settings_for, clock):
    settings = settings_for(BASE)
    demo_app.script("search", Fault(status=500), Fault(status=503), Fault(status=502))
    sam, fr = _poll(settings, demo_app, clock, ("samgov", "federal_register"))
    assert sam.status == "error" and "after 3 attempts" in sam.error
    assert fr.status == "ok"
    store = pipeline.open_store(settings)
    run = store.recent_runs(5)[-1]
    assert run["source"] == "samgov" and run["status"] == "error" and run["requests"] == 3
    store.close()
    # The next poll recovers: nothing was lost.
    assert _poll(settings, demo_app, clock)[0].stats.new == 13


def test_one_retry_is_enough_for_a_transient_fault(demo_app, settings_for, clock):
    settings = settings_for(BASE)
    demo_app.script("search", Fault(status=503))
    assert _poll(settings, demo_app, clock)[0].stats.new == 13


def test_html_challenge_and_truncated_json_are_recorded(demo_app, settings_for, clock):
    settings = settings_for(BASE)
    demo_app.script("search", Fault(html_challenge=True))
    result = _poll(settings, demo_app, clock)[0]
    assert result.status == "error" and "not JSON" in result.error
    demo_app.script("fr_documents", Fault(status=200, body='{"count": 3, "results": [{"doc'))
    fr = _poll(settings, demo_app, clock, ("federal_register",))[0]
    assert fr.status == "error" and "instead of JSON" in fr.error


def test_429_blocks_spending_until_next_access_time(settings_for, clock):
    app = ReplayApp(Dataset.demo(), clock=clock, keys={KEY: 2})
    settings = settings_for(BASE, daily_budget=1000)  # our ledger thinks we have plenty
    result = _poll(settings, app, clock)[0]
    assert result.status == "rate_limited" and "2025-05-01T00:00:00" in result.error
    keyed = lambda: sum(1 for r in app.requests if r.arg("api_key"))  # noqa: E731
    sent = keyed()
    again = _poll(settings, app, clock)[0]
    assert keyed() == sent, "no keyed request may be sent while blocked"
    assert again.status == "budget"
    clock.set(datetime(2025, 5, 1, 0, 5, tzinfo=UTC))
    assert _poll(settings, app, clock)[0].stats.requests > 0


def test_retry_after_header_without_next_access_time(settings_for, clock):
    app = ReplayApp(Dataset.demo(), clock=clock, keys={KEY: 0}, next_access_time=False,
                    retry_after=True)
    result = _poll(settings_for(BASE), app, clock)[0]
    assert result.status == "rate_limited" and "2025-05-01T00:00:00" in result.error


def test_budget_is_never_exceeded(settings_for, clock):
    app = ReplayApp(Dataset.demo(), clock=clock, keys={KEY: 1000})
    settings = settings_for(BASE, daily_budget=5)
    result = _poll(settings, app, clock)[0]
    assert result.status == "budget"
    assert app.usage[(KEY, "2025-04-30")] == 5
    _poll(settings, app, clock)
    assert app.usage[(KEY, "2025-04-30")] == 5
    clock.set(clock.now + timedelta(days=1))
    _poll(settings, app, clock)
    assert app.usage[(KEY, "2025-05-01")] <= 5


def test_backlog_of_2500_under_10_requests_a_day(settings_for, clock, tmp_path):
    """A big backfill completes over simulated days; the budget holds every day."""
    start = date(2025, 1, 1)
    data = Dataset.synthetic(2500, start, 90)
    app = ReplayApp(data, clock=clock, keys={KEY: 10})
    settings = settings_for(BASE, daily_budget=10, page_size=100, use_internal=True,
                            fetch_attachments=False, lookback_days=1)
    clock.set(datetime(2025, 4, 1, 6, tzinfo=UTC))
    pipeline.backfill(settings, "samgov", start, date(2025, 3, 31), clock=clock,
                      transport=wsgi(app))
    for _day in range(10):
        store = Store.open(settings.public_db, settings.private_db)
        done = not store.backfill_jobs("samgov")
        store.close()
        if done:
            break
        clock.set(clock.now + timedelta(days=1))
        _poll(settings, app, clock)
    assert done, "backfill did not finish in 10 simulated days"
    assert _day >= 2, "25 pages at 9 spare requests a day need three days"
    assert max(app.usage.values()) <= 10
    store = Store.open(settings.public_db, settings.private_db)
    ids = {r[0] for r in store.public.execute("select source_id from notices").fetchall()}
    assert ids == {n["noticeId"] for n in data.notices}
    assert store.counts()["descriptions_pending"] == 0
    store.close()


def test_record_offsets_survive_drift(settings_for, clock):
    """New notices inserted while we page shift offsets; deduping by id loses nothing."""
    data = Dataset.synthetic(50, date(2025, 4, 1), 25)
    extra = Dataset.synthetic(60, date(2025, 4, 1), 25).notices[50:]
    app = ReplayApp(data, clock=clock, keys={KEY: 1000})
    app.drift.extend(extra)
    settings = settings_for(BASE, page_size=7, fetch_attachments=False)
    _poll(settings, app, clock)
    _poll(settings, app, clock)
    store = Store.open(settings.public_db, settings.private_db)
    assert store.counts()["notices"] == 60
    store.close()


def test_a_slow_answer_within_the_timeout_is_fine(settings_for, clock):
    from monitor.replay import ReplayServer

    app = ReplayApp(Dataset.demo(), clock=clock, keys={KEY: 100})
    app.script("search", Fault(delay=0.3))
    with ReplayServer(app) as url:
        settings = settings_for(url)
        result = pipeline.poll(settings, ["samgov"], clock=clock)[0]
    assert result.status == "ok" and result.stats.new == 13
