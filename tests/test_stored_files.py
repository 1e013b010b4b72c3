"""Stored attachments are checked, not trusted: a file truncated, replaced or deleted under
``files/`` is never served nor read as it is; it is marked, shown by ``status`` and fetched
again by the next poll. The attachment endpoint serves nothing outside ``data_dir/files``."""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from monitor import pipeline
from monitor.attachments import stored_path
from monitor.browse import make_datasette
from monitor.cli import cli
from monitor.replay import ReplayApp
from monitor.settings import Settings
from tests.conftest import Clock, wsgi

BASE = "http://replay.test"


def _poll(settings: Settings, app: ReplayApp, clock: Clock) -> None:
    pipeline.poll(settings, ["samgov"], clock=clock, transport=wsgi(app))


def _stored(settings: Settings) -> list[dict[str, Any]]:
    db = sqlite3.connect(settings.public_db)
    db.row_factory = sqlite3.Row
    rows = [dict(r) for r in db.execute(
        "select * from attachments where path is not null order by id")]
    db.close()
    return rows


def _row(settings: Settings, attachment_id: str) -> dict[str, Any]:
    return next(r for r in _stored(settings) if r["id"] == attachment_id)


def _pdf(settings: Settings) -> dict[str, Any]:
    return next(r for r in _stored(settings) if r["media_type"] == "application/pdf"
                and r["state"] == "stored")


def _get(ds: Any, path: str) -> Any:
    return asyncio.run(ds.client.get(path))


@pytest.fixture
def polled(demo_app: ReplayApp, settings_for: Any, clock: Clock) -> Settings:
    settings = settings_for(BASE)
    _poll(settings, demo_app, clock)
    return settings


def test_a_truncated_or_replaced_file_is_not_served(polled: Settings) -> None:
    row = _pdf(polled)
    path = polled.data_dir / row["path"]
    ds = make_datasette(polled.public_db, polled.data_dir)
    url = f"/-/attachment/{row['id']}"
    good = _get(ds, url)
    assert good.status_code == 200 and hashlib.sha256(good.content).hexdigest() == row["sha256"]
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 2])  # truncated
    page = _get(ds, url)
    assert page.status_code == 404 and "bytes" in page.text and "fetches it again" in page.text
    path.write_bytes(whole[::-1])  # the same size, other bytes
    assert _get(ds, url).status_code == 404
    path.unlink()
    assert _get(ds, url).status_code == 404


@pytest.mark.parametrize("target", ["private.db", "solesource.db", "files/../private.db",
                                    "../outside.txt", "/etc/passwd", "files"])
def test_only_paths_under_the_files_folder_are_served(polled: Settings, target: str) -> None:
    (polled.data_dir.parent / "outside.txt").write_text("OUTSIDE-SECRET-42")
    row = _pdf(polled)
    db = sqlite3.connect(polled.public_db)
    with db:  # what a row could say if the database were tampered with or a bug wrote it
        db.execute("update attachments set path = ?, size = null, sha256 = null where id = ?",
                   [target, row["id"]])
    db.close()
    ds = make_datasette(polled.public_db, polled.data_dir)
    page = _get(ds, f"/-/attachment/{row['id']}")
    assert page.status_code == 404
    assert b"SQLite format" not in page.content and b"OUTSIDE-SECRET-42" not in page.content


def test_a_symlink_out_of_the_files_folder_is_not_followed(polled: Settings) -> None:
    row = _pdf(polled)
    path = polled.data_dir / row["path"]
    path.unlink()
    path.symlink_to(polled.private_db)
    assert stored_path(polled.data_dir, row["path"]) is None
    ds = make_datasette(polled.public_db, polled.data_dir)
    assert _get(ds, f"/-/attachment/{row['id']}").status_code == 404


def test_extraction_marks_bad_files_and_the_next_poll_fetches_them_again(
        polled: Settings, demo_app: ReplayApp, clock: Clock) -> None:
    pdfs = [r for r in _stored(polled) if r["media_type"] == "application/pdf"
            and r["state"] == "stored"]
    truncated, deleted = pdfs[0], next(r for r in pdfs[1:] if r["path"] != pdfs[0]["path"])
    whole = (polled.data_dir / truncated["path"]).read_bytes()
    (polled.data_dir / truncated["path"]).write_bytes(whole[:1000])
    (polled.data_dir / deleted["path"]).unlink()
    pipeline.extract(polled, clock=clock)
    assert _row(polled, truncated["id"])["state"] == "damaged"
    assert _row(polled, deleted["id"])["state"] == "missing"
    db = sqlite3.connect(polled.public_db)
    read = {r[0] for r in db.execute("select attachment_id from extractions")}
    db.close()
    assert truncated["id"] not in read and deleted["id"] not in read  # never read as they were

    result = CliRunner().invoke(cli, ["--data-dir", str(polled.data_dir), "status"],
                                env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "1 missing, 1 truncated or damaged" in result.output

    _poll(polled, demo_app, clock)
    for before in (truncated, deleted):
        after = _row(polled, before["id"])
        assert after["state"] == "stored" and after["sha256"] == before["sha256"]
        data = (polled.data_dir / after["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == before["sha256"]
    pipeline.extract(polled, clock=clock)  # the notices are read again, with their files
    db = sqlite3.connect(polled.public_db)
    read = {r[0] for r in db.execute("select attachment_id from extractions")}
    db.close()
    assert truncated["id"] in read and deleted["id"] in read


def test_a_poll_notices_a_deleted_file_without_waiting_for_extraction(
        polled: Settings, demo_app: ReplayApp, clock: Clock) -> None:
    row = _pdf(polled)
    path = polled.data_dir / row["path"]
    path.unlink()
    _poll(polled, demo_app, clock)
    assert _row(polled, row["id"])["state"] == "stored"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == row["sha256"]


def test_stored_path_refuses_everything_outside_files(tmp_path: Path) -> None:
    (tmp_path / "files" / "ab").mkdir(parents=True)
    assert stored_path(tmp_path, "files/ab/x.pdf") == (tmp_path / "files/ab/x.pdf").resolve()
    for rel in ("private.db", "files", "files/..", "files/../private.db", "/etc/passwd",
                "../x", "", None):
        assert stored_path(tmp_path, rel) is None
