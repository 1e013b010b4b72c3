"""The extract stage inside the pipeline: every notice version read once, stored with its
evidence, re-read when it changes or when the extractor version goes up."""

from __future__ import annotations

import json
from dataclasses import replace

import extractors
from monitor import pipeline
from monitor.store import Store
from tests.conftest import missing, wsgi

BASE = "http://replay.test"


def _cycle(settings, app, clock):
    return pipeline.cycle(settings, ["samgov", "federal_register"], clock=clock,
                          transport=wsgi(app))


def _notice(settings, title_like):
    store = Store.open(settings.public_db, settings.private_db)
    row = next(store.public["notices"].rows_where("title like ?", [title_like]))
    store.close()
    return row


def test_palantir_justification_is_read_from_its_pdf(demo_app, settings_for, clock):
    settings = settings_for(BASE)
    _cycle(settings, demo_app, clock)
    row = _notice(settings, "%ImmigrationOS modification")
    assert row["notice_class"] == "justification"
    assert row["vendor"] == "Palantir Technologies Inc."
    assert row["amount_usd"] == 29_800_000
    assert row["authority_category"] == "urgency"
    assert "FAR 6.302-2" in json.loads(row["authority_citations"])
    assert row["next_deadline"] == "2025-09-25"
    assert row["agency_hierarchy"] == ("Department of Homeland Security > "
                                       "U.S. Immigration and Customs Enforcement")
    store = Store.open(settings.public_db, settings.private_db)
    ex = next(store.public["extractions"].rows_where(
        "notice_id = ? and attachment_id is not null", [row["id"]]))
    result = json.loads(ex["result"])
    quote = result["vendors"][0]["evidence"]["quote"]
    assert "Palantir" in quote and result["vendors"][0]["evidence"]["page"] == 1
    store.close()


def test_redacted_scanned_and_intent_notices(demo_app, settings_for, clock):
    settings = settings_for(BASE)
    _cycle(settings, demo_app, clock)
    usace = _notice(settings, "J&A - Sterile Fly%")
    assert usace["redacted_amount"] == 1 and usace["amount_usd"] is None
    nih = _notice(settings, "Notice of Intent to Sole Source%")
    assert nih["notice_class"] == "intent_to_sole_source"
    assert nih["response_due"] == "2025-05-09"
    navsea = _notice(settings, "MIL-PRF%")
    assert navsea["notice_class"] == "neither"  # "single source of truth" is not sole source
    cdc = _notice(settings, "Notice of Award of a Single Source%")
    assert cdc["notice_class"] == "justification" and cdc["amount_usd"] == 2_000_000


def test_scanned_justification_goes_through_ocr(demo_app, settings_for, clock):
    import shutil

    if not shutil.which("tesseract"):
        missing("tesseract is not installed (apt-get install tesseract-ocr)")
    settings = settings_for(BASE)
    _cycle(settings, demo_app, clock)
    state = _notice(settings, "JOFOC - Armored%")
    assert state["amount_usd"] == 4_750_000
    assert state["authority_category"] == "only_one_source"


def test_extraction_runs_once_and_again_after_a_version_bump(demo_app, settings_for, clock,
                                                            monkeypatch):
    settings = settings_for(BASE)
    _cycle(settings, demo_app, clock)
    store = Store.open(settings.public_db, settings.private_db)
    first = store.public.execute("select count(*) from extractions").fetchone()[0]
    assert pipeline.extract(settings, clock=clock, store=store).notices == 0
    monkeypatch.setattr(extractors, "VERSION", extractors.VERSION + 1)
    assert pipeline.extract(settings, clock=clock, store=store).notices == 15
    assert store.public.execute("select count(*) from extractions").fetchone()[0] == first
    store.close()


def test_metadata_disagreement_is_kept_visible(demo_app, settings_for, clock):
    rec = next(n for n in demo_app.data.notices if "ImmigrationOS" in n["title"])
    rec["award"] = {"number": rec["award"]["number"], "amount": "17000000.00",
                    "awardee": {"name": "Palantir USG, Inc."}}
    settings = settings_for(BASE)
    _cycle(settings, demo_app, clock)
    row = _notice(settings, "%ImmigrationOS modification")
    assert "SAM.gov says $17,000,000, the document $29,800,000" in row["metadata_disagreements"]
    assert row["award_amount"] == "17000000.00" and row["amount_usd"] == 29_800_000


def test_a_process_pool_reads_the_same_as_one_process(demo_app, settings_for, clock,
                                                      monkeypatch, tmp_path):
    """Extraction is a job function: run in worker processes, it stores exactly what the
    single-process run stores."""
    import monitor.extraction as extraction

    def run(workers, folder):
        settings = replace(settings_for(BASE), extract_workers=workers, data_dir=folder)
        pipeline.poll(settings, ["samgov", "federal_register"], clock=clock,
                      transport=wsgi(demo_app))
        stats = pipeline.extract(settings, clock=clock)
        store = Store.open(settings.public_db, settings.private_db)
        rows = sorted(store.public.execute(
            "select notice_id, vendor, amount_usd, authority_category, next_deadline from "
            "justifications").fetchall())
        store.close()
        return stats, rows

    monkeypatch.setattr(extraction, "POOL_THRESHOLD", 1)
    monkeypatch.setattr(extraction, "JOBS_PER_WORKER", 2)  # pools renewed along the way
    pooled, pooled_rows = run(2, tmp_path / "pooled")
    single, single_rows = run(1, tmp_path / "single")
    assert pooled.notices == single.notices == 15 and pooled.errors == 0
    assert pooled_rows == single_rows and len(pooled_rows) == 13


def test_a_job_is_picklable_and_needs_no_database(demo_app, settings_for, clock):
    import pickle

    from monitor.extraction import make_job
    from monitor.jobs import JobResult, run_job

    settings = settings_for(BASE)
    _cycle(settings, demo_app, clock)
    store = Store.open(settings.public_db, settings.private_db)
    notice = next(store.public["notices"].rows_where("title like ?", ["%ImmigrationOS%"]))
    job = make_job(store, settings, notice)
    store.close()
    done = run_job(pickle.loads(pickle.dumps(job)))
    out = pickle.loads(pickle.dumps(done))  # results come back from a worker pickled too
    assert all(isinstance(doc, JobResult) for doc in out)
    assert [doc.result.to_json() for doc in out] == [doc.result.to_json() for doc in done]
    pdf = next(doc for doc in out if doc.name.endswith(".pdf"))
    assert pdf.result.vendors[0].name == "Palantir Technologies Inc."
    assert pdf.attachment_id is not None and "Palantir" in pdf.text
