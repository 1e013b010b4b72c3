"""Parsers of outside data: recorded samples, and hypothesis on hostile input."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
from hypothesis import given
from hypothesis import strategies as st

from extractors.html import html_to_text
from monitor.http import parse_retry_at, redact_url
from monitor.models import normalize_amount, normalize_piid
from monitor.sources.samgov import normalize_record
from tests.conftest import shared_sample

NOW = datetime(2026, 5, 22, 15, tzinfo=UTC)


def test_every_recorded_v2_record_normalizes():
    for name in ("samgov_v2_search_2026-02-02_limit10.json", "samgov_v2_search_2023-12-14.json",
                 "samgov_v2_search_noticeid_2024-01.json",
                 "samgov_v2_search_DOC_EXAMPLE_award_notice.json"):
        body = json.loads(shared_sample(name).read_text())
        for rec in body["opportunitiesData"]:
            n = normalize_record(rec)
            assert n.id == f"samgov:{rec['noticeId']}"
            assert n.posted_date and len(n.posted_date) == 10


def test_award_notice_fields_and_resource_links():
    body = json.loads(shared_sample("samgov_v2_search_DOC_EXAMPLE_award_notice.json").read_text())
    n = normalize_record(body["opportunitiesData"][0])
    assert n.award_amount is None or "." in n.award_amount
    recorded = json.loads(shared_sample("samgov_v2_search_2023-12-14.json").read_text())
    with_links = [normalize_record(r) for r in recorded["opportunitiesData"]
                  if r.get("resourceLinks")]
    for n in with_links:  # '?api_key=null&token=' suffixes do not leak into ids
        assert n.attachment_ids and all(len(i) >= 16 and "?" not in i for i in n.attachment_ids)


def test_429_bodies():
    recorded = httpx.Response(429, json={
        "code": "900804", "message": "Message throttled out",
        "description": "You have exceeded your quota. You can access API after "
                       "2026-May-23 00:00:00+0000 UTC",
        "nextAccessTime": "2026-May-23 00:00:00+0000 UTC"})
    assert parse_retry_at(recorded, NOW) == datetime(2026, 5, 23, tzinfo=UTC)
    no_time = httpx.Response(429, json={"code": "900804", "message": "Message throttled out"})
    assert parse_retry_at(no_time, NOW) is None
    seconds = httpx.Response(429, headers={"Retry-After": "120"})
    assert parse_retry_at(seconds, NOW) == datetime(2026, 5, 22, 15, 2, tzinfo=UTC)
    http_date = httpx.Response(429, headers={"Retry-After": "Sat, 23 May 2026 00:00:00 GMT"})
    assert parse_retry_at(http_date, NOW) == datetime(2026, 5, 23, tzinfo=UTC)


def test_redact_url_hides_keys_and_signatures():
    url = "https://api.sam.gov/x?api_key=SECRET&limit=1&X-Amz-Signature=abc"
    red = redact_url(url)
    assert "SECRET" not in red and "abc" not in red and "limit=1" in red
    assert "api_key=null" in redact_url("https://sam.gov/f?api_key=null&token=")


def test_amounts_and_piids():
    assert normalize_amount("5000000.00") == normalize_amount("5,000,000") == "5000000.00"
    assert normalize_amount("") is None and normalize_amount("n/a") is None
    assert normalize_piid("W91CRB-25-C-A018") == normalize_piid("w91crb25ca018") == "W91CRB25CA018"


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(),
                    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(), c, max_size=3),
                    max_leaves=20),
       st.dictionaries(st.sampled_from(["Retry-After", "Content-Type"]), st.text(max_size=40)))
def test_parse_retry_at_never_raises(body, headers):
    headers = {k: v.encode("latin-1", "replace").decode("latin-1") for k, v in headers.items()}
    try:
        response = httpx.Response(429, json=body, headers=headers)
    except (TypeError, ValueError):
        return
    result = parse_retry_at(response, NOW)
    assert result is None or result.tzinfo is not None


@given(st.dictionaries(st.sampled_from(["title", "type", "postedDate", "award", "resourceLinks",
                                        "active", "responseDeadLine", "solicitationNumber"]),
                       st.none() | st.text(max_size=30) | st.lists(st.text(max_size=60),
                                                                   max_size=3)))
def test_normalize_record_survives_junk(fields):
    rec = {"noticeId": "0" * 32} | fields
    if not isinstance(rec.get("award"), dict | None):
        rec["award"] = None
    if not isinstance(rec.get("resourceLinks"), list | None):
        rec["resourceLinks"] = None
    n = normalize_record(rec)
    assert n.source_id == "0" * 32


@given(st.text(max_size=300))
def test_html_to_text_never_raises(markup):
    assert isinstance(html_to_text(markup), str)


@given(st.text(max_size=40))
def test_normalize_amount_never_raises(text):
    value = normalize_amount(text)
    assert value is None or value.replace(".", "").lstrip("-").isdigit()
