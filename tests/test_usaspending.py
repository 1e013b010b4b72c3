"""USAspending: each justification's award and parent vehicle, found against the replay over
127.0.0.1 (issue 16). Search groups, exact PIIDs without dashes, the lag retry, failures
recorded without stopping other sources, versions only on change, the run budget, SIGKILL.
"""

from __future__ import annotations

import copy
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import extractors
from monitor import awards, pipeline
from monitor.cli import cli
from monitor.errors import BadPayload
from monitor.replay import Dataset, Fault, ReplayApp, ReplayServer
from monitor.settings import ConfigError, Settings
from monitor.sources.usaspending import found_ids, parse_award, search_body
from monitor.store import Store
from tests.conftest import KEY, Clock, make_settings, shared_sample

NOW = datetime(2025, 4, 30, 14, 0, tzinfo=UTC)
CONTRACTS = ["A", "B", "C", "D"]
IDVS = ["IDV_A", "IDV_B", "IDV_B_A", "IDV_B_B", "IDV_B_C", "IDV_C", "IDV_D", "IDV_E"]
ARMY = "DEPT OF DEFENSE.DEPT OF THE ARMY.USACE.SWD.W076 ENDIST FT WORTH"
ICE = "HOMELAND SECURITY, DEPARTMENT OF.US IMMIGRATION AND CUSTOMS ENFORCEMENT"
BOOKKEEPING = {"version", "sha256", "first_seen_at", "fetched_at"}


# -- data ----------------------------------------------------------------------------------------

def sample_detail() -> dict[str, Any]:
    return json.loads(shared_sample("usaspending_award_detail_contract_DOC_EXAMPLE.json")
                      .read_text(encoding="utf-8"))


def detail(piid: str, *, agency: str = "7012", kind: str = "D", obligated: float = 1e6,
           signed: str = "2025-04-10", published: str | None = None,
           parent: dict[str, Any] | None = None, internal: int = 1) -> dict[str, Any]:
    """An award detail in the recorded shape (the DOC example), for ``piid``."""
    d = sample_detail()
    category = "idv" if kind.startswith("IDV") else "contract"
    gid = (f"CONT_IDV_{piid}_{agency}" if category == "idv" else
           f"CONT_AWD_{piid}_{agency}_{parent['piid'] if parent else '-NONE-'}_"
           f"{agency if parent else '-NONE-'}")
    d |= {"id": internal, "generated_unique_award_id": gid, "piid": piid, "type": kind,
          "category": category, "total_obligation": obligated, "date_signed": signed,
          "base_exercised_options": obligated, "base_and_all_options": obligated * 2,
          "parent_award": parent}
    d["period_of_performance"] = {"start_date": signed, "end_date": "2026-04-09",
                                  "last_modified_date": f"{signed} 10:00:00",
                                  "potential_end_date": "2027-04-09 00:00:00"}
    d["latest_transaction_contract_data"] = d["latest_transaction_contract_data"] | {
        "extent_competed": "C", "extent_competed_description": "NOT COMPETED",
        "other_than_full_and_open": "URG",
        "other_than_full_and_open_description": "URGENCY (FAR 6.302-2)"}
    if published:
        d["_published"] = published
    return d


def parent_ref(award: dict[str, Any]) -> dict[str, Any]:
    return {"generated_unique_award_id": award["generated_unique_award_id"],
            "piid": award["piid"], "award_id": award["id"]}


def seed(store: Store, notice_id: str, *, award: str | None = None,
         solicitation: str | None = None, cited: tuple[str, ...] = (),
         posted: str = "2025-04-20", agency_path: str = ICE) -> None:
    """A justification as the extract stage leaves it: its notice, its reading row and the
    contract numbers its document cites."""
    db = store.public
    with db.atomic():
        db["notices"].insert({
            "id": notice_id, "source": "samgov", "source_id": notice_id.split(":")[-1],
            "version": 1, "title": f"J&A {notice_id}", "notice_type": "Justification",
            "posted_date": posted, "award_number": award, "solicitation_number": solicitation,
            "agency_path": agency_path, "extraction_state": "done",
            "extractor_version": extractors.VERSION, "notice_class": "justification"})
        db["justifications"].insert({
            "notice_id": notice_id, "kind": "Justification", "title": f"J&A {notice_id}",
            "posted_date": posted, "contract_number": award or (cited[0] if cited else None),
            "solicitation_number": solicitation, "amount_usd": 1_000_000.0})
        db["extractions"].insert({
            "id": f"{notice_id}#doc", "notice_id": notice_id, "notice_version": 1,
            "result": json.dumps({"contract_numbers": list(cited)})})


# -- fixtures ------------------------------------------------------------------------------------

@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def app(clock: Clock) -> ReplayApp:
    return ReplayApp(Dataset(), clock=clock, keys={KEY: 1000})


@pytest.fixture
def url(app: ReplayApp) -> Iterator[str]:
    with ReplayServer(app) as base:
        yield base


def usa_settings(data_dir: Path, base: str, **usa: Any) -> Settings:
    s = make_settings(data_dir, base)
    usa = {"base": base, "web_base": base, "enabled": True, "interval": 0.0} | usa
    return replace(s, usaspending=replace(s.usaspending, **usa))


def searches(app: ReplayApp) -> list[dict[str, Any]]:
    return [json.loads(r.body) for r in app.requests
            if r.path == "/api/v2/search/spending_by_award/"]


def q(store: Store, sql: str, *args: Any, db: str = "public") -> list[tuple[Any, ...]]:
    return getattr(store, db).execute(sql, args).fetchall()


def counts(store: Store) -> dict[str, int]:
    """What ``solesource status`` counts (see test_status_says_how_many_lookups_wait)."""
    return awards.lookup_counts(store) | awards.award_counts(store)


def lookup(store: Store, piid: str) -> dict[str, Any]:
    cursor = store.private.execute("select * from award_lookups where piid = ?", [piid])
    row = cursor.fetchone()
    return dict(zip([d[0] for d in cursor.description], row, strict=True))


# -- parsing -------------------------------------------------------------------------------------

def test_parse_award_reads_the_recorded_detail(store: Store) -> None:
    row = parse_award(sample_detail(), web_base="https://www.usaspending.gov",
                      api_base="https://api.usaspending.gov")
    assert set(row) | BOOKKEEPING == set(store.public["awards"].columns_dict)
    assert row["id"] == "CONT_AWD_H907_9700_SPE2DX16D1500_9700" and row["piid"] == "H907"
    assert (row["category"], row["type"], row["type_description"]) == (
        "contract", "C", "DELIVERY ORDER")
    assert (row["recipient_name"], row["recipient_uei"], row["parent_recipient_uei"]) == (
        "MCKESSON CORPORATION", "JTAPCFM4NSL4", "S1RUKWWRYFL6")
    assert row["total_obligation"] == 61241.34 and row["base_and_all_options"] == 61241.34
    assert (row["date_signed"], row["pop_start"], row["pop_end"], row["pop_potential_end"]) == (
        "2016-06-24", "2016-06-24", "2016-06-27", "2016-06-27")
    assert row["last_modified_date"] == "2019-10-27 20:06:44"
    assert (row["extent_competed"], row["extent_competed_description"]) == (
        "A", "FULL AND OPEN COMPETITION")
    assert row["other_than_full_and_open"] is None and row["number_of_offers_received"] == "4"
    assert (row["parent_award_id"], row["parent_piid"]) == (
        "CONT_IDV_SPE2DX16D1500_9700", "SPE2DX16D1500")
    assert (row["awarding_agency"], row["awarding_sub_agency"], row["awarding_office"]) == (
        "Department of Defense", "Defense Logistics Agency", "DLA TROOP SUPPORT")
    assert row["url"] == "https://www.usaspending.gov/award/CONT_AWD_H907_9700_SPE2DX16D1500_9700/"
    assert row["api_url"].startswith("https://api.usaspending.gov/api/v2/awards/CONT_AWD_H907")


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30)),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=10), kids,
                                                              max_size=4), max_leaves=12)
DETAIL_KEYS = [  # the top-level keys of an award detail (the recorded DOC example)
    "id", "generated_unique_award_id", "piid", "category", "type", "type_description",
    "description", "total_obligation", "date_signed", "base_exercised_options",
    "base_and_all_options", "parent_award", "latest_transaction_contract_data",
    "awarding_agency", "period_of_performance", "recipient", "naics_hierarchy"]


def _typed(row: dict[str, Any]) -> None:
    for key, value in row.items():
        assert value is None or isinstance(value, str | float), (key, value)
        if isinstance(value, float):
            assert value == value and abs(value) != float("inf"), key
        if isinstance(value, str):
            assert value == value.strip() and len(value) <= 2300, key


@settings(max_examples=200, deadline=None)
@given(st.one_of(json_values, st.dictionaries(st.sampled_from(DETAIL_KEYS), json_values)))
def test_parse_award_takes_any_json(payload: Any) -> None:
    """Whatever a detail holds, parse_award returns typed values or raises BadPayload."""
    try:
        row = parse_award(payload, web_base="https://w.example", api_base="https://a.example")
    except BadPayload:
        return
    _typed(row)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(DETAIL_KEYS), json_values, min_size=1))
def test_parse_award_on_the_recorded_detail_with_hostile_parts(parts: dict[str, Any]) -> None:
    payload = sample_detail() | parts
    try:
        row = parse_award(payload, web_base="https://w.example", api_base="https://a.example")
    except BadPayload:
        assert "generated_unique_award_id" in parts
        return
    _typed(row)
    if isinstance(parts.get("date_signed"), str) and row["date_signed"]:
        assert parts["date_signed"].strip().startswith(row["date_signed"])


@settings(max_examples=200, deadline=None)
@given(st.one_of(json_values, st.fixed_dictionaries(
    {"results": st.lists(st.one_of(json_values, st.fixed_dictionaries(
        {"Award ID": json_values, "generated_internal_id": json_values})), max_size=5),
     "page_metadata": json_values})))
def test_found_ids_takes_any_json(body: Any) -> None:
    try:
        ids, more = found_ids(body, "W9126G25CA011")
    except BadPayload:
        return
    assert isinstance(more, bool) and all(isinstance(i, str) and i for i in ids)


# -- the replay answers like the API -------------------------------------------------------------

def _post(base: str, body: Any) -> httpx.Response:
    return httpx.post(f"{base}/api/v2/search/spending_by_award/", json=body, timeout=10)


def test_replay_refuses_what_the_api_refuses(app: ReplayApp, url: str) -> None:
    recorded = {e["when"]: e for e in json.loads(
        shared_sample("usaspending_error_bodies_from_source.json").read_text())["entries"]}
    good = search_body("W9126G25CA011", tuple(CONTRACTS), 1, NOW.date())
    mixed = copy.deepcopy(good)
    mixed["filters"]["award_type_codes"] = ["A", "IDV_B"]
    answer = _post(url, mixed)
    assert answer.status_code == 422
    shape = recorded[next(k for k in recorded if "mixing" in k)]["body_shape"]
    assert answer.json()["detail"]["message"] == shape["detail"]["message"]
    assert set(answer.json()["detail"]["award_type_groups"]) == set(
        shape["detail"]["award_type_groups"])
    too_many = _post(url, good | {"limit": 101})
    assert too_many.status_code == 422
    assert too_many.json() == recorded[next(k for k in recorded if "limit=101" in k)]["body"]
    bad_sort = _post(url, good | {"sort": "Recipient DUNS"})
    assert bad_sort.status_code == 400
    assert bad_sort.json()["detail"].startswith(
        "Sort value 'Recipient DUNS' not found in requested fields: [")
    no_fields = _post(url, {k: v for k, v in good.items() if k != "fields"})
    assert no_fields.status_code == 422
    assert no_fields.json() == recorded[next(k for k in recorded if "without fields" in k)][
        "body"]
    missing = httpx.get(f"{url}/api/v2/awards/CONT_AWD_XXXX_9700_-NONE-_-NONE-/", timeout=10)
    assert missing.status_code == 404
    assert missing.json() == recorded[next(k for k in recorded if "unknown id" in k)]["body"]


def test_replay_pages_and_matches_exactly_only_in_quotes(app: ReplayApp, url: str) -> None:
    app.data.awards.extend(detail(f"70CMSD25F{i:08d}", internal=i, obligated=1000.0 + i)
                           for i in range(25))
    body = search_body("70CMSD25F", tuple(CONTRACTS), 1, NOW.date())
    body["filters"]["award_ids"] = ["70CMSD25F"]  # unquoted: fuzzy
    seen, pages = [], []
    for page in (1, 2, 3):
        answer = _post(url, body | {"page": page}).json()
        seen += [r["Award ID"] for r in answer["results"]]
        pages.append(answer["page_metadata"]["hasNext"])
    assert pages == [True, True, False] and len(set(seen)) == len(seen) == 25
    assert seen[0] == "70CMSD25F00000024"  # sorted by Award Amount, descending
    exact = search_body("70CMSD25F00000007", tuple(CONTRACTS), 1, NOW.date())
    assert [r["Award ID"] for r in _post(url, exact).json()["results"]] == ["70CMSD25F00000007"]
    idvs = search_body("70CMSD25F00000007", tuple(IDVS), 1, NOW.date())
    assert _post(url, idvs).json()["results"] == []


# -- finding the award ---------------------------------------------------------------------------

def test_searches_both_groups_for_the_exact_piid_without_dashes(
        app: ReplayApp, url: str, store: Store, clock: Clock, tmp_path: Path) -> None:
    app.data.awards += [detail("W9126G25CA011", agency="2100"),
                        detail("W9126G25CA0119", agency="2100", internal=2)]  # a longer PIID
    seed(store, "samgov:usace", award="W9126G-25-C-A011", cited=("W9126G25CA011",),
         solicitation="W9126G-25-R-0003", agency_path=ARMY)
    result = pipeline.enrich(usa_settings(tmp_path, url), clock=clock, store=store)
    assert result.status == "ok", result.error
    bodies = searches(app)
    assert [b["filters"]["award_type_codes"] for b in bodies] == [CONTRACTS, IDVS]
    assert all(b["filters"]["award_ids"] == ['"W9126G25CA011"'] for b in bodies)
    assert all(b["sort"] in b["fields"] and b["limit"] <= 100 for b in bodies)
    assert q(store, "select award_id, piid, matched_on, relation from award_links") == [
        ("CONT_AWD_W9126G25CA011_2100_-NONE-_-NONE-", "W9126G25CA011", "award_number", "award")]
    assert q(store, "select count(*) from awards") == [(1,)]
    raw = q(store, "select kind, sha256 from raw_records where source = 'usaspending'")
    assert [k for k, _ in raw] == ["award"]
    assert raw[0][1] == q(store, "select sha256 from awards")[0][0]
    # the solicitation number is not looked up once the award number found the award
    assert lookup(store, "W9126G25R0003")["state"] == "skipped"
    assert result.stats.requests == 3  # two searches and one detail


def test_a_piid_not_yet_in_usaspending_is_retried_later_then_found(
        app: ReplayApp, url: str, store: Store, clock: Clock, tmp_path: Path) -> None:
    app.data.awards.append(detail("70CMSD25F00000212", published="2025-05-03"))
    seed(store, "samgov:cellebrite", award="70CMSD25F00000212")
    settings = usa_settings(tmp_path, url)

    def run() -> int:
        before = len(app.requests)
        assert pipeline.enrich(settings, clock=clock, store=store).status == "ok"
        return len(app.requests) - before

    assert run() == 2
    first = lookup(store, "70CMSD25F00000212")
    assert (first["state"], first["attempts"]) == ("not_found", 1)
    assert first["next_check_at"] == "2025-05-01T14:00:00+00:00"
    assert counts(store)["not_found"] == 1
    assert run() == 0, "not due yet: no request"
    clock.set(NOW + timedelta(days=1))
    assert run() == 2
    second = lookup(store, "70CMSD25F00000212")
    assert (second["state"], second["attempts"]) == ("not_found", 2)
    assert second["next_check_at"] == "2025-05-03T14:00:00+00:00"  # backoff doubled
    clock.set(NOW + timedelta(days=3))
    assert run() == 3
    assert lookup(store, "70CMSD25F00000212")["state"] == "found"
    assert q(store, "select notice_id, relation from award_links") == [
        ("samgov:cellebrite", "award")]
    now = counts(store)
    assert (now["found"], now["not_found"], now["awards"]) == (1, 0, 1)


def test_gives_up_after_the_configured_age_dod_90_days_later(
        app: ReplayApp, url: str, store: Store, clock: Clock, tmp_path: Path) -> None:
    seed(store, "samgov:ice", award="70CMSD25F00000999")
    seed(store, "samgov:army", award="W9126G25C9999", agency_path=ARMY)
    settings = usa_settings(tmp_path, url, give_up_days=10)
    states: dict[str, list[str]] = {"70CMSD25F00000999": [], "W9126G25C9999": []}
    while True:  # each run at the next time a lookup is due
        pipeline.enrich(settings, clock=clock, store=store)
        for piid, seen in states.items():
            state = lookup(store, piid)["state"]
            if not seen or seen[-1] != state:
                seen.append(state)
        due = q(store, "select min(next_check_at) from award_lookups where state != 'gave_up'",
                db="private")[0][0]
        if due is None:
            break
        clock.set(datetime.fromisoformat(due))
    assert states["70CMSD25F00000999"] == ["not_found", "gave_up"]
    assert states["W9126G25C9999"] == ["not_found", "gave_up"]
    ice, army = lookup(store, "70CMSD25F00000999"), lookup(store, "W9126G25C9999")
    ice_age = datetime.fromisoformat(ice["last_checked_at"]) - NOW
    army_age = datetime.fromisoformat(army["last_checked_at"]) - NOW
    assert timedelta(days=10) <= ice_age < timedelta(days=10 + 21)
    assert timedelta(days=100) <= army_age < timedelta(days=100 + 21)
    assert counts(store)["gave_up"] == 2


def test_parent_vehicle_is_fetched_and_linked_as_parent(
        app: ReplayApp, url: str, store: Store, clock: Clock, tmp_path: Path) -> None:
    bpa = detail("47QTCA21A000R", agency="4732", kind="IDV_E", internal=5, signed="2021-06-15")
    call = detail("47QTCA21A000R0007", agency="4732", kind="A", parent=parent_ref(bpa),
                  internal=4)
    app.data.awards += [call, bpa]
    seed(store, "samgov:gsa", award="47QTCA21A000R-0007", cited=("47QTCA21A000R",),
         solicitation="47QTCA21A000R")
    assert pipeline.enrich(usa_settings(tmp_path, url), clock=clock,
                           store=store).status == "ok"
    links = q(store, "select award_id, piid, matched_on, relation from award_links "
                     "order by relation")
    assert links == [
        (call["generated_unique_award_id"], "47QTCA21A000R0007", "award_number", "award"),
        ("CONT_IDV_47QTCA21A000R_4732", "47QTCA21A000R", "award_number", "parent")]
    assert q(store, "select parent_award_id from awards where piid = '47QTCA21A000R0007'") == [
        ("CONT_IDV_47QTCA21A000R_4732",)]
    # the BPA's own number (cited by the document) finds it in the IDV group: still the parent
    assert [b["filters"]["award_type_codes"] for b in searches(app)] == [CONTRACTS, IDVS] * 2
    assert lookup(store, "47QTCA21A000R")["state"] == "found"
    assert q(store, "select count(*) from award_versions") == [(2,)]


# -- failures ------------------------------------------------------------------------------------

@pytest.mark.parametrize("fault", ["5xx", "timeout"])
def test_failures_are_recorded_without_stopping_other_sources(
        fault: str, clock: Clock, tmp_path: Path) -> None:
    data = Dataset.demo()
    app = ReplayApp(data, clock=clock, keys={KEY: 1000})
    faults = {"5xx": Fault(status=503), "timeout": Fault(delay=3.0)}
    app.script("usaspending_search", *[faults[fault]] * 3)  # the first try and two retries
    with ReplayServer(app) as base:
        settings = usa_settings(tmp_path / "d", base)
        settings = replace(settings, http_timeout=0.5, http_retries=2,
                           sam=replace(settings.sam, fetch_attachments=False),
                           federal_register=replace(settings.federal_register,
                                                    fetch_full_text=False))
        results = pipeline.cycle(settings, ["samgov", "federal_register"], clock=clock,
                                 send=False)
        by = {r.source: r for r in results}
        assert by["samgov"].status == by["federal_register"].status == "ok"
        assert by["samgov"].stats.new == 13 and by["federal_register"].stats.new == 2
        assert by["usaspending"].status == "error"
        said = {"5xx": "answered 503", "timeout": "timed out"}[fault]
        assert said in by["usaspending"].error and "3 attempts" in by["usaspending"].error
        store = pipeline.open_store(settings)
        try:
            runs = q(store, "select source, kind, status, error from runs", db="private")
            assert ("usaspending", "enrich", "error") in [r[:3] for r in runs]
            failed = q(store, "select piid, last_error, next_check_at from award_lookups "
                              "where last_error is not null", db="private")
            assert len(failed) == 1 and said in failed[0][1]
            assert failed[0][2] <= clock().isoformat(), "still due: tried again next run"
            assert q(store, "select count(*) from awards") == [(0,)]
        finally:
            store.close()
        again = pipeline.enrich(settings, clock=clock)
        assert again.status == "ok" and again.stats.new == 7


def test_a_4xx_fails_one_lookup_and_the_run_goes_on(
        app: ReplayApp, url: str, store: Store, clock: Clock, tmp_path: Path) -> None:
    app.data.awards += [detail("19AQMM25C0077", agency="1900"),
                        detail("36C77025P0219", agency="3600", internal=2)]
    seed(store, "samgov:state", award="19AQMM25C0077", posted="2025-04-14")
    seed(store, "samgov:va", award="36C77025P0219", posted="2025-04-16")
    app.script("usaspending_search", Fault(status=422, body=json.dumps(
        {"detail": "Field 'limit' value '101' is above max '100'"})))
    result = pipeline.enrich(usa_settings(tmp_path, url), clock=clock, store=store)
    assert result.status == "ok" and "1 lookup(s) failed" in (result.error or "")
    failed = lookup(store, "19AQMM25C0077")
    assert failed["state"] == "error" and "422" in failed["last_error"]
    assert failed["next_check_at"] == "2025-05-01T14:00:00+00:00"
    assert lookup(store, "36C77025P0219")["state"] == "found"
    clock.set(NOW + timedelta(days=1))
    assert pipeline.enrich(usa_settings(tmp_path, url), clock=clock, store=store).stats.new == 1
    assert lookup(store, "19AQMM25C0077")["state"] == "found"


def test_the_run_budget_stops_it_and_the_next_run_carries_on(
        app: ReplayApp, url: str, store: Store, clock: Clock, tmp_path: Path) -> None:
    for i in range(4):
        piid = f"70CMSD25F0000030{i}"
        app.data.awards.append(detail(piid, internal=i))
        seed(store, f"samgov:n{i}", award=piid)
    small = pipeline.enrich(usa_settings(tmp_path, url, budget=5), clock=clock, store=store)
    assert small.status == "budget" and small.stats.requests == 5
    assert "budget of 5 requests" in (small.error or "")
    assert len(app.requests) == 5
    rest = pipeline.enrich(usa_settings(tmp_path, url), clock=clock, store=store)
    assert rest.status == "ok"
    assert q(store, "select count(*), count(distinct award_id) from award_links") == [(4, 4)]
    assert q(store, "select count(*) from award_versions") == [(4,)]
    assert len(app.requests) == 5 + 3 * 3  # the interrupted lookup is done again, whole


# -- re-checks -----------------------------------------------------------------------------------

def test_rechecks_version_an_award_only_when_it_changed(
        app: ReplayApp, url: str, store: Store, clock: Clock, tmp_path: Path) -> None:
    award = detail("70CMSD22FR0000081", obligated=29_800_000.0, signed="2025-04-20")
    app.data.awards.append(award)
    seed(store, "samgov:ice", award="70CMSD-22-FR-0000081")
    settings = usa_settings(tmp_path, url)

    def recheck(days: int) -> tuple[int, int, int]:
        clock.set(NOW + timedelta(days=days))
        before = len(app.requests)
        assert pipeline.enrich(settings, clock=clock, store=store).status == "ok"
        versions = q(store, "select count(*) from award_versions")[0][0]
        raws = q(store, "select count(*) from raw_records where source='usaspending'")[0][0]
        return len(app.requests) - before, versions, raws

    assert recheck(0) == (3, 1, 1)
    assert lookup(store, "70CMSD22FR0000081")["next_check_at"] == "2025-05-02T14:00:00+00:00"
    assert recheck(1) == (0, 1, 1), "not due: a young award is re-checked every 2 days"
    assert recheck(2) == (3, 1, 1), "the same payload: nothing written"
    award["description"] = "IMMIGRATIONOS (DESCRIPTION EDITED)"
    assert recheck(4) == (3, 1, 2), "a new payload is kept, but nothing material changed"
    award["total_obligation"] = 41_200_000.0
    award["period_of_performance"]["last_modified_date"] = "2025-05-05 09:00:00"
    assert recheck(6) == (3, 2, 3)
    assert q(store, "select version, total_obligation, changed_fields from award_versions "
                    "order by version")[1] == (2, 41_200_000.0, '["total_obligation"]')
    assert q(store, "select version, total_obligation from awards") == [(2, 41_200_000.0)]


def test_the_schedule_is_often_when_young_and_rarely_after_a_year() -> None:
    days = [awards.recheck_after(d, NOW).days for d in (
        "2025-04-20", "2025-02-01", "2024-09-01", "2023-01-01", None)]
    assert days == [2, 7, 30, 90, 7]
    assert [awards.retry_after(n).days for n in range(1, 8)] == [1, 2, 4, 8, 16, 21, 21]


def test_identifiers_are_normalised_and_junk_dropped() -> None:
    assert awards.identifiers("W9126G-25-C-A011", "W9126G-25-R-0003",
                              ["W9126G25CA011", "N/A", "TBD", "000000", 7, None]) == [
        ("W9126G25CA011", "award_number"), ("W9126G25R0003", "solicitation_number")]


# -- status, settings ----------------------------------------------------------------------------

def test_status_says_how_many_lookups_wait(
        app: ReplayApp, url: str, clock: Clock, tmp_path: Path) -> None:
    app.data.awards.append(detail("19AQMM25C0077", agency="1900"))
    settings = usa_settings(tmp_path / "data", url)
    store = pipeline.open_store(settings)
    try:
        seed(store, "samgov:state", award="19AQMM25C0077")
        seed(store, "samgov:late", award="70CMSD25F00000212")
    finally:
        store.close()
    pipeline.enrich(settings, clock=clock)
    env = {"SOLESOURCE_DATA": str(tmp_path / "data"), "SOLESOURCE_NOW": NOW.isoformat(),
           "USASPENDING_BASE": url, "SOLESOURCE_CONFIG": str(tmp_path / "none.toml")}
    (tmp_path / "none.toml").write_text("")
    shown = CliRunner().invoke(cli, ["status"], env=env)
    assert shown.exit_code == 0, shown.output
    assert ("USAspending lookups: 0 pending, 1 not yet in USAspending (retried later), "
            "1 found") in " ".join(shown.output.split())


def test_the_usaspending_section_is_read_and_checked(tmp_path: Path) -> None:
    config = tmp_path / "s.toml"
    config.write_text("[usaspending]\nenabled = true\nbudget = 50\ninterval = 0.5\n"
                      "give_up_days = 120\n")
    loaded = Settings.load(config, env={})
    assert (loaded.usaspending.enabled, loaded.usaspending.budget,
            loaded.usaspending.interval, loaded.usaspending.give_up_days) == (True, 50, 0.5, 120)
    assert Settings.load(None, env={"USASPENDING_BUDGET": "7"}).usaspending.budget == 7
    config.write_text("[usaspending]\nbudget = 0\n")
    with pytest.raises(ConfigError, match=r"\[usaspending\] budget = 0 is too small"):
        Settings.load(config, env={})
    config.write_text("[usaspending]\nbase = \"ftp://x\"\n")
    with pytest.raises(ConfigError, match=r"\[usaspending\] base"):
        Settings.load(config, env={})


# -- the demo ------------------------------------------------------------------------------------

def test_demo_links_its_awards_and_a_second_run_writes_nothing(tmp_path: Path) -> None:
    from monitor.demo import run_demo

    first = run_demo(tmp_path)
    db = sqlite3.connect(tmp_path / "solesource.db")
    rows = {r[0]: r[1:] for r in db.execute(
        "select j.title, j.amount_usd, a.total_obligation, j.posted_date, a.date_signed, "
        "j.authority_category, a.other_than_full_and_open from award_links l "
        "join justifications j on j.notice_id = l.notice_id join awards a on a.id = l.award_id "
        "where l.relation = 'award'")}
    ice = rows["Justification and Approval - ImmigrationOS modification (Amendment 1)"]
    assert ice[0] == 29_800_000.0 and ice[1] > ice[0], "obligations past the justified amount"
    state = rows["JOFOC - Armored Vehicles for Embassy Motor Pools"]
    late = datetime.fromisoformat(state[2]) - datetime.fromisoformat(state[3])
    assert late.days == 41, "posted 41 days after award"
    cbp = rows["Limited Sources Justification - Soft-Sided Facilities RGV"]
    # the document argues urgency (FAR 8.405-6(a)(1)(i)(A)); the record says "only one source"
    assert cbp[4] == "fss_limited_sources_8_405_6" and cbp[5] == "ONE", "record disagrees"
    flags = {r[0] for r in db.execute("select flag from award_facts where flag is not null")}
    assert flags == {"obligations_exceeded", "posted_late", "record_disagrees"}
    assert {r[0] for r in db.execute("select relation from award_links")} == {"award", "parent"}
    assert first["lookups"]["not_found"] >= 3  # the DoD awards and Cellebrite: not there yet
    versions = db.execute("select count(*) from award_versions").fetchone()
    raws = db.execute("select count(*) from raw_records where source='usaspending'").fetchone()
    second = run_demo(tmp_path)
    usa = next(r for r in second["results"] if r.source == "usaspending")
    assert usa.status == "ok" and usa.stats.requests == 0 and usa.stats.new == 0
    assert db.execute("select count(*) from award_versions").fetchone() == versions
    assert db.execute("select count(*) from raw_records where source='usaspending'"
                      ).fetchone() == raws


# -- SIGKILL -------------------------------------------------------------------------------------

def _crash_data() -> Dataset:
    data = Dataset()
    for i in range(10):
        bpa = detail(f"47QTCA2{i}A000R", agency="4732", kind="IDV_E", internal=100 + i)
        data.awards.append(bpa)
        data.awards.append(detail(f"70CMSD25F00000{i:03d}", internal=i, parent=parent_ref(bpa),
                                  published="2025-04-01" if i % 4 else "2025-06-01"))
    return data


def _seed_crash(data_dir: Path) -> None:
    store = Store.open(data_dir / "solesource.db", data_dir / "private.db")
    try:
        for i in range(10):
            seed(store, f"samgov:k{i}", award=f"70CMSD25F00000{i:03d}",
                 cited=(f"47QTCA2{i}A000R",) if i % 3 == 0 else ())
    finally:
        store.close()


def _enrich_env(tmp: Path, base: str, name: str) -> dict[str, str]:
    config = tmp / f"{name}.toml"
    config.write_text("retry_backoff = 0.0\nhttp_timeout = 5.0\n[usaspending]\ninterval = 0.0\n")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SAM_", "SOLESOURCE_", "USASPENDING_"))}
    return env | {"USASPENDING_BASE": base, "SOLESOURCE_DATA": str(tmp / name),
                  "SOLESOURCE_NOW": NOW.isoformat(), "SOLESOURCE_CONFIG": str(config)}


def _state(data_dir: Path) -> dict[str, Any]:
    pub = sqlite3.connect(data_dir / "solesource.db")
    priv = sqlite3.connect(data_dir / "private.db")
    assert pub.execute("pragma integrity_check").fetchall() == [("ok",)]
    return {
        "awards": pub.execute("select id, version, sha256 from awards order by id").fetchall(),
        "versions": pub.execute("select award_id, version, changed_fields from award_versions "
                                "order by award_id, version").fetchall(),
        "raw": pub.execute("select source_id, sha256 from raw_records order by 1").fetchall(),
        "links": pub.execute("select notice_id, award_id, piid, matched_on, relation from "
                             "award_links order by 1, 2").fetchall(),
        "lookups": priv.execute("select notice_id, piid, matched_on, state, next_check_at "
                                "from award_lookups order by 1, 2").fetchall(),
    }


@pytest.mark.slow
@pytest.mark.parametrize("seed_", range(3))
def test_sigkill_during_enrichment_leaves_no_duplicate_or_gap(tmp_path: Path, seed_: int) -> None:
    app = ReplayApp(_crash_data(), clock=lambda: NOW)
    rng = random.Random(seed_)
    child: dict[str, subprocess.Popen[bytes]] = {}
    kill_at: dict[str, int] = {}

    def hook(_req: object, seq: int) -> None:
        if seq == kill_at.get("n") and "p" in child:
            os.kill(child["p"].pid, signal.SIGKILL)

    app.on_request = hook
    command = [sys.executable, "-m", "monitor", "enrich"]
    with ReplayServer(app) as base:
        for name in ("clean", "killed"):
            (tmp_path / name).mkdir()
            _seed_crash(tmp_path / name)
        done = subprocess.run(command, env=_enrich_env(tmp_path, base, "clean"),
                              capture_output=True, timeout=120)
        assert done.returncode == 0, done.stderr.decode()[-2000:]
        env = _enrich_env(tmp_path, base, "killed")
        codes = []
        for _ in range(3):  # three kills at random points, then a clean run
            kill_at["n"] = len(app.requests) + rng.randint(1, 25)
            child["p"] = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL)
            codes.append(child["p"].wait(timeout=120))
        assert codes[0] == -signal.SIGKILL, "the first run should have been killed"
        kill_at.clear()
        done = subprocess.run(command, env=env, capture_output=True, timeout=120)
        assert done.returncode == 0, done.stderr.decode()[-2000:]
    clean, killed = _state(tmp_path / "clean"), _state(tmp_path / "killed")
    assert killed == clean
    # 7 orders out by now and their 7 parent BPAs, and one BPA its document cites, whose
    # order is not out yet (found by the cited number: linked as the award)
    assert len(clean["links"]) == 15
    assert len({(n, a) for n, a, *_ in killed["links"]}) == len(killed["links"])


# -- the daemon ----------------------------------------------------------------------------------

@pytest.mark.parametrize("enabled", [True, False])
def test_the_daemon_runs_the_enrich_stage_when_enabled(enabled: bool, clock: Clock,
                                                      tmp_path: Path) -> None:
    app = ReplayApp(Dataset.demo(), clock=clock, keys={KEY: 1000})
    with ReplayServer(app) as base:
        settings = usa_settings(tmp_path, base, enabled=enabled)
        settings = replace(settings, sam=replace(settings.sam, fetch_attachments=False),
                           federal_register=replace(settings.federal_register,
                                                    fetch_full_text=False))
        pipeline.run_forever(settings, clock=clock, max_cycles=1)
    store = pipeline.open_store(settings)
    try:
        runs = {r[0] for r in q(store, "select source || ':' || kind from runs", db="private")}
        linked = q(store, "select count(*) from award_links")[0][0]
    finally:
        store.close()
    assert ("usaspending:enrich" in runs) is enabled
    assert {"samgov:poll", "federal_register:poll", "feeds:poll"} <= runs
    assert (linked > 0) is enabled


def test_an_amended_justification_hands_its_lookups_to_the_amendment(
        app: ReplayApp, url: str, store: Store, clock: Clock, tmp_path: Path) -> None:
    app.data.awards.append(detail("70CMSD22FR0000081"))
    seed(store, "samgov:original", award="70CMSD22FR0000081", posted="2025-04-11")
    settings = usa_settings(tmp_path, url)
    pipeline.enrich(settings, clock=clock, store=store)
    # the amendment replaces the original in the reading table (as justifications.refresh does)
    store.public.execute("delete from justifications where notice_id = 'samgov:original'")
    seed(store, "samgov:amendment", award="70CMSD-22-FR-0000081", posted="2025-04-17")
    clock.set(NOW + timedelta(days=30))
    pipeline.enrich(settings, clock=clock, store=store)
    states = q(store, "select notice_id, state from award_lookups order by 1", db="private")
    assert states == [("samgov:amendment", "found"), ("samgov:original", "skipped")]
    assert q(store, "select notice_id from award_links order by 1") == [
        ("samgov:amendment",), ("samgov:original",)]
    assert counts(store)["found"] == 1
    requests = len(app.requests)
    clock.set(NOW + timedelta(days=40))
    pipeline.enrich(settings, clock=clock, store=store)
    assert len(app.requests) - requests == 3, "only the amendment's award is re-checked"


def test_requests_are_spaced_by_the_interval(
        app: ReplayApp, url: str, store: Store, clock: Clock, tmp_path: Path) -> None:
    from monitor.http import make_client
    from monitor.sources import PollContext
    from monitor.sources.usaspending import Usaspending

    app.data.awards.append(detail("19AQMM25C0077", agency="1900"))
    seed(store, "samgov:state", award="19AQMM25C0077")
    waits: list[float] = []
    settings = usa_settings(tmp_path, url, interval=1.0)
    ctx = PollContext(store=store, client=make_client(timeout=5.0), settings=settings,
                      clock=clock, sleep=waits.append)  # records each wait instead of waiting
    try:
        Usaspending().enrich(ctx)
    finally:
        ctx.client.close()
    assert ctx.stats.requests == 3 and len(waits) == 2
    assert all(0.5 < w <= 1.0 for w in waits), waits
