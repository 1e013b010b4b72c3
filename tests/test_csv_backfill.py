"""The bulk data-extract CSV: cp1252, quoted multi-line fields, streamed, filtered."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from monitor import pipeline
from monitor.replay.samgov import CSV_COLUMNS
from monitor.sources.samgov_csv import decoded_lines
from monitor.store import Store
from tests.conftest import shared_sample, wsgi

BASE = "http://replay.test"


def test_header_matches_the_recorded_extract():
    header = shared_sample("samgov_contract_opportunities_csv_header.csv")
    recorded = next(csv.reader(io.StringIO(header.read_text(encoding="cp1252"))))
    assert recorded == CSV_COLUMNS


def _write_csv(path, rows):
    out = io.StringIO()
    w = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    w.writerow(CSV_COLUMNS)
    for r in rows:
        w.writerow([r.get(c, "") for c in CSV_COLUMNS])
    path.write_bytes(out.getvalue().encode("cp1252"))


def test_local_csv_keeps_justifications_and_intents_only(tmp_path, settings_for, clock):
    rows = [
        {"NoticeId": "a" * 32, "Title": "J&A \u2013 bridge repair", "Type": "Justification",
         "BaseType": "Justification", "PostedDate": "2025-04-10 03:42:50",
         "Description": "line one\nline two, with \"quotes\"\n\u2013 dash", "AwardNumber": "W1-2"},
        {"NoticeId": "b" * 32, "Title": "Intent to sole source: widgets", "Type": "Special Notice",
         "BaseType": "Special Notice", "PostedDate": "2025-04-11 09:00:00"},
        {"NoticeId": "c" * 32, "Title": "Janitorial services", "Type": "Solicitation",
         "BaseType": "Solicitation", "PostedDate": "2025-04-11 09:00:00"},
        {"NoticeId": "d" * 32, "Title": "Old J&A", "Type": "Justification",
         "BaseType": "Justification", "PostedDate": "2024-01-11 09:00:00"},
    ]
    path = tmp_path / "extract.csv"
    _write_csv(path, rows)
    assert b"\x96" in path.read_bytes()  # cp1252 en dash, which breaks UTF-8
    settings = settings_for(BASE)
    from datetime import date

    result = pipeline.backfill(settings, "samgov", date(2025, 1, 1), date(2025, 12, 31),
                               csv=str(path), clock=clock)
    assert result.status == "ok" and result.stats.new == 2
    store = Store.open(settings.public_db, settings.private_db)
    row = next(store.public["notices"].rows_where("source_id = ?", ["a" * 32]))
    assert row["title"] == "J&A \u2013 bridge repair" and "line two" in row["description"]
    assert row["description_state"] == "fetched" and row["family_key"] == "W12"
    store.close()


def test_csv_over_http_with_redirect_and_api_agree(demo_app, settings_for, clock):
    """The extract, fetched through sam.gov's 303, lands on the same notices as the API."""
    from datetime import date

    settings = settings_for(BASE)
    pipeline.poll(settings, ["samgov"], clock=clock, transport=wsgi(demo_app))
    url = (f"{BASE}/api/prod/fileextractservices/v1/api/download/Contract%20Opportunities/"
           "datagov/ContractOpportunitiesFullCSV.csv?privacy=Public")
    result = pipeline.backfill(settings, "samgov", date(2025, 1, 1), date(2025, 12, 31),
                               csv=url, clock=clock, transport=wsgi(demo_app))
    assert result.status == "ok", result.error
    assert (result.stats.new, result.stats.updated) == (0, 0)
    assert result.stats.fetched == 12  # the neutral NAVSEA special notice is filtered out


@given(st.binary(max_size=400), st.integers(min_value=1, max_value=17))
def test_decoded_lines_match_a_whole_decode(data, chunk):
    chunks = [data[i:i + chunk] for i in range(0, len(data), chunk)]
    assert "".join(decoded_lines(chunks)) == data.decode("cp1252", errors="replace")
