"""Attachments: 303 to a signed URL, filenames, caps, dedupe, private/link/deleted rows,
attachments on the parent notice, expired signatures and hostile redirects."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import httpx

from monitor import pipeline
from monitor.attachments import filename_from, sniff
from monitor.replay import Dataset, Fault, ReplayApp
from monitor.store import Store
from tests.conftest import KEY, wsgi

BASE = "http://replay.test"


def _poll(settings, app, clock):
    return pipeline.poll(settings, ["samgov"], clock=clock, transport=wsgi(app))[0]


def _atts(settings) -> dict[str, dict]:
    store = Store.open(settings.public_db, settings.private_db)
    rows = {r["filename"]: r for r in store.public["attachments"].rows}
    store.close()
    return rows


def test_demo_attachments_are_stored_with_their_real_names(demo_app, settings_for, clock):
    settings = settings_for(BASE)
    _poll(settings, demo_app, clock)
    atts = _atts(settings)
    pdf = atts["SWF JA Phase One Screwworm Redacted.pdf"]
    assert pdf["state"] == "stored" and pdf["media_type"] == "application/pdf"
    path = settings.data_dir / pdf["path"]
    assert path.read_bytes().startswith(b"%PDF")
    assert path.name.startswith(pdf["sha256"])
    assert atts["JA_Switchblade_Spares.docx"]["media_type"].endswith("wordprocessingml.document")
    assert atts["Attachment 2 Pricing (CUI).pdf"]["state"] == "private"
    assert atts["FPDS record"]["state"] == "link"
    downloads = [r for r in demo_app.requests if r.path.endswith("/download")]
    assert all(not r.arg("api_key") for r in downloads), "downloads must not spend the key"


def test_same_file_on_two_notices_is_stored_once(settings_for, clock):
    data = Dataset.synthetic(2, date(2025, 4, 20), 2, attachments=True)
    for n in data.notices:
        n["_attachments"][0]["content"] = "identical bytes"
    data.notices[1]["_attachments"][0]["resourceId"] = "f" * 32
    app = ReplayApp(data, clock=clock, keys={KEY: 100})
    settings = settings_for(BASE)
    _poll(settings, app, clock)
    store = Store.open(settings.public_db, settings.private_db)
    rows = list(store.public["attachments"].rows)
    assert len(rows) == 2 and len({r["path"] for r in rows}) == 1
    store.close()
    assert len([p for p in settings.files_dir.rglob("*") if p.is_file()]) == 1


def test_size_cap_marks_too_large_without_keeping_bytes(demo_app, settings_for, clock):
    settings = replace(settings_for(BASE), max_attachment_bytes=20_000)
    _poll(settings, demo_app, clock)
    atts = _atts(settings)
    assert atts["DS_JOFOC_Armored_Vehicles_scan.pdf"]["state"] == "too_large"
    assert atts["VA_Brand_Name_DaTscan.pdf"]["state"] == "stored"
    assert not [p for p in settings.files_dir.rglob("*.pdf") if p.stat().st_size > 20_000]


def test_attachments_found_on_the_parent_notice(settings_for, clock):
    data = Dataset.synthetic(2, date(2025, 4, 20), 2, attachments=True)
    parent, child = data.notices
    child["solicitationNumber"] = parent["solicitationNumber"]
    child["award"] = dict(parent["award"])
    child["postedDate"] = "2025-04-22"
    child.pop("_attachments")
    app = ReplayApp(data, clock=clock, keys={KEY: 100})
    settings = settings_for(BASE)
    _poll(settings, app, clock)
    store = Store.open(settings.public_db, settings.private_db)
    rows = list(store.public["attachments"].rows_where("notice_id = ?",
                                                        [f"samgov:{child['noticeId']}"]))
    assert len(rows) == 1 and rows[0]["from_notice_id"] == f"samgov:{parent['noticeId']}"
    assert rows[0]["state"] == "stored"
    store.close()


def test_expired_signed_url_is_retried_on_the_next_run(demo_app, settings_for, clock):
    demo_app.modes["presign_expires"] = -1  # every signed URL is already stale
    settings = settings_for(BASE)
    result = _poll(settings, demo_app, clock)
    assert result.status == "ok" and "Request has expired" not in (result.error or "")
    assert "answered 403" in (result.error or "")
    store = Store.open(settings.public_db, settings.private_db)
    assert store.counts()["attachments"] == 0
    store.close()
    demo_app.modes["presign_expires"] = 3600
    _poll(settings, demo_app, clock)
    assert _atts(settings)["VA_Brand_Name_DaTscan.pdf"]["state"] == "stored"


def test_signed_url_that_expired_in_flight_is_signed_again(demo_app, settings_for, clock):
    expired = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
               "<Message>Request has expired</Message></Error>")
    demo_app.script("s3", Fault(status=403, body=expired,
                                headers={"Content-Type": "application/xml"}))
    settings = settings_for(BASE)
    result = _poll(settings, demo_app, clock)
    assert result.status == "ok" and "403" not in (result.error or "")
    assert _atts(settings)["VA_Brand_Name_DaTscan.pdf"]["state"] == "stored"
    stored = sum(a["state"] == "stored" for a in _atts(settings).values())
    assert demo_app.count("download") == demo_app.count("s3") == stored + 1  # one re-signed


def test_redirect_to_a_file_url_is_refused(demo_app, settings_for, clock):
    demo_app.script("download", Fault(status=303, body=b"", headers={"Location": "file:///etc/passwd"}))
    settings = settings_for(BASE)
    result = _poll(settings, demo_app, clock)
    assert "refusing to follow a redirect to a file: URL" in result.error


def test_truncated_download_is_not_kept(demo_app, settings_for, clock):
    demo_app.script("s3", Fault(truncate_after=100))
    settings = settings_for(BASE)
    result = _poll(settings, demo_app, clock)
    assert result.error and "truncated" in result.error
    stored = [p for p in settings.files_dir.rglob("*") if p.is_file()]
    assert all(not p.name.startswith(".part-") for p in stored)


def test_filename_and_sniffing():
    h = httpx.Headers({"content-disposition": "attachment; filename=Attachment+5+NDA.docx"})
    assert filename_from(h) == "Attachment 5 NDA.docx"
    evil = httpx.Headers({"content-disposition": 'attachment; filename="../../etc/passwd"'})
    assert filename_from(evil) == "passwd"
    assert sniff(b"%PDF-1.7\n") == "application/pdf"
    assert sniff(b"PK\x03\x04....word/document.xml") .endswith("wordprocessingml.document")
    assert sniff(b"<!DOCTYPE html><html>") == "text/html"
    assert sniff(b"\x89PNG\r\n\x1a\n\x00\xff") == "application/octet-stream"
